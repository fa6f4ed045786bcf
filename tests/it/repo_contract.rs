//! The `BookingRepository` contract, written once and run against every implementation: the
//! in-memory one always, PostgreSQL with `--features postgres` and `BOXOFFICE_POSTGRES_URL`.

use std::sync::Arc;

use boxoffice::*;
use chrono::{FixedOffset, TimeDelta, TimeZone, Utc};

const SHOW: ShowId = ShowId::new(1);

/// A pending booking of `seats` (indexes into a 2 × 5 grid) for `user`, with a real quote.
fn pending(id: BookingId, user: UserId, seats: &[u32], hold: u64) -> Booking<Pending> {
    let layout = SeatLayout::grid(2, 5).unwrap();
    let wall = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    let info = ShowInfo::builder(
        SHOW,
        wall + TimeDelta::days(2),
        FixedOffset::east_opt(0).unwrap(),
        Currency::EUR,
    )
    .build();
    let pricing = SeatKindPricing::new(Money::parse("10", Currency::EUR).unwrap()).unwrap();
    let quotes = seats
        .iter()
        .map(|s| {
            let seat = SeatId::new(*s);
            let details = layout.seat(seat).unwrap();
            SeatQuote::new(
                seat,
                layout.label(seat).unwrap(),
                pricing.quote(&info, details).unwrap(),
            )
        })
        .collect();
    let quote = BookingQuote::new(Currency::EUR, quotes).unwrap();
    let seats: Arc<[SeatId]> = seats.iter().map(|s| SeatId::new(*s)).collect();
    let hold = HoldId::new(SHOW, FencingToken::new(hold).unwrap());
    Booking::new(id, user, SHOW, seats, hold, wall, Arc::new(quote), wall)
}

fn receipt(key: &str) -> PaymentReceipt {
    PaymentReceipt::new(
        format!("pay-{key}"),
        key.parse().unwrap(),
        Money::parse("10", Currency::EUR).unwrap(),
    )
}

/// Every promise of the trait, on an empty repository.
pub(crate) fn repository_contract<R: BookingRepository + ?Sized>(repo: &R) {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 11, 0, 0).unwrap();
    let ids: Vec<BookingId> = (0..4).map(|_| repo.next_id().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids grow: {ids:?}");
    let (alice, bob) = (UserId::new(1), UserId::new(2));

    // Insert, read back, refuse duplicates.
    let first = pending(ids[0], alice, &[0, 1], 1);
    repo.insert(&first.clone().into()).unwrap();
    assert_eq!(repo.get(ids[0]).unwrap(), Some(first.clone().into()));
    assert_eq!(repo.get(BookingId::new(u64::MAX)).unwrap(), None);
    assert_eq!(
        repo.insert(&first.clone().into()),
        Err(RepositoryError::Duplicate { id: ids[0] })
    );

    // Compare-and-set updates.
    let keyed = first
        .clone()
        .with_idempotency_key("alice-1".parse().unwrap());
    repo.update(&keyed.clone().into(), first.version()).unwrap();
    assert!(matches!(
        repo.update(&keyed.clone().into(), first.version()),
        Err(RepositoryError::VersionConflict { .. })
    ));
    let stranger = pending(BookingId::new(u64::MAX - 1), bob, &[2], 9);
    assert!(matches!(
        repo.update(
            &stranger
                .clone()
                .with_idempotency_key("z".parse().unwrap())
                .into(),
            1
        ),
        Err(RepositoryError::NotFound { .. })
    ));

    // Idempotency keys are unique and findable.
    let key: IdempotencyKey = "alice-1".parse().unwrap();
    assert_eq!(
        repo.find_by_idempotency_key(&key).unwrap().map(|r| r.id()),
        Some(ids[0])
    );
    assert_eq!(
        repo.find_by_idempotency_key(&"nobody".parse().unwrap())
            .unwrap(),
        None
    );
    let second = pending(ids[1], bob, &[2, 3], 2);
    repo.insert(&second.clone().into()).unwrap();
    assert!(matches!(
        repo.update(
            &second.clone().with_idempotency_key(key.clone()).into(),
            second.version()
        ),
        Err(RepositoryError::KeyConflict { .. })
    ));

    // Confirm writes the booking and its tickets; a second live sale of a seat is refused.
    let confirmed = keyed.clone().confirm(receipt("alice-1"), at);
    repo.update(&confirmed.clone().into(), keyed.version())
        .unwrap();
    let thief = pending(ids[2], bob, &[1, 4], 3);
    repo.insert(&thief.clone().into()).unwrap();
    let stolen = thief.clone().confirm(receipt("bob-2"), at);
    assert_eq!(
        repo.update(&stolen.into(), thief.version()),
        Err(RepositoryError::SeatAlreadySold {
            show: SHOW,
            seat: SeatId::new(1)
        })
    );
    assert_eq!(
        repo.get(ids[2]).unwrap(),
        Some(thief.clone().into()),
        "nothing changed"
    );

    // Cancelling frees the seats for a new sale.
    let cancelled = confirmed.cancel(None, true, at);
    repo.update(&cancelled.into(), keyed.version() + 1).unwrap();
    let resold = thief.clone().confirm(receipt("bob-3"), at);
    repo.update(&resold.into(), thief.version()).unwrap();

    // History, newest first, with a limit.
    let third = pending(ids[3], alice, &[5], 4);
    repo.insert(&third.into()).unwrap();
    let history: Vec<BookingId> = repo
        .list_by_user(alice, 10)
        .unwrap()
        .iter()
        .map(BookingRecord::id)
        .collect();
    assert_eq!(history, [ids[3], ids[0]]);
    assert_eq!(repo.list_by_user(alice, 1).unwrap().len(), 1);
    assert!(repo.list_by_user(UserId::new(99), 10).unwrap().is_empty());

    // Pending bookings past their hold's expiry estimate (all of them expire at `wall`).
    let wall = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    assert!(repo.pending_expired(wall, 10).unwrap().is_empty());
    let mut stale: Vec<BookingId> = repo
        .pending_expired(wall + TimeDelta::seconds(1), 10)
        .unwrap()
        .iter()
        .map(BookingRecord::id)
        .collect();
    stale.sort();
    assert_eq!(stale, [ids[1], ids[3]], "only the bookings still pending");
    assert_eq!(
        repo.pending_expired(wall + TimeDelta::seconds(1), 1)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_in_memory_repository_keeps_the_repository_contract() {
    repository_contract(&InMemoryBookingRepository::new());
}

#[cfg(feature = "postgres")]
#[test]
fn the_postgres_repository_keeps_the_repository_contract() {
    let Some(url) = crate::scale_out::postgres_url() else {
        return;
    };
    let schema = crate::scale_out::unique_prefix()
        .trim_end_matches('_')
        .to_owned();
    let repo = PostgresBookingRepository::connect(&url, &schema).unwrap();
    // Migrations are idempotent: connecting again applies nothing and fails nothing.
    let again = PostgresBookingRepository::connect(&url, &schema).unwrap();
    repository_contract(&repo);
    assert_eq!(again.schema(), repo.schema());
    drop((repo, again));
    crate::scale_out::cleanup_postgres(&url, &schema);
}
