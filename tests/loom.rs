//! Model checks of the seat manager's critical sections with loom: every interleaving of two
//! threads is explored. Run with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test --release --test loom
//! ```
//!
//! Without `--cfg loom` this file compiles to nothing.
#![cfg(loom)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::{Hold, HoldPolicy, SeatError, SeatId, SeatLayout, ShowId, ShowSeatManager, UserId};

const ALICE: UserId = UserId::new(1);
const BOB: UserId = UserId::new(2);

fn show() -> Arc<ShowSeatManager> {
    let layout = Arc::new(SeatLayout::grid(1, 4).expect("grid"));
    Arc::new(ShowSeatManager::new(
        ShowId::new(1),
        layout,
        HoldPolicy::default(),
    ))
}

/// Alice holds seat 0; another thread sweeps at the hold's expiry instant and reports how many
/// holds it expired.
fn hold_then_sweep_at_its_deadline() -> (Arc<ShowSeatManager>, Hold, loom::thread::JoinHandle<usize>)
{
    let show = show();
    let hold = show
        .hold(ALICE, &seats(&[0]), Instant::now())
        .expect("free");
    let deadline = hold.expires_at();
    let sweeper = {
        let show = show.clone();
        loom::thread::spawn(move || show.expire_due(deadline).len())
    };
    (show, hold, sweeper)
}

fn seats(ids: &[u32]) -> Vec<SeatId> {
    ids.iter().map(|i| SeatId::new(*i)).collect()
}

#[test]
fn two_holds_on_overlapping_seats_never_both_win() {
    loom::model(|| {
        let show = show();
        let now = Instant::now();
        let other = show.clone();
        let bob = loom::thread::spawn(move || other.hold(BOB, &seats(&[1, 2]), now).is_ok());
        let alice = show.hold(ALICE, &seats(&[0, 1]), now).is_ok();
        let bob = bob.join().expect("thread");
        assert!(alice ^ bob, "exactly one overlapping hold wins");
        assert_eq!(show.counts(now).held(), 2);
        show.check_invariants().expect("invariants");
    });
}

#[test]
fn confirm_racing_expiry_resolves_the_hold_exactly_once() {
    loom::model(|| {
        let (show, hold, sweeper) = hold_then_sweep_at_its_deadline();
        let deadline = hold.expires_at();
        let confirmed = show
            .confirm(hold.id(), ALICE, deadline - Duration::from_nanos(1))
            .is_ok();
        let expired = sweeper.join().expect("thread");
        assert!(
            confirmed ^ (expired == 1),
            "confirmed {confirmed}, expired {expired}"
        );
        let counts = show.counts(deadline);
        assert_eq!(counts.booked(), u32::from(confirmed));
        show.check_invariants().expect("invariants");
    });
}

#[test]
fn release_racing_confirm_resolves_the_hold_exactly_once() {
    loom::model(|| {
        let show = show();
        let now = Instant::now();
        let hold = show.hold(ALICE, &seats(&[0, 1]), now).expect("free").id();
        let releaser = {
            let show = show.clone();
            loom::thread::spawn(move || show.release(hold, ALICE, now))
        };
        let confirmed = show.confirm(hold, ALICE, now);
        let released = releaser.join().expect("thread");
        assert!(confirmed.is_ok() ^ released.is_ok());
        match (confirmed, released) {
            (Ok(_), Err(err)) => assert!(matches!(err, SeatError::AlreadyConfirmed { .. })),
            (Err(err), Ok(())) => assert!(matches!(err, SeatError::AlreadyReleased { .. })),
            other => panic!("not exactly once: {other:?}"),
        }
        show.check_invariants().expect("invariants");
    });
}

#[test]
fn extend_racing_the_sweep_either_extends_or_expires() {
    loom::model(|| {
        let (show, hold, sweeper) = hold_then_sweep_at_its_deadline();
        let deadline = hold.expires_at();
        let extended = show.extend(hold.id(), ALICE, deadline - Duration::from_nanos(1));
        let expired = sweeper.join().expect("thread");
        match extended {
            Ok(longer) => {
                assert_eq!(expired, 0);
                assert!(longer.expires_at() > deadline);
                assert_eq!(show.counts(deadline).held(), 1);
            }
            Err(err) => {
                assert!(matches!(err, SeatError::Expired { .. }));
                assert_eq!(expired, 1);
                assert_eq!(show.counts(deadline).held(), 0);
            }
        }
        show.check_invariants().expect("invariants");
    });
}
