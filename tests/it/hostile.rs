//! Hostile and bad input across the public API: every case is a typed error, and the whole
//! world (seat maps, bookings, money, catalog) is byte-for-byte what it was before.

use std::time::Duration;

use boxoffice::*;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, TimeZone, Utc};
use rust_decimal::Decimal;

use crate::booking::{ALICE, BOB, Harness, eur};

const CAROL: UserId = UserId::new(3);
const SHOW: ShowId = ShowId::new(1);

/// Everything a bad request could corrupt.
#[derive(Debug, PartialEq)]
struct Snapshot {
    maps: Vec<SeatMap>,
    bookings: Vec<BookingRecord>,
    money: (Money, Money),
    catalog_shows: Vec<ShowId>,
}

struct Arena {
    h: Harness,
    catalog: Catalog,
    pending: Booking<Pending>,
    confirmed: Booking<Confirmed>,
    expired: BookingId,
    cancelled: BookingId,
    live_hold: Hold,
    expired_hold: Hold,
}

fn wall() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
}

impl Arena {
    fn new() -> Arena {
        let h = Harness::new();
        let manager = h.store.manager(SHOW).unwrap();
        // Things that expire first.
        let expired = h.start(CAROL, &["A8"]).id();
        let expired_hold = manager
            .hold(CAROL, &h.seats(&["A7"]), h.clock.now())
            .unwrap();
        h.clock.advance(Duration::from_secs(601));
        h.service.expire_due().unwrap();
        let _ = manager.expire_due(h.clock.now());
        // Then the live state.
        let pending = h.start(ALICE, &["A1", "A2"]);
        let to_confirm = h.start(ALICE, &["B1"]);
        let confirmed = h
            .service
            .complete_booking(to_confirm.id(), ALICE, Harness::card(), h.key("paid"))
            .unwrap();
        let cancelled = h.start(BOB, &["B8"]).id();
        h.service.cancel_booking(cancelled, BOB).unwrap();
        let live_hold = manager.hold(BOB, &h.seats(&["A5"]), h.clock.now()).unwrap();
        manager.block(&h.seats(&["B7"]), h.clock.now()).unwrap();
        let mut catalog = Catalog::new();
        catalog.add_city(CityId::new(1), "Lyon").unwrap();
        catalog
            .add_theater(TheaterSpec {
                id: TheaterId::new(1),
                city: CityId::new(1),
                name: "Pathé".into(),
                utc_offset: FixedOffset::east_opt(3600).unwrap(),
                currency: Currency::EUR,
                timings: Timings::default(),
                turnover: TimeDelta::minutes(10),
            })
            .unwrap();
        catalog
            .add_screen(ScreenId::new(1), TheaterId::new(1), "1", h.layout.clone())
            .unwrap();
        catalog
            .add_movie(MovieSpec {
                id: MovieId::new(1),
                title: "Film".into(),
                runtime: TimeDelta::minutes(100),
                language: "fr".into(),
                certificate: "U".into(),
                genres: vec![],
                release_date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                trailer: None,
                intermission: None,
                cleaning: None,
            })
            .unwrap();
        catalog
            .add_show(
                ShowSpec {
                    id: ShowId::new(7),
                    movie: MovieId::new(1),
                    screen: ScreenId::new(1),
                    starts_at: wall() + TimeDelta::days(2),
                    format: "2D".into(),
                },
                ScheduleOverride::None,
                wall(),
            )
            .unwrap();
        Arena {
            h,
            catalog,
            pending,
            confirmed,
            expired,
            cancelled,
            live_hold,
            expired_hold,
        }
    }

    fn snapshot(&self) -> Snapshot {
        let now = self.h.clock.now();
        Snapshot {
            maps: vec![self.h.store.seat_map(SHOW, now).unwrap()],
            bookings: self.h.repo.all(),
            money: (
                self.h.gateway.inner.charged_total(Currency::EUR),
                self.h.gateway.inner.refunded_total(Currency::EUR),
            ),
            catalog_shows: self
                .catalog
                .movies_in_city(
                    CityId::new(1),
                    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
                )
                .iter()
                .map(|m| ShowId::new(m.get()))
                .collect(),
        }
    }
}

/// A named bad request and whether its error is the expected one.
type Case<'a> = (&'static str, Box<dyn FnMut(&mut Arena) -> bool + 'a>);

fn seat_err(result: Result<impl Sized, SeatError>, want: fn(&SeatError) -> bool) -> bool {
    result.err().is_some_and(|e| want(&e))
}

fn booking_err(result: Result<impl Sized, BookingError>, want: fn(&Rejection) -> bool) -> bool {
    result
        .err()
        .is_some_and(|e| e.rejection().is_some_and(want))
}

#[test]
fn thirty_odd_bad_inputs_are_typed_errors_and_change_nothing() {
    let mut arena = Arena::new();
    let cases: Vec<Case> = vec![
        (
            "hold zero seats",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(m.hold(CAROL, &[], a.h.clock.now()), |e| {
                    matches!(e, SeatError::EmptyRequest)
                })
            }),
        ),
        (
            "hold too many seats",
            Box::new(|a: &mut Arena| {
                let seats: Vec<SeatId> = (0..11).map(SeatId::new).collect();
                booking_err(a.h.service.start_booking(CAROL, SHOW, &seats), |r| {
                    matches!(r, Rejection::Seats(SeatError::TooManySeats { .. }))
                })
            }),
        ),
        (
            "hold a seat twice in one request",
            Box::new(|a: &mut Arena| {
                let seats = a.h.seats(&["A3", "A3"]);
                booking_err(a.h.service.start_booking(CAROL, SHOW, &seats), |r| {
                    matches!(r, Rejection::Seats(SeatError::DuplicateSeat { .. }))
                })
            }),
        ),
        (
            "hold a seat of another show's larger layout",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service.start_booking(CAROL, SHOW, &[SeatId::new(500)]),
                    |r| matches!(r, Rejection::Seats(SeatError::UnknownSeat { .. })),
                )
            }),
        ),
        (
            "hold at an unknown show",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service
                        .start_booking(CAROL, ShowId::new(99), &[SeatId::new(0)]),
                    |r| matches!(r, Rejection::UnknownShow { .. }),
                )
            }),
        ),
        (
            "hold seats someone holds",
            Box::new(|a: &mut Arena| {
                let seats = a.h.seats(&["A2", "A3"]);
                booking_err(a.h.service.start_booking(CAROL, SHOW, &seats), |r| {
                    matches!(r, Rejection::Seats(SeatError::Unavailable { .. }))
                })
            }),
        ),
        (
            "confirm a hold id of another show",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                let foreign = HoldId::new(ShowId::new(2), a.live_hold.id().token());
                seat_err(m.confirm(foreign, BOB, a.h.clock.now()), |e| {
                    matches!(e, SeatError::WrongShow { .. })
                })
            }),
        ),
        (
            "confirm a forged hold id",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                let forged = HoldId::new(SHOW, FencingToken::new(9_999).unwrap());
                seat_err(m.confirm(forged, BOB, a.h.clock.now()), |e| {
                    matches!(e, SeatError::UnknownHold { .. })
                })
            }),
        ),
        (
            "confirm a stale (expired) hold",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(
                    m.confirm(a.expired_hold.id(), CAROL, a.h.clock.now()),
                    |e| matches!(e, SeatError::Expired { .. }),
                )
            }),
        ),
        (
            "extend someone else's hold",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(m.extend(a.live_hold.id(), ALICE, a.h.clock.now()), |e| {
                    matches!(e, SeatError::NotOwner { .. })
                })
            }),
        ),
        (
            "confirm someone else's hold",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(m.confirm(a.live_hold.id(), ALICE, a.h.clock.now()), |e| {
                    matches!(e, SeatError::NotOwner { .. })
                })
            }),
        ),
        (
            "release someone else's hold",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(m.release(a.live_hold.id(), ALICE, a.h.clock.now()), |e| {
                    matches!(e, SeatError::NotOwner { .. })
                })
            }),
        ),
        (
            "release someone else's booked seats",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(
                    m.release_booked(a.confirmed.hold(), BOB, a.h.clock.now()),
                    |e| matches!(e, SeatError::NotOwner { .. }),
                )
            }),
        ),
        (
            "extend past the maximum lifetime",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                let policy = HoldPolicy::builder()
                    .hold_ttl(Duration::from_secs(60))
                    .hold_lifetime_max(Duration::from_secs(60))
                    .build()
                    .unwrap();
                let tight = ShowSeatManager::new(ShowId::new(5), m.layout().clone(), policy);
                let hold = tight
                    .hold(ALICE, &[SeatId::new(0)], a.h.clock.now())
                    .unwrap();
                seat_err(tight.extend(hold.id(), ALICE, a.h.clock.now()), |e| {
                    matches!(e, SeatError::LifetimeExhausted { .. })
                })
            }),
        ),
        (
            "block a held seat",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(m.block(&a.h.seats(&["A1"]), a.h.clock.now()), |e| {
                    matches!(e, SeatError::Unavailable { .. })
                })
            }),
        ),
        (
            "unblock a seat that is not blocked",
            Box::new(|a: &mut Arena| {
                let m = a.h.store.manager(SHOW).unwrap();
                seat_err(m.unblock(&a.h.seats(&["A4"]), a.h.clock.now()), |e| {
                    matches!(e, SeatError::NotBlocked { .. })
                })
            }),
        ),
        (
            "best available for zero seats",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service.start_booking_best_available(
                        CAROL,
                        SHOW,
                        &BestAvailableRequest::new(0),
                    ),
                    |r| {
                        matches!(
                            r,
                            Rejection::Seats(SeatError::BestAvailable(
                                BestAvailableError::InvalidRequest { .. }
                            ))
                        )
                    },
                )
            }),
        ),
        (
            "complete someone else's booking",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service.complete_booking(
                        a.pending.id(),
                        BOB,
                        Harness::card(),
                        a.h.key("x"),
                    ),
                    |r| matches!(r, Rejection::NotOwner { .. }),
                )
            }),
        ),
        (
            "cancel someone else's booking",
            Box::new(|a: &mut Arena| {
                booking_err(a.h.service.cancel_booking(a.confirmed.id(), BOB), |r| {
                    matches!(r, Rejection::NotOwner { .. })
                })
            }),
        ),
        (
            "extend someone else's booking",
            Box::new(|a: &mut Arena| {
                booking_err(a.h.service.extend_booking(a.pending.id(), CAROL), |r| {
                    matches!(r, Rejection::NotOwner { .. })
                })
            }),
        ),
        (
            "cancel a booking twice",
            Box::new(|a: &mut Arena| {
                booking_err(a.h.service.cancel_booking(a.cancelled, BOB), |r| {
                    matches!(
                        r,
                        Rejection::InvalidState {
                            status: BookingStatus::Cancelled,
                            ..
                        }
                    )
                })
            }),
        ),
        (
            "complete an expired booking",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service.complete_booking(
                        a.expired,
                        CAROL,
                        Harness::card(),
                        a.h.key("late"),
                    ),
                    |r| {
                        matches!(
                            r,
                            Rejection::InvalidState {
                                status: BookingStatus::Expired,
                                ..
                            }
                        )
                    },
                )
            }),
        ),
        (
            "complete an unknown booking",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service.complete_booking(
                        BookingId::new(999),
                        ALICE,
                        Harness::card(),
                        a.h.key("x"),
                    ),
                    |r| matches!(r, Rejection::UnknownBooking { .. }),
                )
            }),
        ),
        (
            "reuse another booking's idempotency key",
            Box::new(|a: &mut Arena| {
                booking_err(
                    a.h.service.complete_booking(
                        a.pending.id(),
                        ALICE,
                        Harness::card(),
                        a.h.key("paid"),
                    ),
                    |r| matches!(r, Rejection::IdempotencyKeyReused { .. }),
                )
            }),
        ),
        (
            "an idempotency key with spaces",
            Box::new(|_: &mut Arena| {
                "pay me".parse::<IdempotencyKey>().is_err()
                    && IdempotencyKey::new("x".repeat(129)).is_err()
            }),
        ),
        (
            "a zero multiplier",
            Box::new(|_: &mut Arena| {
                let base = SeatKindPricing::new(eur("10")).unwrap();
                matches!(
                    WeekendPricing::new(base, Decimal::ZERO),
                    Err(PricingError::InvalidRule { .. })
                )
            }),
        ),
        (
            "a negative price",
            Box::new(|_: &mut Arena| {
                matches!(
                    SeatKindPricing::new(eur("-5")),
                    Err(PricingError::InvalidRule { .. })
                )
            }),
        ),
        (
            "adding two currencies",
            Box::new(|_: &mut Arena| {
                let dollars = Money::parse("1", Currency::USD).unwrap();
                matches!(
                    eur("1").checked_add(dollars),
                    Err(MoneyError::CurrencyMismatch { .. })
                )
            }),
        ),
        (
            "a show in the past",
            Box::new(|a: &mut Arena| {
                let spec = ShowSpec {
                    id: ShowId::new(8),
                    movie: MovieId::new(1),
                    screen: ScreenId::new(1),
                    starts_at: wall() - TimeDelta::hours(1),
                    format: "2D".into(),
                };
                matches!(
                    a.catalog.add_show(spec, ScheduleOverride::None, wall()),
                    Err(CatalogError::InPast)
                )
            }),
        ),
        (
            "overlapping schedule entries",
            Box::new(|a: &mut Arena| {
                let spec = ShowSpec {
                    id: ShowId::new(8),
                    movie: MovieId::new(1),
                    screen: ScreenId::new(1),
                    starts_at: wall() + TimeDelta::days(2) + TimeDelta::minutes(30),
                    format: "2D".into(),
                };
                matches!(
                    a.catalog.add_show(spec, ScheduleOverride::None, wall()),
                    Err(CatalogError::HardConflict { .. })
                )
            }),
        ),
        (
            "a show at the end of time",
            Box::new(|a: &mut Arena| {
                let spec = ShowSpec {
                    id: ShowId::new(9),
                    movie: MovieId::new(1),
                    screen: ScreenId::new(1),
                    starts_at: DateTime::<Utc>::MAX_UTC,
                    format: "2D".into(),
                };
                matches!(
                    a.catalog.add_show(spec, ScheduleOverride::None, wall()),
                    Err(CatalogError::Invalid { .. })
                )
            }),
        ),
        (
            "an absurdly large layout",
            Box::new(|_: &mut Arena| {
                matches!(
                    SeatLayout::grid(1_000, 1_000),
                    Err(LayoutError::TooManySeats { .. })
                ) && matches!(
                    SeatLayout::grid(1_000_000, 1),
                    Err(LayoutError::TooManyRows { .. })
                )
            }),
        ),
        (
            "an absurdly long row",
            Box::new(|_: &mut Arena| {
                let spec = "R".repeat(100_000);
                matches!(
                    SeatLayout::builder().row("A", &spec).build(),
                    Err(LayoutError::RowTooLong { .. })
                )
            }),
        ),
        (
            "a zero hold time",
            Box::new(|_: &mut Arena| {
                HoldPolicy::builder()
                    .hold_ttl(Duration::ZERO)
                    .build()
                    .is_err()
            }),
        ),
        (
            "ids that are not numbers",
            Box::new(|_: &mut Arena| {
                "12abc".parse::<ShowId>().is_err() && "1-0".parse::<HoldId>().is_err()
            }),
        ),
    ];
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for (name, mut case) in cases {
        let before = arena.snapshot();
        assert!(case(&mut arena), "{name}: not the expected typed error");
        assert_eq!(arena.snapshot(), before, "{name}: state changed");
    }
    // The arena's live hold is still live: nothing above touched it.
    let m = arena.h.store.manager(SHOW).unwrap();
    assert_eq!(m.hold_state(arena.live_hold.id()), Some(HoldState::Live));
    m.check_invariants().unwrap();
}

#[test]
fn per_user_caps_hold_across_many_small_holds_and_retries() {
    let h = Harness::new();
    let manager = h.store.manager(SHOW).unwrap();
    let cap = manager.policy().seats_per_user_max() as usize; // 10
    let labels = [
        "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1", "B2", "B3", "B4",
    ];
    // One seat at a time, through the service: the cap counts every live hold.
    let mut bookings = Vec::new();
    for label in &labels[..cap - 2] {
        bookings.push(h.start(ALICE, &[label]));
    }
    // Two of them are paid: booked seats count too.
    for (i, booking) in bookings.iter().take(2).enumerate() {
        h.service
            .complete_booking(
                booking.id(),
                ALICE,
                Harness::card(),
                h.key(&format!("k{i}")),
            )
            .unwrap();
    }
    bookings.push(h.start(ALICE, &[labels[cap - 2]]));
    bookings.push(h.start(ALICE, &[labels[cap - 1]]));
    assert_eq!(manager.seats_of(ALICE), cap as u32);
    // A hundred retries, one seat each, through every door: all refused.
    for _ in 0..100 {
        let err = h
            .service
            .start_booking(ALICE, SHOW, &h.seats(&["B4"]))
            .unwrap_err();
        assert!(matches!(
            err.rejection(),
            Some(Rejection::Seats(SeatError::UserLimit { .. }))
        ));
        assert!(matches!(
            h.service
                .start_booking_best_available(ALICE, SHOW, &BestAvailableRequest::new(1)),
            Err(BookingError::Rejected(Rejection::Seats(
                SeatError::UserLimit { .. }
            )))
        ));
        assert!(matches!(
            manager.hold(ALICE, &h.seats(&["B4"]), h.clock.now()),
            Err(SeatError::UserLimit { .. })
        ));
    }
    // Letting one go frees exactly one seat of quota.
    h.service.cancel_booking(bookings[5].id(), ALICE).unwrap();
    h.start(ALICE, &["B4"]);
    assert!(
        h.service
            .start_booking(ALICE, SHOW, &h.seats(&["B5"]))
            .is_err()
    );
    // Other users are not affected.
    h.start(BOB, &["B5"]);
    manager.check_invariants().unwrap();
}
