//! The seat inventory in one screenful: build a screen, open a show, hold seats for two users
//! (one of them conflicting), confirm one hold, let the other expire, and print the seat map.
//!
//! Run it with `cargo run --example quickstart`.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use boxoffice::{
    Clock, HoldPolicy, ManualClock, SeatError, SeatLayout, ShowId, ShowSeatManager, UserId,
};

fn main() -> Result<(), Box<dyn Error>> {
    // A small screen. R regular, P premium, V VIP, A wheelchair space, C companion, `_` aisle.
    let layout = Arc::new(
        SeatLayout::builder()
            .row("A", "AC_RRRRRR_CA")
            .row("B", "RR_RRRRRR_RR")
            .row("C", "RR_PPPPPP_RR")
            .row("D", "RR_PPPPPP_RR")
            .row("E", "VV_VVVVVV_VV")
            .build()?,
    );
    // Seat state belongs to the show, not the screen; the clock is ours to move.
    let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
    let clock = ManualClock::new();
    let seats = |labels: &[&str]| -> Vec<_> {
        labels
            .iter()
            .map(|label| layout.seat_id(label).expect("seat exists"))
            .collect()
    };
    let (alice, bob, carol) = (UserId::new(1), UserId::new(2), UserId::new(3));

    // Alice holds two premium seats in the middle of row D.
    let alice_hold = show.hold(alice, &seats(&["D4", "D5"]), clock.now())?;
    println!(
        "alice holds D4 D5 as hold {} for {:?}",
        alice_hold.id(),
        alice_hold.expires_at() - clock.now()
    );

    // Bob wants D5 and D6 at the same moment: all or nothing, so he gets neither.
    match show.hold(bob, &seats(&["D5", "D6"]), clock.now()) {
        Err(SeatError::Unavailable { conflicts }) => {
            for conflict in conflicts {
                let label = layout.label(conflict.seat()).expect("seat exists");
                println!(
                    "bob cannot have {label}: it is {} (may free up: {})",
                    conflict.status(),
                    conflict.may_free_up()
                );
            }
        }
        other => return Err(format!("expected a conflict, got {other:?}").into()),
    }

    // Carol holds two seats in row B and then walks away.
    let carol_hold = show.hold(carol, &seats(&["B4", "B5"]), clock.now())?;
    println!("\n{}\n", show.seat_map(clock.now()));

    // Two minutes later Alice pays and confirms.
    clock.advance(Duration::from_secs(120));
    show.confirm(alice_hold.id(), alice, clock.now())?;
    println!("alice confirmed D4 D5");

    // Ten minutes after Carol's hold, it expires on the monotonic clock.
    clock.advance(Duration::from_secs(480));
    let expired = show.expire_due(clock.now());
    for hold in &expired {
        println!("hold {} of user {} expired", hold.hold(), hold.owner());
    }
    assert_eq!(expired.len(), 1);
    // Too late for Carol now: expiry is exact to the instant.
    let late = show.confirm(carol_hold.id(), carol, clock.now());
    println!("carol tries to confirm: {}", late.unwrap_err());

    println!("\n{}", show.seat_map(clock.now()));
    Ok(())
}
