//! The `SeatStore` contract, written once and run against every implementation: the in-memory
//! store always, the Redis store with `--features redis` and `BOXOFFICE_REDIS_URL` set.
//!
//! Time is real here (a 400 ms hold TTL and short sleeps), because a Redis store keeps time on
//! the server's clock.

use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use boxoffice::*;

const SHOW: ShowId = ShowId::new(1);
const ALICE: UserId = UserId::new(1);
const BOB: UserId = UserId::new(2);
pub(crate) const TTL: Duration = Duration::from_millis(400);

pub(crate) fn contract_policy() -> HoldPolicy {
    HoldPolicy::builder()
        .hold_ttl(TTL)
        .hold_lifetime_max(TTL * 3)
        .seats_per_hold_max(4)
        .seats_per_user_max(6)
        .build()
        .unwrap()
}

pub(crate) fn contract_layout() -> Arc<SeatLayout> {
    Arc::new(
        SeatLayout::builder()
            .row("A", "RRRR_RRRR")
            .row("B", "RRRRRRRR")
            .build()
            .unwrap(),
    )
}

fn s(ids: &[u32]) -> Vec<SeatId> {
    ids.iter().map(|i| SeatId::new(*i)).collect()
}

fn statuses<S: SeatStore + ?Sized>(store: &S) -> Vec<SeatStatus> {
    store
        .seat_map(SHOW, Instant::now())
        .unwrap()
        .statuses()
        .to_vec()
}

fn seat_err<T: std::fmt::Debug>(result: Result<T, StoreError>) -> SeatError {
    match result {
        Err(StoreError::Seat(err)) => err,
        other => panic!("expected a seat error, got {other:?}"),
    }
}

/// Every promise of the trait. `store` has show 1 with `contract_layout()` and
/// `contract_policy()`, all seats free.
pub(crate) fn seat_store_contract<S: SeatStore + ?Sized>(store: &S) {
    let now = Instant::now;

    // Bad requests: typed errors, nothing changes.
    let before = statuses(store);
    type Expect = fn(&SeatError) -> bool;
    let bad: [(&[u32], Expect); 4] = [
        (&[], |e| matches!(e, SeatError::EmptyRequest)),
        (&[1, 1], |e| matches!(e, SeatError::DuplicateSeat { .. })),
        (&[999], |e| matches!(e, SeatError::UnknownSeat { .. })),
        (&[0, 1, 2, 3, 4], |e| {
            matches!(e, SeatError::TooManySeats { .. })
        }),
    ];
    for (seats, want) in bad {
        let err = seat_err(store.hold(SHOW, ALICE, &s(seats), now()));
        assert!(want(&err), "{seats:?}: {err:?}");
        assert_eq!(statuses(store), before);
    }
    assert!(matches!(
        store.hold(ShowId::new(77), ALICE, &s(&[0]), now()),
        Err(StoreError::UnknownShow { .. })
    ));

    // All or nothing, naming every blocking seat; tokens strictly increase.
    let first = store.hold(SHOW, ALICE, &s(&[0, 1]), now()).unwrap();
    let err = seat_err(store.hold(SHOW, BOB, &s(&[1, 2]), now()));
    let SeatError::Unavailable { conflicts } = err else {
        panic!("expected a conflict")
    };
    assert_eq!(
        conflicts,
        [SeatConflict::new(SeatId::new(1), SeatStatus::Held)]
    );
    assert_eq!(statuses(store)[2], SeatStatus::Available);
    let second = store.hold(SHOW, BOB, &s(&[2, 3]), now()).unwrap();
    assert!(second.id().token() > first.id().token());

    // Only the owner, only while live, exactly once.
    for err in [
        seat_err(store.confirm(first.id(), BOB, now())),
        seat_err(store.release(first.id(), BOB, now())),
        seat_err(store.extend(first.id(), BOB, now())),
    ] {
        assert!(matches!(err, SeatError::NotOwner { .. }), "{err:?}");
    }
    let forged = HoldId::new(SHOW, FencingToken::new(9_999_999).unwrap());
    assert!(matches!(
        seat_err(store.confirm(forged, ALICE, now())),
        SeatError::UnknownHold { .. }
    ));
    assert_eq!(
        store.live_hold(first.id(), ALICE, now()).unwrap().seats(),
        first.seats()
    );
    store.confirm(first.id(), ALICE, now()).unwrap();
    assert!(matches!(
        seat_err(store.confirm(first.id(), ALICE, now())),
        SeatError::AlreadyConfirmed { .. }
    ));
    assert!(matches!(
        seat_err(store.release(first.id(), ALICE, now())),
        SeatError::AlreadyConfirmed { .. }
    ));
    store.release(second.id(), BOB, now()).unwrap();
    assert!(matches!(
        seat_err(store.confirm(second.id(), BOB, now())),
        SeatError::AlreadyReleased { .. }
    ));
    assert!(matches!(
        seat_err(store.release_booked(second.id(), BOB, now())),
        SeatError::AlreadyReleased { .. }
    ));

    // The per-user cap counts holds and bookings (Alice has 2 booked, cap 6).
    let third = store.hold(SHOW, ALICE, &s(&[4, 5, 6, 7]), now()).unwrap();
    assert!(matches!(
        seat_err(store.hold(SHOW, ALICE, &s(&[8]), now())),
        SeatError::UserLimit { current: 6, .. }
    ));
    store.release(third.id(), ALICE, now()).unwrap();

    // Booked seats go back on sale, and the quota with them.
    store.release_booked(first.id(), ALICE, now()).unwrap();
    assert!(matches!(
        seat_err(store.release_booked(first.id(), ALICE, now())),
        SeatError::AlreadyReturned { .. }
    ));
    assert_eq!(
        statuses(store)[..2],
        [SeatStatus::Available, SeatStatus::Available]
    );

    // Extend within the lifetime bound.
    let extended = store.hold(SHOW, ALICE, &s(&[8, 9]), now()).unwrap();
    sleep(TTL / 3);
    let longer = store.extend(extended.id(), ALICE, now()).unwrap();
    assert!(longer.expires_at() > extended.expires_at());
    assert!(store.next_expiry(SHOW).unwrap().is_some());
    store.release(extended.id(), ALICE, now()).unwrap();

    // Expiry: a stale holder can never confirm, even after someone else bought the seats.
    let stale = store.hold(SHOW, ALICE, &s(&[10, 11]), now()).unwrap();
    sleep(TTL + Duration::from_millis(60));
    assert_eq!(
        statuses(store)[10],
        SeatStatus::Available,
        "freed without a sweep"
    );
    assert!(matches!(
        seat_err(store.live_hold(stale.id(), ALICE, now())),
        SeatError::Expired { .. }
    ));
    let fresh = store.hold(SHOW, BOB, &s(&[11, 10]), now()).unwrap();
    assert!(fresh.id().token() > stale.id().token());
    store.confirm(fresh.id(), BOB, now()).unwrap();
    assert!(matches!(
        seat_err(store.confirm(stale.id(), ALICE, now())),
        SeatError::Expired { .. }
    ));
    let map = store.seat_map(SHOW, now()).unwrap();
    assert_eq!(map.counts().booked(), 2);
    assert_eq!(map.counts().held(), 0);
    let reported: Vec<HoldId> = store
        .expire_due(SHOW, now())
        .unwrap()
        .iter()
        .map(ExpiredHold::hold)
        .collect();
    assert!(reported.contains(&stale.id()), "{reported:?}");
    assert!(
        store.expire_due(SHOW, now()).unwrap().is_empty(),
        "reported once"
    );
    assert_eq!(store.next_expiry(SHOW).unwrap(), None);
}

#[test]
fn the_in_memory_store_keeps_the_seat_store_contract() {
    let store = InMemorySeatStore::new(contract_policy());
    store.add_show(SHOW, contract_layout()).unwrap();
    seat_store_contract(&store);
}

#[cfg(feature = "redis")]
#[test]
fn the_redis_store_keeps_the_seat_store_contract() {
    let Some(url) = crate::scale_out::redis_url() else {
        return;
    };
    let store =
        RedisSeatStore::connect(&url, &crate::scale_out::unique_prefix(), contract_policy())
            .unwrap();
    store.add_show(SHOW, contract_layout()).unwrap();
    seat_store_contract(&store);
    assert!(
        store.delete_all_keys().unwrap() > 0,
        "the contract wrote keys"
    );
    assert_eq!(store.delete_all_keys().unwrap(), 0, "and now none are left");
}
