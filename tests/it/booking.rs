//! The booking flow, failure point by failure point. Every test asserts the final booking
//! state, the seat map, the money (charged − refunded) and the notifications sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use boxoffice::*;
use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use parking_lot::Mutex;
use rust_decimal::Decimal;

pub(crate) type Service = BookingService<
    Arc<InMemorySeatStore>,
    Arc<TestGateway>,
    Arc<InMemoryBookingRepository>,
    Arc<ManualClock>,
>;

const SHOW: ShowId = ShowId::new(1);
pub(crate) const ALICE: UserId = UserId::new(1);
pub(crate) const BOB: UserId = UserId::new(2);

/// Records every notification, and can be told to fail or panic a number of times first.
#[derive(Debug, Default)]
pub(crate) struct RecordingObserver {
    pub seen: Mutex<Vec<(BookingEvent, BookingId)>>,
    pub fail: AtomicU32,
    pub panic: AtomicU32,
}

impl RecordingObserver {
    fn record(&self, event: BookingEvent, booking: &BookingRecord) -> Result<(), ObserverError> {
        if self.panic.load(Ordering::SeqCst) > 0 {
            self.panic.fetch_sub(1, Ordering::SeqCst);
            panic!("observer exploded");
        }
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Err(ObserverError::new("mail server down"));
        }
        self.seen.lock().push((event, booking.id()));
        Ok(())
    }
}

impl BookingObserver for RecordingObserver {
    fn on_confirmed(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        self.record(BookingEvent::Confirmed, booking)
    }

    fn on_cancelled(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        self.record(BookingEvent::Cancelled, booking)
    }

    fn on_expired(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        self.record(BookingEvent::Expired, booking)
    }
}

/// The in-memory gateway, plus a hook that runs inside the next charge (to make things happen
/// "while the payment is in flight").
#[derive(Default)]
pub(crate) struct TestGateway {
    pub inner: InMemoryPaymentGateway,
    hook: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl std::fmt::Debug for TestGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestGateway").finish_non_exhaustive()
    }
}

impl TestGateway {
    pub fn during_next_charge(&self, hook: impl FnOnce() + Send + 'static) {
        *self.hook.lock() = Some(Box::new(hook));
    }
}

impl PaymentGateway for TestGateway {
    fn charge(&self, request: &ChargeRequest) -> ChargeOutcome {
        let hook = self.hook.lock().take();
        if let Some(hook) = hook {
            hook();
        }
        self.inner.charge(request)
    }

    fn refund(&self, request: &RefundRequest) -> RefundOutcome {
        self.inner.refund(request)
    }

    fn void(&self, key: &IdempotencyKey) -> VoidOutcome {
        self.inner.void(key)
    }
}

pub(crate) struct Harness {
    pub clock: Arc<ManualClock>,
    pub store: Arc<InMemorySeatStore>,
    pub gateway: Arc<TestGateway>,
    pub repo: Arc<InMemoryBookingRepository>,
    pub observer: Arc<RecordingObserver>,
    pub service: Arc<Service>,
    pub layout: Arc<SeatLayout>,
}

pub(crate) fn eur(amount: &str) -> Money {
    Money::parse(amount, Currency::EUR).unwrap()
}

fn start_wall() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with(
            TieredCancellationPolicy::default(),
            ServiceConfig::default(),
        )
    }

    pub fn with(policy: TieredCancellationPolicy, config: ServiceConfig) -> Harness {
        let clock = Arc::new(ManualClock::starting_at(start_wall()));
        let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
        let layout = Arc::new(
            SeatLayout::builder()
                .row("A", "RRRR_RRRR")
                .row("B", "PPPP_PPPP")
                .build()
                .unwrap(),
        );
        store.add_show(SHOW, layout.clone()).unwrap();
        let gateway = Arc::new(TestGateway {
            inner: InMemoryPaymentGateway::with_clock(clock.clone()),
            hook: Mutex::new(None),
        });
        let repo = Arc::new(InMemoryBookingRepository::new());
        let observer = Arc::new(RecordingObserver::default());
        let pricing = ConvenienceFee::new(
            SeatKindPricing::new(eur("10.00"))
                .unwrap()
                .with_kind(SeatKind::Premium, eur("14.00"))
                .unwrap(),
            eur("1.00"),
        )
        .unwrap();
        let service =
            BookingService::builder(store.clone(), gateway.clone(), repo.clone(), clock.clone())
                .cancellation(policy)
                .observer(observer.clone())
                .config(config)
                .build(pricing);
        // The show starts three days after the clock's start.
        let info = ShowInfo::builder(
            SHOW,
            start_wall() + TimeDelta::days(3),
            FixedOffset::east_opt(3600).unwrap(),
            Currency::EUR,
        )
        .build();
        service.add_show(info).unwrap();
        Harness {
            clock,
            store,
            gateway,
            repo,
            observer,
            service: Arc::new(service),
            layout,
        }
    }

    pub fn seats(&self, labels: &[&str]) -> Vec<SeatId> {
        labels
            .iter()
            .map(|l| self.layout.seat_id(l).unwrap())
            .collect()
    }

    pub fn key(&self, key: &str) -> IdempotencyKey {
        key.parse().unwrap()
    }

    pub fn card() -> PaymentMethod {
        PaymentMethod::new("tok_visa")
    }

    /// Money kept: charged minus refunded.
    pub fn net(&self) -> Money {
        let charged = self.gateway.inner.charged_total(Currency::EUR);
        charged
            .checked_sub(self.gateway.inner.refunded_total(Currency::EUR))
            .unwrap()
    }

    pub fn counts(&self) -> SeatCounts {
        self.store
            .seat_map(SHOW, self.clock.now())
            .unwrap()
            .counts()
    }

    pub fn status(&self, booking: BookingId) -> BookingStatus {
        self.repo.get(booking).unwrap().unwrap().status()
    }

    /// Delivers notifications and returns everything the observer has seen.
    pub fn notifications(&self) -> Vec<(BookingEvent, BookingId)> {
        self.service.deliver_notifications();
        self.observer.seen.lock().clone()
    }

    /// The four-way check every test ends with.
    pub fn check(
        &self,
        booking: BookingId,
        status: BookingStatus,
        (held, booked): (u32, u32),
        net: &str,
        notifications: &[(BookingEvent, BookingId)],
    ) {
        assert_eq!(self.status(booking), status, "booking state");
        let counts = self.counts();
        assert_eq!((counts.held(), counts.booked()), (held, booked), "seat map");
        assert_eq!(self.net(), eur(net), "money kept");
        assert_eq!(self.notifications(), notifications, "notifications");
        assert!(
            self.gateway.inner.max_captures_per_key() <= 1,
            "a key charged twice"
        );
        self.store
            .manager(SHOW)
            .unwrap()
            .check_invariants()
            .unwrap();
    }

    /// Alice (the owner) pays for `booking` with a card under `key`.
    pub fn complete(
        &self,
        booking: &Booking<Pending>,
        key: &str,
    ) -> Result<Booking<Confirmed>, BookingError> {
        self.service
            .complete_booking(booking.id(), booking.user(), Harness::card(), self.key(key))
    }

    pub fn start(&self, user: UserId, labels: &[&str]) -> Booking<Pending> {
        self.service
            .start_booking(user, SHOW, &self.seats(labels))
            .unwrap()
    }
}

use BookingEvent::{Cancelled as NCancelled, Confirmed as NConfirmed, Expired as NExpired};
use BookingStatus as St;

#[test]
fn the_happy_path_holds_prices_charges_confirms_and_notifies() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A2", "B3"]);
    assert_eq!(
        pending.quote().total(),
        eur("26.00"),
        "10 + 1 fee, 14 + 1 fee"
    );
    assert_eq!(h.counts().held(), 2);
    let confirmed = h.complete(&pending, "k1").unwrap();
    assert_eq!(confirmed.payment().unwrap().amount(), eur("26.00"));
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 2),
        "26.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn a_failed_save_at_start_leaves_no_orphan_hold() {
    let h = Harness::new();
    h.repo.fail_next_writes(1);
    let err = h
        .service
        .start_booking(ALICE, SHOW, &h.seats(&["A1"]))
        .unwrap_err();
    assert!(matches!(
        err,
        BookingError::Adapter(AdapterError::Repository(
            RepositoryError::Unavailable { .. }
        ))
    ));
    let counts = h.counts();
    assert_eq!((counts.held(), counts.available()), (0, 16));
    assert!(h.repo.all().is_empty());
    assert_eq!(h.net(), eur("0"));
    assert!(h.notifications().is_empty());
}

#[test]
fn a_second_user_cannot_take_held_seats() {
    let h = Harness::new();
    let alice = h.start(ALICE, &["A1", "A2"]);
    let err = h
        .service
        .start_booking(BOB, SHOW, &h.seats(&["A2", "A3"]))
        .unwrap_err();
    let Some(Rejection::Seats(SeatError::Unavailable { conflicts })) = err.rejection() else {
        panic!("expected a seat conflict, got {err:?}");
    };
    assert_eq!(conflicts.len(), 1);
    h.check(alice.id(), St::Pending, (2, 0), "0", &[]);
}

#[test]
fn only_the_owner_may_complete_or_cancel() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    let card = Harness::card();
    let err = h
        .service
        .complete_booking(pending.id(), BOB, card, h.key("k1"))
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::NotOwner {
            booking: pending.id()
        }
        .into()
    );
    let err = h.service.cancel_booking(pending.id(), BOB).unwrap_err();
    assert_eq!(
        err,
        Rejection::NotOwner {
            booking: pending.id()
        }
        .into()
    );
    let err = h.service.extend_booking(pending.id(), BOB).unwrap_err();
    assert!(matches!(err.rejection(), Some(Rejection::NotOwner { .. })));
    h.check(pending.id(), St::Pending, (1, 0), "0", &[]);
}

#[test]
fn an_expired_hold_is_rejected_before_charging() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1", "A2"]);
    h.clock.advance(Duration::from_secs(600));
    let err = h.complete(&pending, "k1").unwrap_err();
    assert_eq!(
        err,
        Rejection::HoldExpired {
            booking: pending.id()
        }
        .into()
    );
    assert_eq!(h.gateway.inner.captures(&h.key("k1")), 0, "never charged");
    h.check(
        pending.id(),
        St::Expired,
        (0, 0),
        "0",
        &[(NExpired, pending.id())],
    );
}

#[test]
fn a_declined_payment_releases_the_seats_and_cancels_with_the_reason() {
    let h = Harness::new();
    h.gateway
        .inner
        .script([ScriptedCharge::Decline("insufficient funds".into())]);
    let pending = h.start(ALICE, &["A1"]);
    let err = h.complete(&pending, "k1").unwrap_err();
    assert_eq!(
        err,
        Rejection::PaymentDeclined {
            booking: pending.id(),
            reason: "insufficient funds".into()
        }
        .into()
    );
    let record = h.repo.get(pending.id()).unwrap().unwrap();
    let cancelled = record.into_cancelled().unwrap();
    assert_eq!(
        cancelled.reason(),
        &CancelReason::PaymentDeclined {
            reason: "insufficient funds".into()
        }
    );
    h.check(
        pending.id(),
        St::Cancelled,
        (0, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn an_unknown_payment_is_retried_with_the_same_key_and_charged_once() {
    let h = Harness::new();
    h.gateway
        .inner
        .script([ScriptedCharge::TimeoutThenSucceed(2)]);
    let pending = h.start(ALICE, &["A1"]);
    h.complete(&pending, "k1").unwrap();
    assert_eq!(h.gateway.inner.captures(&h.key("k1")), 1);
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 1),
        "11.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn a_payment_that_stays_unknown_without_a_charge_resolves_to_a_cancellation() {
    let h = Harness::new();
    h.gateway
        .inner
        .script(std::iter::repeat_n(ScriptedCharge::TimeoutWithoutCharge, 3));
    let pending = h.start(ALICE, &["A1"]);
    let err = h.complete(&pending, "k1").unwrap_err();
    assert!(matches!(
        err,
        BookingError::Adapter(AdapterError::PaymentUnresolved { .. })
    ));
    // The key is void: a late charge with it is refused.
    let late = h.gateway.inner.charge(&ChargeRequest {
        key: h.key("k1"),
        booking: pending.id(),
        user: ALICE,
        amount: eur("11.00"),
        method: Harness::card(),
    });
    assert!(matches!(late, ChargeOutcome::Declined { .. }));
    h.check(
        pending.id(),
        St::Cancelled,
        (0, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn a_payment_that_stays_unknown_after_charging_is_voided_and_refunded() {
    let h = Harness::new();
    // Captured, but the gateway keeps timing out past our three attempts.
    h.gateway
        .inner
        .script([ScriptedCharge::TimeoutThenSucceed(5)]);
    let pending = h.start(ALICE, &["A1"]);
    let err = h.complete(&pending, "k1").unwrap_err();
    assert!(matches!(
        err,
        BookingError::Adapter(AdapterError::PaymentUnresolved { .. })
    ));
    let record = h.repo.get(pending.id()).unwrap().unwrap();
    assert_eq!(record.payment().unwrap().amount(), eur("11.00"));
    assert!(record.refunds().iter().all(RefundRecord::is_done));
    assert_eq!(record.net_paid(), Some(eur("0.00")));
    h.check(
        pending.id(),
        St::Cancelled,
        (0, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn a_slow_payment_past_the_hold_reacquires_the_same_seats_when_free() {
    let h = Harness::new();
    h.gateway
        .inner
        .script([ScriptedCharge::Slow(Duration::from_secs(700))]);
    let pending = h.start(ALICE, &["A1", "A2"]);
    let confirmed = h.complete(&pending, "k1").unwrap();
    assert_ne!(
        confirmed.hold(),
        pending.hold(),
        "a new hold, a newer token"
    );
    assert!(confirmed.hold().token() > pending.hold().token());
    assert_eq!(confirmed.seats(), pending.seats());
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 2),
        "22.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn a_slow_payment_whose_seats_were_taken_is_refunded_never_charged_without_a_ticket() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1", "A2"]);
    // While Alice's card is being charged, her hold expires and Bob takes A2.
    let (clock, service, a2) = (h.clock.clone(), h.service.clone(), h.seats(&["A2"]));
    h.gateway.during_next_charge(move || {
        clock.advance(Duration::from_secs(601));
        service.start_booking(BOB, SHOW, &a2).unwrap();
    });
    let err = h.complete(&pending, "k1").unwrap_err();
    assert_eq!(
        err,
        Rejection::SeatsLostAfterPayment {
            booking: pending.id(),
            refunded: true
        }
        .into()
    );
    let record = h.repo.get(pending.id()).unwrap().unwrap();
    assert_eq!(record.net_paid(), Some(eur("0.00")));
    h.check(
        pending.id(),
        St::Cancelled,
        (1, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn a_refund_that_fails_is_recorded_and_retried_until_paid() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    let (clock, service, a1) = (h.clock.clone(), h.service.clone(), h.seats(&["A1"]));
    h.gateway.during_next_charge(move || {
        clock.advance(Duration::from_secs(601));
        service.start_booking(BOB, SHOW, &a1).unwrap();
    });
    h.gateway.inner.fail_next_refunds(2);
    let err = h.complete(&pending, "k1").unwrap_err();
    assert_eq!(
        err,
        Rejection::SeatsLostAfterPayment {
            booking: pending.id(),
            refunded: false
        }
        .into()
    );
    assert_eq!(h.net(), eur("11.00"), "owed, not yet refunded");
    assert_eq!(h.service.retry_refunds().unwrap(), 1, "second failure");
    assert_eq!(h.service.retry_refunds().unwrap(), 0, "paid");
    let record = h.repo.get(pending.id()).unwrap().unwrap();
    assert!(record.refunds().iter().all(RefundRecord::is_done));
    h.check(
        pending.id(),
        St::Cancelled,
        (1, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn completing_twice_with_one_key_returns_the_same_result_and_charges_once() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    let first = h.complete(&pending, "k1").unwrap();
    let again = h.complete(&pending, "k1").unwrap();
    assert_eq!(first, again);
    // A different key on a completed booking is refused, not charged.
    let other = h.complete(&pending, "k2").unwrap_err();
    assert!(matches!(
        other.rejection(),
        Some(Rejection::InvalidState { .. })
    ));
    assert_eq!(h.gateway.inner.captures(&h.key("k2")), 0);
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 1),
        "11.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn a_declined_completion_replays_as_declined_without_a_new_charge() {
    let h = Harness::new();
    h.gateway
        .inner
        .script([ScriptedCharge::Decline("card expired".into())]);
    let pending = h.start(ALICE, &["A1"]);
    let first = h.complete(&pending, "k1").unwrap_err();
    let again = h.complete(&pending, "k1").unwrap_err();
    assert_eq!(first, again);
    h.check(
        pending.id(),
        St::Cancelled,
        (0, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn a_key_used_for_another_booking_is_refused() {
    let h = Harness::new();
    let first = h.start(ALICE, &["A1"]);
    let second = h.start(ALICE, &["A2"]);
    h.complete(&first, "k1").unwrap();
    let err = h.complete(&second, "k1").unwrap_err();
    assert_eq!(
        err,
        Rejection::IdempotencyKeyReused {
            key: h.key("k1"),
            owner: first.id()
        }
        .into()
    );
    h.check(
        second.id(),
        St::Pending,
        (1, 1),
        "11.00",
        &[(NConfirmed, first.id())],
    );
}

#[test]
fn a_concurrent_duplicate_completion_is_told_to_retry() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    let (service, id) = (h.service.clone(), pending.id());
    let seen = Arc::new(Mutex::new(None));
    let seen_in_hook = seen.clone();
    h.gateway.during_next_charge(move || {
        let dup = service.complete_booking(id, ALICE, Harness::card(), "k1".parse().unwrap());
        *seen_in_hook.lock() = Some(dup);
    });
    h.complete(&pending, "k1").unwrap();
    assert_eq!(
        seen.lock().take().unwrap().unwrap_err(),
        Rejection::InProgress { booking: id }.into()
    );
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 1),
        "11.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn a_failed_save_after_charging_is_reported_and_a_retry_finishes_without_charging_again() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    // The key is saved (one write), then every attempt to save the confirmation fails.
    h.repo.fail_writes_after(1, 3);
    let err = h.complete(&pending, "k1").unwrap_err();
    assert!(matches!(
        err,
        BookingError::Adapter(AdapterError::Repository(_))
    ));
    // Charged, seats booked, record still pending: the error was not swallowed.
    assert_eq!(h.status(pending.id()), St::Pending);
    assert_eq!(h.counts().booked(), 1);
    let confirmed = h.complete(&pending, "k1").unwrap();
    assert_eq!(confirmed.status(), St::Confirmed);
    assert_eq!(h.gateway.inner.captures(&h.key("k1")), 1);
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 1),
        "11.00",
        &[(NConfirmed, pending.id())],
    );
}

fn confirmed(h: &Harness, labels: &[&str]) -> BookingId {
    let pending = h.start(ALICE, labels);
    h.complete(&pending, "pay").unwrap();
    pending.id()
}

#[test]
fn cancelling_a_day_ahead_refunds_in_full_and_resells_the_seats() {
    let h = Harness::new();
    let id = confirmed(&h, &["A1", "A2"]);
    let cancelled = h.service.cancel_booking(id, ALICE).unwrap();
    assert!(cancelled.seats_released());
    assert_eq!(cancelled.refunds()[0].amount(), eur("22.00"));
    h.check(
        id,
        St::Cancelled,
        (0, 0),
        "0",
        &[(NConfirmed, id), (NCancelled, id)],
    );
}

#[test]
fn cancelling_hours_ahead_refunds_half() {
    let h = Harness::new();
    let id = confirmed(&h, &["A1", "A2"]);
    h.clock
        .advance(Duration::from_secs(3 * 24 * 3600 - 5 * 3600)); // 5 h before the show
    let cancelled = h.service.cancel_booking(id, ALICE).unwrap();
    assert_eq!(cancelled.refunds()[0].amount(), eur("11.00"));
    h.check(
        id,
        St::Cancelled,
        (0, 0),
        "11.00",
        &[(NConfirmed, id), (NCancelled, id)],
    );
}

#[test]
fn cancelling_within_two_hours_is_refused_and_changes_nothing() {
    let h = Harness::new();
    let id = confirmed(&h, &["A1"]);
    h.clock.advance(Duration::from_secs(3 * 24 * 3600 - 3600)); // 1 h before the show
    let err = h.service.cancel_booking(id, ALICE).unwrap_err();
    assert!(matches!(
        err.rejection(),
        Some(Rejection::CancellationRefused { .. })
    ));
    h.check(id, St::Confirmed, (0, 1), "11.00", &[(NConfirmed, id)]);
}

#[test]
fn pretix_style_fees_are_kept_and_the_policy_can_keep_seats_off_sale() {
    let policy = TieredCancellationPolicy::new(&[(TimeDelta::hours(24), Decimal::from(100))])
        .unwrap()
        .keep_service_fees(true)
        .fee_percent(Decimal::from(10))
        .unwrap()
        .fixed_fee(eur("0.50"))
        .unwrap()
        .resale_notice(TimeDelta::days(7));
    let h = Harness::with(policy, ServiceConfig::default());
    let id = confirmed(&h, &["B1", "B2"]); // 2 × (14 + 1 fee) = 30
    let cancelled = h.service.cancel_booking(id, ALICE).unwrap();
    // refundable = 30 − 2 fees = 28; refund = 28 − 2.80 − 0.50 = 24.70.
    assert_eq!(cancelled.refunds()[0].amount(), eur("24.70"));
    assert!(
        !cancelled.seats_released(),
        "less than 7 days ahead: no resale"
    );
    h.check(
        id,
        St::Cancelled,
        (0, 2),
        "5.30",
        &[(NConfirmed, id), (NCancelled, id)],
    );
}

#[test]
fn a_failed_cancellation_refund_is_pending_retry_and_seats_are_never_sold_twice() {
    let h = Harness::new();
    let id = confirmed(&h, &["A1"]);
    h.gateway.inner.fail_next_refunds(1);
    let cancelled = h.service.cancel_booking(id, ALICE).unwrap();
    assert!(matches!(
        cancelled.refunds()[0].status(),
        RefundStatus::PendingRetry { attempts: 1, .. }
    ));
    assert_eq!(h.net(), eur("11.00"));
    // The seat is back on sale and Bob buys it; Alice's refund is still owed, not lost.
    let bob = h.start(BOB, &["A1"]);
    h.service
        .complete_booking(bob.id(), BOB, Harness::card(), h.key("bob"))
        .unwrap();
    assert_eq!(h.service.retry_refunds().unwrap(), 0);
    h.check(
        id,
        St::Cancelled,
        (0, 1),
        "11.00",
        &[(NConfirmed, id), (NCancelled, id), (NConfirmed, bob.id())],
    );
}

#[test]
fn a_pending_booking_can_be_cancelled_and_not_twice() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    h.service.cancel_booking(pending.id(), ALICE).unwrap();
    let err = h.service.cancel_booking(pending.id(), ALICE).unwrap_err();
    assert_eq!(
        err,
        Rejection::InvalidState {
            booking: pending.id(),
            status: St::Cancelled
        }
        .into()
    );
    h.check(
        pending.id(),
        St::Cancelled,
        (0, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn expire_due_expires_pending_bookings_and_frees_their_seats() {
    let h = Harness::new();
    let first = h.start(ALICE, &["A1"]);
    let second = h.start(BOB, &["A2", "A3"]);
    assert_eq!(h.service.pending_summary().0, 2);
    h.clock.advance(Duration::from_secs(599));
    assert_eq!(h.service.expire_due().unwrap().expired, 0);
    h.clock.advance(Duration::from_secs(1));
    assert_eq!(h.service.expire_due().unwrap().expired, 2);
    assert_eq!(h.service.pending_summary(), (0, None));
    assert_eq!(h.status(second.id()), St::Expired);
    h.check(
        first.id(),
        St::Expired,
        (0, 0),
        "0",
        &[(NExpired, first.id()), (NExpired, second.id())],
    );
}

#[test]
fn extending_a_booking_keeps_it_alive_past_its_first_expiry() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    h.clock.advance(Duration::from_secs(500));
    h.service.extend_booking(pending.id(), ALICE).unwrap();
    h.clock.advance(Duration::from_secs(500));
    assert_eq!(h.service.expire_due().unwrap().expired, 0);
    h.complete(&pending, "k1").unwrap();
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 1),
        "11.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn failing_and_panicking_observers_never_break_a_booking_and_are_retried() {
    let h = Harness::new();
    h.observer.fail.store(1, Ordering::SeqCst);
    h.observer.panic.store(1, Ordering::SeqCst);
    let id = confirmed(&h, &["A1"]);
    assert_eq!(h.status(id), St::Confirmed);
    let first = h.service.deliver_notifications();
    assert_eq!((first.delivered, first.panicked), (0, 1));
    // Backoff: nothing is retried before it is due.
    assert_eq!(h.service.deliver_notifications().delivered, 0);
    h.clock.advance(Duration::from_secs(1));
    let second = h.service.deliver_notifications();
    assert_eq!((second.delivered, second.failed), (0, 1));
    h.clock.advance(Duration::from_secs(2));
    assert_eq!(h.service.deliver_notifications().delivered, 1);
    let stats = h.service.outbox_stats();
    assert_eq!((stats.pending, stats.delivered, stats.failures), (0, 1, 2));
    h.check(id, St::Confirmed, (0, 1), "11.00", &[(NConfirmed, id)]);
}

#[test]
fn immediate_delivery_notifies_before_returning() {
    let config = ServiceConfig {
        delivery: DeliveryMode::Immediate,
        ..ServiceConfig::default()
    };
    let h = Harness::with(TieredCancellationPolicy::default(), config);
    let id = confirmed(&h, &["A1"]);
    assert_eq!(h.observer.seen.lock().clone(), [(NConfirmed, id)]);
    h.check(id, St::Confirmed, (0, 1), "11.00", &[(NConfirmed, id)]);
}

#[test]
fn the_quote_fixed_at_hold_time_is_what_is_charged() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    h.service
        .set_pricing(SeatKindPricing::new(eur("99.00")).unwrap());
    let confirmed = h.complete(&pending, "k1").unwrap();
    assert_eq!(confirmed.payment().unwrap().amount(), eur("11.00"));
    assert_eq!(
        h.service.quote(SHOW, &h.seats(&["A2"])).unwrap().total(),
        eur("99.00"),
        "new bookings see the new rules"
    );
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 1),
        "11.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn history_lists_a_users_bookings_newest_first() {
    let h = Harness::new();
    let first = h.start(ALICE, &["A1"]);
    h.start(BOB, &["A2"]);
    let third = h.start(ALICE, &["A3"]);
    let history: Vec<BookingId> = h
        .service
        .bookings_for(ALICE)
        .unwrap()
        .iter()
        .map(BookingRecord::id)
        .collect();
    assert_eq!(history, [third.id(), first.id()]);
}

#[cfg(feature = "serde")]
#[test]
fn booking_records_round_trip_through_serde() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1", "B2"]);
    let confirmed = h.complete(&pending, "k1").unwrap();
    let cancelled = h.service.cancel_booking(confirmed.id(), ALICE).unwrap();
    for record in [
        BookingRecord::from(pending),
        BookingRecord::from(confirmed),
        BookingRecord::from(cancelled),
    ] {
        let json = serde_json::to_string(&record).unwrap();
        let back: BookingRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record, "{json}");
    }
    let info = h.service.show(SHOW).unwrap();
    let json = serde_json::to_string(&*info).unwrap();
    assert_eq!(serde_json::from_str::<ShowInfo>(&json).unwrap(), *info);
}

#[test]
fn the_service_books_the_best_available_seats_in_one_step() {
    let h = Harness::new();
    let (pending, selection) = h
        .service
        .start_booking_best_available(ALICE, SHOW, &BestAvailableRequest::new(3))
        .unwrap();
    assert!(selection.is_contiguous());
    assert_eq!(pending.seats(), selection.seats());
    assert_eq!(pending.quote().seats().len(), 3);
    h.complete(&pending, "k1").unwrap();
    // A party too large for any row and no scattering: a typed rejection, nothing held.
    let err = h
        .service
        .start_booking_best_available(BOB, SHOW, &BestAvailableRequest::new(9))
        .unwrap_err();
    assert_eq!(
        err.rejection(),
        Some(&Rejection::Seats(SeatError::BestAvailable(
            BestAvailableError::NotTogether { requested: 9 }
        )))
    );
    h.check(
        pending.id(),
        St::Confirmed,
        (0, 3),
        "45.00",
        &[(NConfirmed, pending.id())],
    );
}

#[test]
fn a_charged_booking_whose_save_failed_is_voided_at_expiry_if_never_retried() {
    let h = Harness::new();
    let pending = h.start(ALICE, &["A1"]);
    h.repo.fail_writes_after(1, 3);
    assert!(h.complete(&pending, "k1").is_err());
    assert_eq!(
        h.counts().booked(),
        1,
        "charged and booked, record still pending"
    );
    // Alice never retries. At the hold's expiry the sweep voids the charge and frees the seat.
    h.clock.advance(Duration::from_secs(600));
    let sweep = h.service.expire_due().unwrap();
    assert_eq!(sweep.refunded, 1);
    let record = h.repo.get(pending.id()).unwrap().unwrap();
    assert_eq!(record.net_paid(), Some(eur("0.00")));
    h.check(
        pending.id(),
        St::Cancelled,
        (0, 0),
        "0",
        &[(NCancelled, pending.id())],
    );
}

#[test]
fn another_instance_expires_a_booking_whose_own_instance_is_gone() {
    let h = Harness::new();
    // A second service over the same seat store and repository: another server.
    let other = BookingService::builder(
        h.store.clone(),
        h.gateway.clone(),
        h.repo.clone(),
        h.clock.clone(),
    )
    .build(SeatKindPricing::new(eur("10.00")).unwrap());
    other
        .add_show(h.service.show(SHOW).unwrap().as_ref().clone())
        .unwrap();
    let orphan = h.start(ALICE, &["A1"]);
    // The first server vanishes; the hold expires; the other server waits out the grace.
    h.clock.advance(Duration::from_secs(600));
    assert_eq!(
        other.expire_due().unwrap().expired,
        0,
        "within the grace period"
    );
    h.clock.advance(Duration::from_secs(61));
    assert_eq!(other.expire_due().unwrap().expired, 1);
    h.check(orphan.id(), St::Expired, (0, 0), "0", &[]);
}
