//! Unit-level behaviour of `ShowSeatManager`: every operation and every error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::{
    FencingToken, HoldId, HoldPolicy, HoldState, SeatConflict, SeatError, SeatId, SeatLayout,
    SeatMap, SeatStatus, ShowId, ShowSeatManager, UserId,
};

const ALICE: UserId = UserId::new(1);
const BOB: UserId = UserId::new(2);
const CAROL: UserId = UserId::new(3);
const DAVE: UserId = UserId::new(4);
const MIN: Duration = Duration::from_secs(60);

pub(crate) struct Fixture {
    pub show: ShowSeatManager,
    pub layout: Arc<SeatLayout>,
    pub t0: Instant,
}

impl Fixture {
    pub fn new(rows: &[(&str, &str)], policy: HoldPolicy) -> Fixture {
        let mut builder = SeatLayout::builder();
        for (label, spec) in rows {
            builder = builder.row(label, spec);
        }
        let layout = Arc::new(builder.build().unwrap());
        Fixture {
            show: ShowSeatManager::new(ShowId::new(1), layout.clone(), policy),
            layout,
            t0: Instant::now(),
        }
    }

    pub fn seat(&self, label: &str) -> SeatId {
        self.layout
            .seat_id(label)
            .unwrap_or_else(|| panic!("no seat {label}"))
    }

    pub fn seats(&self, labels: &[&str]) -> Vec<SeatId> {
        labels.iter().map(|label| self.seat(label)).collect()
    }

    pub fn at(&self, offset: Duration) -> Instant {
        self.t0 + offset
    }

    fn map(&self, now: Instant) -> SeatMap {
        self.show.seat_map(now)
    }
}

fn hold_id(show: u64, token: u64) -> HoldId {
    HoldId::new(ShowId::new(show), FencingToken::new(token).unwrap())
}

#[test]
fn hold_is_all_or_nothing_and_names_every_blocking_seat() {
    let f = Fixture::new(&[("A", "RRRRR")], HoldPolicy::default());
    let now = f.t0;
    f.show.hold(ALICE, &f.seats(&["A2"]), now).unwrap();
    let booked = f.show.hold(ALICE, &f.seats(&["A3"]), now).unwrap();
    f.show.confirm(booked.id(), ALICE, now).unwrap();
    f.show.block(&f.seats(&["A4"]), now).unwrap();
    let before = f.map(now);

    let err = f
        .show
        .hold(BOB, &f.seats(&["A1", "A2", "A3", "A4", "A5"]), now)
        .unwrap_err();

    let SeatError::Unavailable { conflicts } = err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert_eq!(
        conflicts,
        vec![
            SeatConflict::new(f.seat("A2"), SeatStatus::Held),
            SeatConflict::new(f.seat("A3"), SeatStatus::Booked),
            SeatConflict::new(f.seat("A4"), SeatStatus::Blocked),
        ]
    );
    let may_free: Vec<bool> = conflicts.iter().map(SeatConflict::may_free_up).collect();
    assert_eq!(may_free, [true, false, false]);
    assert_eq!(f.map(now), before, "A1 and A5 were not held");
    assert_eq!(f.show.seats_of(BOB), 0);
}

/// One table of bad requests. Each row asserts the typed error **and** that the seat map and
/// the manager's tables are unchanged.
#[test]
fn bad_requests_are_typed_errors_and_change_nothing() {
    let policy = HoldPolicy::builder()
        .hold_ttl(10 * MIN)
        .hold_lifetime_max(15 * MIN)
        .seats_per_hold_max(4)
        .seats_per_user_max(5)
        .live_holds_max(3)
        .build()
        .unwrap();
    let f = Fixture::new(&[("A", "RRRRRR"), ("B", "RRRRRR"), ("C", "RRRRRR")], policy);

    // Carol's hold is made at t0 and has expired by `now`.
    let expired = f.show.hold(CAROL, &f.seats(&["C6"]), f.t0).unwrap();
    let now = f.at(11 * MIN);
    let live = f.show.hold(ALICE, &f.seats(&["A1", "A2"]), now).unwrap();
    let confirmed = f.show.hold(ALICE, &f.seats(&["B1", "B2"]), now).unwrap();
    f.show.confirm(confirmed.id(), ALICE, now).unwrap();
    let released = f.show.hold(BOB, &f.seats(&["B3"]), now).unwrap();
    f.show.release(released.id(), BOB, now).unwrap();
    let dave = f.show.hold(DAVE, &f.seats(&["A6"]), now).unwrap();
    let extended_to_max = f.show.hold(DAVE, &f.seats(&["A5"]), now).unwrap();
    f.show
        .extend(extended_to_max.id(), DAVE, now + 5 * MIN)
        .unwrap();
    f.show.block(&f.seats(&["C1"]), now).unwrap();
    assert_eq!(
        f.show.stats().live_holds,
        3,
        "the table is full of live holds"
    );

    let s = |labels: &[&str]| f.seats(labels);
    let show = &f.show;
    type Op<'a> = Box<dyn Fn() -> Result<(), SeatError> + 'a>;
    let hold = |user: UserId, seats: Vec<SeatId>| -> Op {
        Box::new(move || show.hold(user, &seats, now).map(drop))
    };
    let confirm = |hold: HoldId, user: UserId| -> Op {
        Box::new(move || show.confirm(hold, user, now).map(drop))
    };
    let extend = |hold: HoldId, user: UserId| -> Op {
        Box::new(move || show.extend(hold, user, now).map(drop))
    };
    let release =
        |hold: HoldId, user: UserId| -> Op { Box::new(move || show.release(hold, user, now)) };
    let release_booked = |hold: HoldId, user: UserId| -> Op {
        Box::new(move || show.release_booked(hold, user, now))
    };
    let block = |seats: Vec<SeatId>| -> Op { Box::new(move || show.block(&seats, now)) };
    let unblock = |seats: Vec<SeatId>| -> Op { Box::new(move || show.unblock(&seats, now)) };
    let expired_err = SeatError::Expired {
        hold: expired.id(),
        expired_at: expired.expires_at(),
    };

    let cases: Vec<(&str, Op, SeatError)> = vec![
        ("empty hold", hold(BOB, vec![]), SeatError::EmptyRequest),
        (
            "duplicate seat",
            hold(BOB, s(&["A3", "A4", "A3"])),
            SeatError::DuplicateSeat { seat: f.seat("A3") },
        ),
        (
            "unknown seat",
            hold(BOB, vec![SeatId::new(18)]),
            SeatError::UnknownSeat {
                seat: SeatId::new(18),
            },
        ),
        (
            "over the per-hold limit",
            hold(BOB, s(&["A3", "A4", "C2", "C3", "C4"])),
            SeatError::TooManySeats {
                requested: 5,
                max: 4,
            },
        ),
        (
            "over the per-user limit, counting holds and bookings",
            hold(ALICE, s(&["C2", "C3"])),
            SeatError::UserLimit {
                user: ALICE,
                requested: 2,
                current: 4,
                max: 5,
            },
        ),
        (
            "live-hold table full",
            hold(BOB, s(&["C2"])),
            SeatError::TooManyHolds { max: 3 },
        ),
        (
            "confirm a hold of another show",
            confirm(hold_id(2, live.id().token().get()), ALICE),
            SeatError::WrongShow {
                hold: hold_id(2, live.id().token().get()),
                show: ShowId::new(1),
            },
        ),
        (
            "confirm a token never issued",
            confirm(hold_id(1, 999), ALICE),
            SeatError::UnknownHold {
                hold: hold_id(1, 999),
            },
        ),
        (
            "confirm someone else's hold",
            confirm(live.id(), BOB),
            SeatError::NotOwner { hold: live.id() },
        ),
        (
            "confirm twice",
            confirm(confirmed.id(), ALICE),
            SeatError::AlreadyConfirmed {
                hold: confirmed.id(),
            },
        ),
        (
            "confirm a released hold",
            confirm(released.id(), BOB),
            SeatError::AlreadyReleased {
                hold: released.id(),
            },
        ),
        (
            "confirm an expired hold",
            confirm(expired.id(), CAROL),
            expired_err.clone(),
        ),
        (
            "release an expired hold",
            release(expired.id(), CAROL),
            expired_err.clone(),
        ),
        (
            "extend an expired hold",
            extend(expired.id(), CAROL),
            expired_err,
        ),
        (
            "release a confirmed hold",
            release(confirmed.id(), ALICE),
            SeatError::AlreadyConfirmed {
                hold: confirmed.id(),
            },
        ),
        (
            "release someone else's hold",
            release(dave.id(), ALICE),
            SeatError::NotOwner { hold: dave.id() },
        ),
        (
            "extend someone else's hold",
            extend(live.id(), DAVE),
            SeatError::NotOwner { hold: live.id() },
        ),
        (
            "extend a released hold",
            extend(released.id(), BOB),
            SeatError::AlreadyReleased {
                hold: released.id(),
            },
        ),
        (
            "extend past the maximum lifetime",
            extend(extended_to_max.id(), DAVE),
            SeatError::LifetimeExhausted {
                hold: extended_to_max.id(),
                expires_at_max: now + 15 * MIN,
            },
        ),
        (
            "release booked seats of a live hold",
            release_booked(live.id(), ALICE),
            SeatError::NotConfirmed { hold: live.id() },
        ),
        (
            "release someone else's booked seats",
            release_booked(confirmed.id(), BOB),
            SeatError::NotOwner {
                hold: confirmed.id(),
            },
        ),
        (
            "release booked seats of a released hold",
            release_booked(released.id(), BOB),
            SeatError::AlreadyReleased {
                hold: released.id(),
            },
        ),
        (
            "block a held seat",
            block(s(&["C2", "A1"])),
            SeatError::Unavailable {
                conflicts: vec![SeatConflict::new(f.seat("A1"), SeatStatus::Held)],
            },
        ),
        ("block nothing", block(vec![]), SeatError::EmptyRequest),
        (
            "block a seat twice in one call",
            block(s(&["C2", "C2"])),
            SeatError::DuplicateSeat { seat: f.seat("C2") },
        ),
        (
            "unblock an available seat",
            unblock(s(&["C1", "C2"])),
            SeatError::NotBlocked {
                seats: vec![f.seat("C2")],
            },
        ),
        (
            "unblock an unknown seat",
            unblock(vec![SeatId::new(u32::MAX)]),
            SeatError::UnknownSeat {
                seat: SeatId::new(u32::MAX),
            },
        ),
    ];

    for (name, op, expected) in cases {
        let before = (f.map(now), f.show.stats());
        assert_eq!(op(), Err(expected), "{name}");
        assert_eq!(
            (f.map(now), f.show.stats()),
            before,
            "{name}: state changed"
        );
        f.show.check_invariants().unwrap();
    }
}

#[test]
fn a_time_past_the_end_of_the_clock_is_a_typed_error() {
    let f = Fixture::new(&[("A", "RR")], HoldPolicy::default());
    // The largest instant we can reach: adding the TTL to it overflows.
    let mut far = f.t0;
    for shift in (0..63).rev() {
        if let Some(next) = far.checked_add(Duration::from_secs(1 << shift)) {
            far = next;
        }
    }
    let before = f.show.stats();
    assert_eq!(
        f.show.hold(ALICE, &f.seats(&["A1"]), far),
        Err(SeatError::TimeOverflow)
    );
    assert_eq!(f.show.stats().live_holds, before.live_holds);
    assert_eq!(f.map(far).counts().available(), 2);
}

#[test]
fn fencing_tokens_strictly_increase_and_are_never_reused() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    let mut last = 0;
    let mut now = f.t0;
    for round in 0..50 {
        let hold = f.show.hold(ALICE, &f.seats(&["A1", "A2"]), now).unwrap();
        let token = hold.id().token().get();
        assert!(token > last, "round {round}: {token} after {last}");
        last = token;
        match round % 3 {
            0 => f.show.release(hold.id(), ALICE, now).unwrap(),
            1 => now = hold.expires_at(), // lets it expire
            _ => {
                f.show.confirm(hold.id(), ALICE, now).unwrap();
                f.show.release_booked(hold.id(), ALICE, now).unwrap();
            }
        }
    }
}

#[test]
fn expiry_is_exact_to_the_instant() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    let early = f.show.hold(ALICE, &f.seats(&["A1"]), f.t0).unwrap();
    let late = f.show.hold(BOB, &f.seats(&["A2"]), f.t0).unwrap();
    let deadline = early.expires_at();
    assert_eq!(deadline, f.t0 + 10 * MIN);

    let just_before = deadline - Duration::from_nanos(1);
    f.show.confirm(early.id(), ALICE, just_before).unwrap();
    assert_eq!(
        f.show.confirm(late.id(), BOB, deadline),
        Err(SeatError::Expired {
            hold: late.id(),
            expired_at: deadline
        })
    );
    assert_eq!(
        f.map(deadline).status(f.seat("A2")),
        Some(SeatStatus::Available)
    );
}

#[test]
fn a_hold_resolves_exactly_once() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    let now = f.t0;
    let confirmed = f.show.hold(ALICE, &f.seats(&["A1"]), now).unwrap();
    f.show.confirm(confirmed.id(), ALICE, now).unwrap();
    assert!(matches!(
        f.show.release(confirmed.id(), ALICE, now),
        Err(SeatError::AlreadyConfirmed { .. })
    ));
    assert!(matches!(
        f.show.extend(confirmed.id(), ALICE, now),
        Err(SeatError::AlreadyConfirmed { .. })
    ));

    let released = f.show.hold(ALICE, &f.seats(&["A2"]), now).unwrap();
    f.show.release(released.id(), ALICE, now).unwrap();
    assert!(matches!(
        f.show.confirm(released.id(), ALICE, now),
        Err(SeatError::AlreadyReleased { .. })
    ));

    f.show.release_booked(confirmed.id(), ALICE, now).unwrap();
    assert_eq!(
        f.show.release_booked(confirmed.id(), ALICE, now),
        Err(SeatError::AlreadyReturned {
            hold: confirmed.id()
        })
    );
    assert_eq!(
        f.show.confirm(confirmed.id(), ALICE, now),
        Err(SeatError::AlreadyReturned {
            hold: confirmed.id()
        })
    );
    assert_eq!(f.show.hold_state(confirmed.id()), Some(HoldState::Returned));
    assert_eq!(f.map(now).counts().available(), 4);
}

#[test]
fn a_stale_holder_cannot_confirm_seats_a_newer_hold_owns() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    let stale = f.show.hold(ALICE, &f.seats(&["A1", "A2"]), f.t0).unwrap();
    // Alice's process pauses past her expiry; Bob takes the seats and buys them.
    let later = stale.expires_at() + MIN;
    let fresh = f.show.hold(BOB, &f.seats(&["A2", "A1"]), later).unwrap();
    assert!(fresh.id().token() > stale.id().token());
    f.show.confirm(fresh.id(), BOB, later).unwrap();
    // Alice wakes up, believing she still holds the seats.
    assert!(matches!(
        f.show.confirm(stale.id(), ALICE, later),
        Err(SeatError::Expired { .. })
    ));
    // Her clock reading from before the pause does not help: time never runs backwards.
    assert!(matches!(
        f.show.confirm(stale.id(), ALICE, f.t0),
        Err(SeatError::Expired { .. })
    ));
    assert_eq!(f.map(later).counts().booked(), 2);
    assert_eq!(f.show.seats_of(ALICE), 0);
    assert_eq!(f.show.seats_of(BOB), 2);
}

#[test]
fn extend_pushes_expiry_within_the_lifetime_bound() {
    let policy = HoldPolicy::builder()
        .hold_ttl(10 * MIN)
        .hold_lifetime_max(25 * MIN)
        .build()
        .unwrap();
    let f = Fixture::new(&[("A", "RRRR")], policy);
    let hold = f.show.hold(ALICE, &f.seats(&["A1"]), f.t0).unwrap();

    let once = f.show.extend(hold.id(), ALICE, f.at(8 * MIN)).unwrap();
    assert_eq!(once.expires_at(), f.at(18 * MIN));
    assert_eq!(f.show.next_expiry(), Some(f.at(18 * MIN)));
    // Extending again at the same instant is a no-op, not an error.
    let same = f.show.extend(hold.id(), ALICE, f.at(8 * MIN)).unwrap();
    assert_eq!(same.expires_at(), f.at(18 * MIN));
    // The old expiry instant passes without expiring the hold.
    assert!(f.show.expire_due(f.at(12 * MIN)).is_empty());
    assert_eq!(f.show.hold_state(hold.id()), Some(HoldState::Live));

    let capped = f.show.extend(hold.id(), ALICE, f.at(17 * MIN)).unwrap();
    assert_eq!(
        capped.expires_at(),
        f.at(25 * MIN),
        "capped at created + 25 min"
    );
    assert!(matches!(
        f.show.extend(hold.id(), ALICE, f.at(20 * MIN)),
        Err(SeatError::LifetimeExhausted { .. })
    ));
    let expired = f.show.expire_due(f.at(25 * MIN));
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].expired_at(), f.at(25 * MIN));
}

#[test]
fn expired_holds_never_block_anyone_even_without_a_sweep() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    let old = f.show.hold(ALICE, &f.seats(&["A1", "A2"]), f.t0).unwrap();
    let later = old.expires_at();
    // No sweep ran, yet Bob gets the seats at the expiry instant.
    let new = f.show.hold(BOB, &f.seats(&["A1"]), later).unwrap();
    assert_eq!(f.show.hold_state(old.id()), Some(HoldState::Expired));
    // The expiry is still reported to the host exactly once.
    let report = f.show.expire_due(later);
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].hold(), old.id());
    assert_eq!(report[0].owner(), ALICE);
    assert_eq!(&report[0].seats()[..], &f.seats(&["A1", "A2"])[..]);
    assert!(f.show.expire_due(later).is_empty());
    assert_eq!(f.show.next_expiry(), Some(new.expires_at()));
}

#[test]
fn next_expiry_is_the_earliest_live_expiry() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    assert_eq!(f.show.next_expiry(), None);
    let first = f.show.hold(ALICE, &f.seats(&["A1"]), f.t0).unwrap();
    let second = f.show.hold(BOB, &f.seats(&["A2"]), f.at(MIN)).unwrap();
    assert_eq!(f.show.next_expiry(), Some(first.expires_at()));
    f.show.confirm(first.id(), ALICE, f.at(MIN)).unwrap();
    assert_eq!(f.show.next_expiry(), Some(second.expires_at()));
    f.show.release(second.id(), BOB, f.at(MIN)).unwrap();
    assert_eq!(f.show.next_expiry(), None);
}

#[test]
fn two_shows_on_one_screen_share_no_seat_state() {
    let layout = Arc::new(SeatLayout::grid(2, 3).unwrap());
    let evening = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
    let late = ShowSeatManager::new(ShowId::new(2), layout.clone(), HoldPolicy::default());
    let now = Instant::now();
    let a1 = layout.seat_id("A1").unwrap();
    let hold = evening.hold(ALICE, &[a1], now).unwrap();
    evening.confirm(hold.id(), ALICE, now).unwrap();
    assert_eq!(evening.seat_map(now).status(a1), Some(SeatStatus::Booked));
    assert_eq!(late.seat_map(now).status(a1), Some(SeatStatus::Available));
    late.hold(BOB, &[a1], now).unwrap();
    // The evening show's hold id means nothing to the late show.
    assert!(matches!(
        late.release_booked(hold.id(), ALICE, now),
        Err(SeatError::WrongShow { .. })
    ));
}

#[test]
fn release_booked_puts_seats_back_on_sale_and_frees_the_user_quota() {
    let policy = HoldPolicy::builder().seats_per_user_max(2).build().unwrap();
    let f = Fixture::new(&[("A", "RRRR")], policy);
    let now = f.t0;
    let hold = f.show.hold(ALICE, &f.seats(&["A1", "A2"]), now).unwrap();
    f.show.confirm(hold.id(), ALICE, now).unwrap();
    assert!(matches!(
        f.show.hold(ALICE, &f.seats(&["A3"]), now),
        Err(SeatError::UserLimit { current: 2, .. })
    ));
    f.show.release_booked(hold.id(), ALICE, now).unwrap();
    assert_eq!(f.map(now).counts().booked(), 0);
    f.show.hold(ALICE, &f.seats(&["A1", "A2"]), now).unwrap();
}

#[test]
fn seat_map_display_draws_rows_aisles_and_statuses() {
    let f = Fixture::new(&[("A", "RR_RR"), ("B", "RRRRR")], HoldPolicy::default());
    let now = f.t0;
    f.show.hold(ALICE, &f.seats(&["A1"]), now).unwrap();
    let booked = f.show.hold(BOB, &f.seats(&["B5"]), now).unwrap();
    f.show.confirm(booked.id(), BOB, now).unwrap();
    f.show.block(&f.seats(&["B3"]), now).unwrap();
    let drawn = f.map(now).to_string();
    let expected = [
        "     SCREEN",
        "   ----------",
        "A  h o   o o",
        "B  o o # o X",
        "o available 6  h held 1  X booked 1  # blocked 1",
    ]
    .join("\n");
    assert_eq!(drawn, expected);
}

#[test]
fn resolved_holds_are_remembered_up_to_the_retention_limit() {
    let policy = HoldPolicy::builder()
        .resolved_holds_retained(2)
        .build()
        .unwrap();
    let f = Fixture::new(&[("A", "RRRR")], policy);
    let now = f.t0;
    let ids: Vec<HoldId> = (0..3)
        .map(|_| {
            let hold = f.show.hold(ALICE, &f.seats(&["A1"]), now).unwrap();
            f.show.release(hold.id(), ALICE, now).unwrap();
            hold.id()
        })
        .collect();
    assert_eq!(
        f.show.confirm(ids[0], ALICE, now),
        Err(SeatError::UnknownHold { hold: ids[0] }),
        "the oldest was forgotten"
    );
    assert!(matches!(
        f.show.confirm(ids[2], ALICE, now),
        Err(SeatError::AlreadyReleased { .. })
    ));
    assert_eq!(f.show.stats().hold_records, 2);
}

#[test]
fn expiry_reports_are_bounded_when_the_host_never_sweeps() {
    let policy = HoldPolicy::builder().live_holds_max(2).build().unwrap();
    let f = Fixture::new(&[("A", "RRRR")], policy);
    let mut now = f.t0;
    for _ in 0..5 {
        let hold = f.show.hold(ALICE, &f.seats(&["A1"]), now).unwrap();
        now = hold.expires_at();
    }
    let reported = f.show.expire_due(now);
    assert_eq!(reported.len(), 2, "the two newest reports were kept");
    assert_eq!(f.show.stats().expiry_reports_dropped, 3);
    assert_eq!(f.show.stats().expiry_reports_pending, 0);
}

#[test]
fn internal_tables_stay_bounded_under_churn() {
    let f = Fixture::new(&[("A", "RRRR")], HoldPolicy::default());
    let now = f.t0;
    for i in 0..20_000_u32 {
        let hold = f.show.hold(ALICE, &f.seats(&["A1", "A2"]), now).unwrap();
        if i % 2 == 0 {
            f.show.confirm(hold.id(), ALICE, now).unwrap();
            f.show.release_booked(hold.id(), ALICE, now).unwrap();
        } else {
            f.show.release(hold.id(), ALICE, now).unwrap();
        }
    }
    let stats = f.show.stats();
    assert_eq!(stats.live_holds, 0);
    assert!(stats.hold_records <= 4_096, "{stats:?}");
    assert!(stats.expiry_queue_len <= 2 * 1_024 + 2, "{stats:?}");
    assert_eq!(f.show.next_expiry(), None);
}

#[test]
fn per_seat_state_is_at_most_sixteen_bytes() {
    for (rows, per_row) in [(30, 10), (100, 500)] {
        let layout = Arc::new(SeatLayout::grid(rows, per_row).unwrap());
        let show = ShowSeatManager::new(ShowId::new(1), layout, HoldPolicy::default());
        let bytes = show.stats().seat_state_bytes;
        assert_eq!(bytes, rows * per_row * 9);
        assert!(bytes <= rows * per_row * 16);
    }
}
