//! [`BookingService`]: everything between "these seats are held" and "the user has tickets, or
//! their money back".

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use parking_lot::{Mutex, RwLock};

use crate::best_available::{BestAvailableRequest, Selection};
use crate::booking::{
    Booking, BookingQuote, BookingRecord, BookingState, BookingStatus, CancelReason, Cancelled,
    Confirmed, IdempotencyKey, PaymentReceipt, Pending, RefundRecord, RefundStatus, SeatQuote,
};
use crate::cancellation::{CancellationDecision, CancellationPolicy, TieredCancellationPolicy};
use crate::clock::Clock;
use crate::id::{BookingId, HoldId, SeatId, ShowId, UserId};
use crate::inventory::{Hold, SeatError};
use crate::layout::SeatLayout;
use crate::observer::{
    BookingEvent, BookingObserver, DeliveryReport, Outbox, OutboxConfig, OutboxStats,
};
use crate::payment::{
    ChargeOutcome, ChargeRequest, PaymentGateway, PaymentMethod, RefundOutcome, RefundRequest,
    VoidOutcome,
};
use crate::pricing::{PricingError, PricingStrategy};
use crate::repository::{BookingRepository, RepositoryError};
use crate::show::ShowInfo;
use crate::store::{SeatStore, StoreError};

/// A request the service refused for a domain reason. Nothing was charged that was not
/// refunded, and the seats are as the variant says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The show is not registered with the service (or the seat store).
    #[error("show {show} is unknown")]
    UnknownShow {
        /// The show.
        show: ShowId,
    },
    /// No such booking.
    #[error("booking {booking} is unknown")]
    UnknownBooking {
        /// The booking.
        booking: BookingId,
    },
    /// The caller does not own the booking.
    #[error("booking {booking} belongs to another user")]
    NotOwner {
        /// The booking.
        booking: BookingId,
    },
    /// The booking is not in a state that allows this.
    #[error("booking {booking} is {status}")]
    InvalidState {
        /// The booking.
        booking: BookingId,
        /// Its status.
        status: BookingStatus,
    },
    /// The seat inventory refused (seats unavailable, bad request, limits).
    #[error(transparent)]
    Seats(SeatError),
    /// The hold expired before payment; nothing was charged and the booking expired.
    #[error("the seats of booking {booking} are no longer held")]
    HoldExpired {
        /// The booking.
        booking: BookingId,
    },
    /// The payment was declined; the seats were released and the booking cancelled.
    #[error("payment for booking {booking} was declined: {reason}")]
    PaymentDeclined {
        /// The booking.
        booking: BookingId,
        /// The gateway's reason.
        reason: String,
    },
    /// The payment went through after the hold expired and the seats were taken meanwhile;
    /// the charge was refunded (or the refund is pending retry) and the booking cancelled.
    #[error("the seats of booking {booking} were taken while paying; the payment is refunded")]
    SeatsLostAfterPayment {
        /// The booking.
        booking: BookingId,
        /// Whether the refund is already done (else it is pending retry).
        refunded: bool,
    },
    /// The cancellation policy forbids cancelling now.
    #[error("booking {booking} cannot be cancelled: {reason}")]
    CancellationRefused {
        /// The booking.
        booking: BookingId,
        /// The policy's reason.
        reason: String,
    },
    /// The idempotency key was used for another booking.
    #[error("idempotency key {key} belongs to booking {owner}")]
    IdempotencyKeyReused {
        /// The key.
        key: IdempotencyKey,
        /// The booking that used it.
        owner: BookingId,
    },
    /// The booking's completion was already attempted with another key; retries must reuse
    /// it, or a second charge could happen.
    #[error("booking {booking} is being paid under another idempotency key")]
    IdempotencyKeyMismatch {
        /// The booking.
        booking: BookingId,
    },
    /// Another call on this booking is still running; retry.
    #[error("booking {booking} is busy; retry")]
    InProgress {
        /// The booking.
        booking: BookingId,
    },
    /// The seats could not be priced.
    #[error(transparent)]
    Pricing(PricingError),
    /// A service limit was reached (e.g. pending bookings).
    #[error("{what} limit of {max} reached")]
    Capacity {
        /// What is full.
        what: &'static str,
        /// The limit.
        max: usize,
    },
}

/// An adapter (seat store, repository, payment gateway) failed. The service left money and
/// seats safe: see the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The seat store's backend failed.
    #[error("seat store: {message}")]
    SeatStore {
        /// What failed.
        message: String,
    },
    /// The repository failed.
    #[error(transparent)]
    Repository(RepositoryError),
    /// The payment's outcome is still unknown and could not be voided yet. The booking stays
    /// pending with its key; retry `complete_booking` with the same key, or let it expire (the
    /// key is then voided, refunding any charge).
    #[error("payment for booking {booking} is unresolved: {detail}")]
    PaymentUnresolved {
        /// The booking.
        booking: BookingId,
        /// The gateway's last word.
        detail: String,
    },
}

/// Why a [`BookingService`] call failed: a domain [`Rejection`] or an [`AdapterError`].
///
/// # Examples
///
/// ```
/// use boxoffice::{BookingError, BookingId, Rejection};
///
/// let err = BookingError::from(Rejection::UnknownBooking { booking: BookingId::new(9) });
/// assert!(err.is_rejection());
/// assert_eq!(err.to_string(), "booking 9 is unknown");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BookingError {
    /// Refused for a domain reason.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// An adapter failed.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

impl BookingError {
    /// Whether this is a domain rejection rather than an adapter failure.
    #[must_use]
    pub fn is_rejection(&self) -> bool {
        matches!(self, BookingError::Rejected(_))
    }

    /// The rejection, if it is one.
    #[must_use]
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            BookingError::Rejected(rejection) => Some(rejection),
            BookingError::Adapter(_) => None,
        }
    }
}

impl From<StoreError> for BookingError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Seat(seat) => Rejection::Seats(seat).into(),
            StoreError::UnknownShow { show } => Rejection::UnknownShow { show }.into(),
            other => AdapterError::SeatStore {
                message: other.to_string(),
            }
            .into(),
        }
    }
}

impl From<RepositoryError> for BookingError {
    fn from(err: RepositoryError) -> Self {
        AdapterError::Repository(err).into()
    }
}

/// When observers are called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DeliveryMode {
    /// Notifications wait in the outbox until the host calls
    /// [`BookingService::deliver_notifications`] (e.g. from a background task). Observer code
    /// never runs on a booking's critical path. The default.
    #[default]
    Deferred,
    /// After each committed transition the service delivers what is due before returning
    /// (outside every lock; failures stay in the outbox for retry).
    Immediate,
}

/// Tunables of a [`BookingService`].
///
/// # Examples
///
/// ```
/// use boxoffice::ServiceConfig;
///
/// let config = ServiceConfig { payment_attempts: 5, ..ServiceConfig::default() };
/// assert_eq!(config.history_limit, 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Charge attempts with one key while the outcome is unknown (at least 1).
    pub payment_attempts: u32,
    /// Attempts to save a booking when the repository is unavailable (at least 1).
    pub save_attempts: u32,
    /// Bookings returned by [`BookingService::bookings_for`].
    pub history_limit: usize,
    /// The most pending bookings at once.
    pub pending_max: usize,
    /// The most cancelled bookings whose failed refunds this service retries from memory. Past
    /// it, an owed refund is still recorded on its booking as
    /// [`RefundStatus::PendingRetry`] (nothing is lost), but only a host-side job reading the
    /// repository will retry it; size it above the refunds a gateway outage can pile up.
    pub refunds_pending_max: usize,
    /// How long after a pending booking's hold expiry any instance may sweep it (see
    /// [`BookingService::expire_due`]); default [`FOREIGN_EXPIRY_GRACE`](crate::FOREIGN_EXPIRY_GRACE).
    pub foreign_expiry_grace: TimeDelta,
    /// When observers run.
    pub delivery: DeliveryMode,
    /// The outbox's bounds and backoff.
    pub outbox: OutboxConfig,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            payment_attempts: 3,
            save_attempts: 3,
            history_limit: 100,
            pending_max: 1_000_000,
            refunds_pending_max: 100_000,
            foreign_expiry_grace: FOREIGN_EXPIRY_GRACE,
            delivery: DeliveryMode::Deferred,
            outbox: OutboxConfig::default(),
        }
    }
}

/// How long after a pending booking's (wall-clock) hold expiry any instance may sweep it, when
/// the instance that started it has not.
pub const FOREIGN_EXPIRY_GRACE: TimeDelta = TimeDelta::seconds(60);
/// The most such bookings one sweep takes from the repository.
pub const FOREIGN_EXPIRY_BATCH: usize = 1_000;

/// The most shows a service knows at once.
pub const SERVICE_SHOWS_MAX: usize = 100_000;

/// What [`BookingService::expire_due`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExpirySweep {
    /// Pending bookings that expired.
    pub expired: usize,
    /// Pending bookings cancelled because a charge of an unresolved payment was found and
    /// refunded.
    pub refunded: usize,
    /// Bookings left for a later sweep (busy, or an adapter failed).
    pub deferred: usize,
}

/// Pending bookings by hold expiry, so a sweep touches only the due ones.
#[derive(Debug, Default)]
struct PendingIndex {
    by_expiry: BTreeMap<(Instant, HoldId), BookingId>,
    by_booking: HashMap<BookingId, (Instant, HoldId)>,
}

impl PendingIndex {
    fn insert(&mut self, booking: BookingId, hold: &Hold) {
        self.remove(booking);
        self.by_expiry
            .insert((hold.expires_at(), hold.id()), booking);
        self.by_booking
            .insert(booking, (hold.expires_at(), hold.id()));
    }

    fn remove(&mut self, booking: BookingId) {
        if let Some(key) = self.by_booking.remove(&booking) {
            self.by_expiry.remove(&key);
        }
    }

    fn due(&self, now: Instant, limit: usize) -> Vec<BookingId> {
        self.by_expiry
            .range(..=(now, HoldId::new(ShowId::new(u64::MAX), max_token())))
            .take(limit)
            .map(|(_, booking)| *booking)
            .collect()
    }
}

fn max_token() -> crate::FencingToken {
    crate::FencingToken::new(u64::MAX).unwrap_or_else(|| unreachable!())
}

/// Removes a booking from the in-flight set when the call on it ends.
struct InFlight<'a> {
    set: &'a Mutex<HashSet<BookingId>>,
    booking: BookingId,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.set.lock().remove(&self.booking);
    }
}

/// Builds a [`BookingService`].
#[derive(Debug)]
pub struct BookingServiceBuilder<S, P, R, C> {
    store: S,
    payments: P,
    repository: R,
    clock: C,
    cancellation: Arc<dyn CancellationPolicy>,
    observers: Vec<Arc<dyn BookingObserver>>,
    config: ServiceConfig,
}

impl<S, P, R, C> BookingServiceBuilder<S, P, R, C> {
    /// Sets the cancellation policy (default: [`TieredCancellationPolicy::default`]).
    #[must_use]
    pub fn cancellation(mut self, policy: impl CancellationPolicy + 'static) -> Self {
        self.cancellation = Arc::new(policy);
        self
    }

    /// Adds an observer (at most [`OBSERVERS_MAX`](crate::OBSERVERS_MAX)).
    #[must_use]
    pub fn observer(mut self, observer: Arc<dyn BookingObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Sets the tunables.
    #[must_use]
    pub fn config(mut self, config: ServiceConfig) -> Self {
        self.config = config;
        self
    }

    /// Builds the service with its pricing.
    #[must_use]
    pub fn build(self, pricing: impl PricingStrategy + 'static) -> BookingService<S, P, R, C> {
        let mut config = self.config;
        config.payment_attempts = config.payment_attempts.max(1);
        config.save_attempts = config.save_attempts.max(1);
        BookingService {
            store: self.store,
            payments: self.payments,
            repository: self.repository,
            clock: self.clock,
            pricing: RwLock::new(Arc::new(pricing)),
            cancellation: self.cancellation,
            shows: RwLock::new(HashMap::new()),
            outbox: Outbox::new(self.observers, config.outbox),
            in_flight: Mutex::new(HashSet::new()),
            pending: Mutex::new(PendingIndex::default()),
            refunds_pending: Mutex::new(HashSet::new()),
            config,
        }
    }
}

/// The booking flow over a seat store, a payment gateway, a repository and a clock.
///
/// Each method reads the clock once or twice and never holds a lock while calling an adapter
/// or an observer. Observers hear about committed transitions through a bounded outbox.
///
/// # Failure points and what the service does
///
/// | where | failure | response |
/// |---|---|---|
/// | start | seats taken, bad request | typed rejection; nothing held |
/// | start | pricing or repository fails after the hold | the hold is released before the error returns: no orphan hold |
/// | complete | not the owner; not pending | rejected before anything else |
/// | complete | the hold already expired | rejected **before charging**; the booking expires |
/// | complete | payment declined | seats released; booking cancelled with the reason |
/// | complete | payment outcome unknown | retried with the same idempotency key (bounded); still unknown: the key is voided (any charge refunded), seats released, booking cancelled |
/// | complete | paid, but the hold expired meanwhile | the same seats are re-acquired and confirmed if still free; otherwise the charge is refunded and the booking cancelled — never "charged with no ticket" |
/// | complete | confirm or save fails after charging | the error is returned, never ignored; the booking stays pending with its key; a retry with the same key charges nothing new and finishes the job; if the hold expires first, the key is voided |
/// | complete | double click / network retry | same key: the stored result, charged once; concurrent duplicate: `InProgress` |
/// | cancel | policy forbids | rejected; nothing changes |
/// | cancel | refund fails | recorded as pending retry ([`BookingService::retry_refunds`]); seats follow the policy, never sold twice |
/// | any | an observer fails or panics | the booking is unaffected; the notification is retried with backoff |
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use boxoffice::*;
/// use chrono::{FixedOffset, TimeDelta};
///
/// let clock = Arc::new(ManualClock::new());
/// let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
/// let layout = Arc::new(SeatLayout::grid(5, 8)?);
/// store.add_show(ShowId::new(1), layout.clone())?;
/// let service = BookingService::builder(
///     store.clone(),
///     InMemoryPaymentGateway::new(),
///     InMemoryBookingRepository::new(),
///     clock.clone(),
/// )
/// .build(SeatKindPricing::new(Money::parse("10.00", Currency::EUR)?)?);
/// let starts = clock.wall_now() + TimeDelta::days(3);
/// service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
///
/// let user = UserId::new(7);
/// let seats = [layout.seat_id("C4").unwrap(), layout.seat_id("C5").unwrap()];
/// let pending = service.start_booking(user, ShowId::new(1), &seats)?;
/// assert_eq!(pending.quote().total(), Money::parse("20.00", Currency::EUR)?);
/// let confirmed = service.complete_booking(pending.id(), user, PaymentMethod::new("tok"), "pay-1".parse()?)?;
/// assert_eq!(confirmed.status(), BookingStatus::Confirmed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BookingService<S, P, R, C> {
    store: S,
    payments: P,
    repository: R,
    clock: C,
    pricing: RwLock<Arc<dyn PricingStrategy>>,
    cancellation: Arc<dyn CancellationPolicy>,
    shows: RwLock<HashMap<ShowId, Arc<ShowInfo>>>,
    outbox: Outbox,
    in_flight: Mutex<HashSet<BookingId>>,
    pending: Mutex<PendingIndex>,
    refunds_pending: Mutex<HashSet<BookingId>>,
    config: ServiceConfig,
}

impl<S, P, R, C> BookingService<S, P, R, C>
where
    S: SeatStore,
    P: PaymentGateway,
    R: BookingRepository,
    C: Clock,
{
    /// Starts a service over these adapters; add pricing with
    /// [`build`](BookingServiceBuilder::build).
    pub fn builder(
        store: S,
        payments: P,
        repository: R,
        clock: C,
    ) -> BookingServiceBuilder<S, P, R, C> {
        BookingServiceBuilder {
            store,
            payments,
            repository,
            clock,
            cancellation: Arc::new(TieredCancellationPolicy::default()),
            observers: Vec::new(),
            config: ServiceConfig::default(),
        }
    }

    /// Registers (or replaces) the facts about a show. Its seats must be in the seat store.
    ///
    /// # Errors
    ///
    /// [`Rejection::UnknownShow`] when the seat store does not have the show;
    /// [`Rejection::Capacity`] past [`SERVICE_SHOWS_MAX`].
    pub fn add_show(&self, info: ShowInfo) -> Result<(), BookingError> {
        self.store.layout(info.id())?;
        let mut shows = self.shows.write();
        if shows.len() >= SERVICE_SHOWS_MAX && !shows.contains_key(&info.id()) {
            return Err(Rejection::Capacity {
                what: "shows",
                max: SERVICE_SHOWS_MAX,
            }
            .into());
        }
        shows.insert(info.id(), Arc::new(info));
        Ok(())
    }

    /// The facts about a show.
    #[must_use]
    pub fn show(&self, show: ShowId) -> Option<Arc<ShowInfo>> {
        self.shows.read().get(&show).cloned()
    }

    /// Replaces the pricing. Bookings already started keep the quote they were given.
    pub fn set_pricing(&self, pricing: impl PricingStrategy + 'static) {
        *self.pricing.write() = Arc::new(pricing);
    }

    /// The seat store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The payment gateway.
    pub fn payments(&self) -> &P {
        &self.payments
    }

    /// The repository.
    pub fn repository(&self) -> &R {
        &self.repository
    }

    /// Prices `seats` of `show` with the current rules, without holding anything.
    ///
    /// # Errors
    ///
    /// [`Rejection::UnknownShow`], [`Rejection::Seats`] for a seat not in the layout,
    /// [`Rejection::Pricing`].
    pub fn quote(&self, show: ShowId, seats: &[SeatId]) -> Result<BookingQuote, BookingError> {
        let info = self.show_info(show)?;
        let layout = self.store.layout(show)?;
        self.price(&info, &layout, seats)
    }

    /// Holds `seats` for `user`, prices them, and saves a pending booking.
    ///
    /// # Errors
    ///
    /// [`Rejection::Seats`] when the seat store refuses (the error names every blocking
    /// seat); [`Rejection::UnknownShow`]; [`Rejection::Pricing`]; [`Rejection::Capacity`];
    /// [`AdapterError`]s. Whenever an error returns, no hold is left behind.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use boxoffice::*;
    /// # use chrono::{FixedOffset, TimeDelta};
    /// # let clock = Arc::new(ManualClock::new());
    /// # let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    /// # store.add_show(ShowId::new(1), Arc::new(SeatLayout::grid(5, 8)?))?;
    /// # let service = BookingService::builder(
    /// #     store.clone(), InMemoryPaymentGateway::new(), InMemoryBookingRepository::new(), clock.clone(),
    /// # ).build(SeatKindPricing::new(Money::parse("10.00", Currency::EUR)?)?);
    /// # let starts = clock.wall_now() + TimeDelta::days(3);
    /// # service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
    /// # let (show, alice, bob) = (ShowId::new(1), UserId::new(1), UserId::new(2));
    /// # let seats = [SeatId::new(10), SeatId::new(11)];
    /// let pending = service.start_booking(alice, show, &seats)?;
    /// assert_eq!(pending.quote().total(), Money::parse("20.00", Currency::EUR)?);
    /// // The same seats for someone else: refused, and Bob holds nothing.
    /// let err = service.start_booking(bob, show, &seats).unwrap_err();
    /// assert!(matches!(err.rejection(), Some(Rejection::Seats(SeatError::Unavailable { .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_booking(
        &self,
        user: UserId,
        show: ShowId,
        seats: &[SeatId],
    ) -> Result<Booking<Pending>, BookingError> {
        let info = self.show_info(show)?;
        let layout = self.store.layout(show)?;
        self.check_pending_room()?;
        let now = self.clock.now();
        let hold = self.store.hold(show, user, seats, now)?;
        self.book_held(&info, &layout, hold, now)
    }

    /// Chooses the best available seats (see [`best_available`](crate::best_available)),
    /// holds them in the same step, prices them and saves a pending booking.
    ///
    /// # Errors
    ///
    /// The same as [`start_booking`](Self::start_booking); [`Rejection::Seats`] carries
    /// [`SeatError::BestAvailable`] when no seats fit the request.
    pub fn start_booking_best_available(
        &self,
        user: UserId,
        show: ShowId,
        request: &BestAvailableRequest,
    ) -> Result<(Booking<Pending>, Selection), BookingError> {
        let info = self.show_info(show)?;
        let layout = self.store.layout(show)?;
        self.check_pending_room()?;
        let now = self.clock.now();
        let (hold, selection) = self.store.hold_best_available(show, user, request, now)?;
        let booking = self.book_held(&info, &layout, hold, now)?;
        Ok((booking, selection))
    }

    fn check_pending_room(&self) -> Result<(), BookingError> {
        if self.pending.lock().by_booking.len() >= self.config.pending_max {
            return Err(Rejection::Capacity {
                what: "pending bookings",
                max: self.config.pending_max,
            }
            .into());
        }
        Ok(())
    }

    /// Prices held seats and saves the pending booking; releases the hold on any error.
    fn book_held(
        &self,
        info: &ShowInfo,
        layout: &SeatLayout,
        hold: Hold,
        now: Instant,
    ) -> Result<Booking<Pending>, BookingError> {
        let wall = self.clock.wall_now();
        let user = hold.owner();
        let booking = self.price(info, layout, hold.seats()).and_then(|quote| {
            let id = self.repository.next_id()?;
            let expires = wall_expiry(wall, &hold, now);
            let booking = Booking::new(
                id,
                user,
                info.id(),
                hold.seats().clone(),
                hold.id(),
                expires,
                Arc::new(quote),
                wall,
            );
            let record = booking.into_record();
            self.repository.insert(&record)?;
            Ok(Booking::from_record(record).unwrap_or_else(|| unreachable!()))
        });
        match booking {
            Ok(booking) => {
                self.pending.lock().insert(booking.id(), &hold);
                Ok(booking)
            }
            Err(err) => {
                // Leave no orphan hold behind.
                let _ = self.store.release(hold.id(), user, self.clock.now());
                Err(err)
            }
        }
    }

    /// Extends a pending booking's hold (within the seat store's lifetime bound).
    ///
    /// # Errors
    ///
    /// [`Rejection::UnknownBooking`], [`Rejection::NotOwner`], [`Rejection::InvalidState`],
    /// [`Rejection::Seats`] (e.g. `LifetimeExhausted`, `Expired`), [`AdapterError`]s.
    pub fn extend_booking(
        &self,
        booking: BookingId,
        user: UserId,
    ) -> Result<Booking<Pending>, BookingError> {
        let _guard = self.enter(booking)?;
        let pending = self.load_pending(booking, user)?;
        let now = self.clock.now();
        let hold = self.store.extend(pending.hold(), user, now)?;
        let expires = wall_expiry(self.clock.wall_now(), &hold, now);
        let version = pending.version();
        let extended = pending.with_hold(hold.id(), expires);
        let extended = self.save(extended, version)?;
        self.pending.lock().insert(booking, &hold);
        Ok(extended)
    }

    /// Pays for a pending booking and confirms its seats. See the module docs for every
    /// failure point.
    ///
    /// Calling it again with the same `key` (a double click, a network retry) returns the
    /// same result and charges once.
    ///
    /// # Errors
    ///
    /// [`Rejection::NotOwner`], [`Rejection::InvalidState`], [`Rejection::HoldExpired`],
    /// [`Rejection::PaymentDeclined`], [`Rejection::SeatsLostAfterPayment`],
    /// [`Rejection::IdempotencyKeyReused`], [`Rejection::IdempotencyKeyMismatch`],
    /// [`Rejection::InProgress`], and [`AdapterError`]s.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use boxoffice::*;
    /// # use chrono::{FixedOffset, TimeDelta};
    /// # let clock = Arc::new(ManualClock::new());
    /// # let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    /// # store.add_show(ShowId::new(1), Arc::new(SeatLayout::grid(5, 8)?))?;
    /// # let service = BookingService::builder(
    /// #     store.clone(), InMemoryPaymentGateway::new(), InMemoryBookingRepository::new(), clock.clone(),
    /// # ).build(SeatKindPricing::new(Money::parse("10.00", Currency::EUR)?)?);
    /// # let starts = clock.wall_now() + TimeDelta::days(3);
    /// # service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
    /// # let (show, alice, bob) = (ShowId::new(1), UserId::new(1), UserId::new(2));
    /// # let seats = [SeatId::new(10), SeatId::new(11)];
    /// let pending = service.start_booking(alice, show, &seats)?;
    /// let key: IdempotencyKey = "checkout-1".parse()?;
    /// let paid = service.complete_booking(pending.id(), alice, PaymentMethod::new("tok"), key.clone())?;
    /// // A double click with the same key: the same booking, charged once.
    /// let again = service.complete_booking(pending.id(), alice, PaymentMethod::new("tok"), key)?;
    /// assert_eq!(paid, again);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn complete_booking(
        &self,
        booking: BookingId,
        user: UserId,
        method: PaymentMethod,
        key: IdempotencyKey,
    ) -> Result<Booking<Confirmed>, BookingError> {
        let _guard = self.enter(booking)?;
        if let Some(existing) = self.repository.find_by_idempotency_key(&key)?
            && existing.id() != booking
        {
            return Err(Rejection::IdempotencyKeyReused {
                key,
                owner: existing.id(),
            }
            .into());
        }
        let record = self.load(booking, user)?;
        let pending = match record {
            BookingRecord::Pending(pending) => pending,
            done if done.idempotency_key() == Some(&key) => return replay(done),
            other => {
                return Err(Rejection::InvalidState {
                    booking,
                    status: other.status(),
                }
                .into());
            }
        };
        let resumed = match pending.idempotency_key() {
            Some(stored) if *stored == key => true,
            Some(_) => return Err(Rejection::IdempotencyKeyMismatch { booking }.into()),
            None => false,
        };
        let pending = if resumed {
            pending
        } else {
            let version = pending.version();
            let keyed = pending.with_idempotency_key(key.clone());
            self.save(keyed, version)?
        };

        // Reject before charging if the seats are no longer ours.
        match self.store.live_hold(pending.hold(), user, self.clock.now()) {
            Ok(_) => {}
            Err(StoreError::Seat(_)) if !resumed => {
                self.expire_pending(pending)?;
                self.after_commit();
                return Err(Rejection::HoldExpired { booking }.into());
            }
            // A resumed attempt may already have been charged: go on, the charge with the
            // same key is idempotent, and a lost hold is re-acquired or refunded below.
            Err(StoreError::Seat(_)) => {}
            Err(other) => return Err(other.into()),
        }

        let request = ChargeRequest {
            key: key.clone(),
            booking,
            user,
            amount: pending.quote().total(),
            method,
        };
        let mut outcome = self.payments.charge(&request);
        for _ in 1..self.config.payment_attempts {
            if !matches!(outcome, ChargeOutcome::Unknown { .. }) {
                break;
            }
            outcome = self.payments.charge(&request);
        }
        let result = match outcome {
            ChargeOutcome::Approved(receipt) => self.confirm_paid(pending, receipt),
            ChargeOutcome::Declined { reason } => {
                let _ = self.store.release(pending.hold(), user, self.clock.now());
                let reason_kept = reason.clone();
                let version = pending.version();
                let cancelled =
                    pending.cancel(CancelReason::PaymentDeclined { reason }, self.wall());
                self.commit_cancel(cancelled, version)?;
                Err(Rejection::PaymentDeclined {
                    booking,
                    reason: reason_kept,
                }
                .into())
            }
            ChargeOutcome::Unknown { detail } => self.resolve_unknown(pending, &key, detail),
        };
        self.after_commit();
        result
    }

    /// Cancels a booking. A pending one is cancelled and its seats released; a confirmed one is
    /// cancelled if the cancellation policy allows, refunding what it says and putting the
    /// seats back on sale if it says so. "Now" is the service's [`Clock`] (wall time for the
    /// policy's notice, monotonic time for the seat store), like every other method here.
    ///
    /// # Errors
    ///
    /// [`Rejection::NotOwner`], [`Rejection::InvalidState`] (already cancelled or expired),
    /// [`Rejection::CancellationRefused`], [`Rejection::InProgress`], [`AdapterError`]s.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use boxoffice::*;
    /// # use chrono::{FixedOffset, TimeDelta};
    /// # let clock = Arc::new(ManualClock::new());
    /// # let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    /// # store.add_show(ShowId::new(1), Arc::new(SeatLayout::grid(5, 8)?))?;
    /// # let service = BookingService::builder(
    /// #     store.clone(), InMemoryPaymentGateway::new(), InMemoryBookingRepository::new(), clock.clone(),
    /// # ).build(SeatKindPricing::new(Money::parse("10.00", Currency::EUR)?)?);
    /// # let starts = clock.wall_now() + TimeDelta::days(3);
    /// # service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
    /// # let (show, alice, bob) = (ShowId::new(1), UserId::new(1), UserId::new(2));
    /// # let seats = [SeatId::new(10), SeatId::new(11)];
    /// let pending = service.start_booking(alice, show, &seats)?;
    /// service.complete_booking(pending.id(), alice, PaymentMethod::new("tok"), "k".parse()?)?;
    /// // Three days ahead: the default policy refunds in full and resells the seats.
    /// let cancelled = service.cancel_booking(pending.id(), alice)?;
    /// assert_eq!(cancelled.refunds()[0].amount(), Money::parse("20.00", Currency::EUR)?);
    /// assert!(cancelled.seats_released());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cancel_booking(
        &self,
        booking: BookingId,
        user: UserId,
    ) -> Result<Booking<Cancelled>, BookingError> {
        let _guard = self.enter(booking)?;
        let result = match self.load(booking, user)? {
            BookingRecord::Pending(pending) => self.cancel_pending(pending),
            BookingRecord::Confirmed(confirmed) => self.cancel_confirmed(confirmed),
            other => Err(Rejection::InvalidState {
                booking,
                status: other.status(),
            }
            .into()),
        };
        self.after_commit();
        result
    }

    /// Expires the pending bookings whose holds have expired: their seats are free again (the
    /// seat store freed them), the bookings become expired, and observers hear of it. Costs
    /// O(k log n) for k due bookings. A host calls it on a timer.
    ///
    /// Besides the bookings this instance started, it also takes up to
    /// [`FOREIGN_EXPIRY_BATCH`](crate::FOREIGN_EXPIRY_BATCH) pending bookings from the repository whose hold expired more
    /// than [`ServiceConfig::foreign_expiry_grace`] ago ([`BookingRepository::pending_expired`]): bookings
    /// whose own instance is gone.
    ///
    /// # Errors
    ///
    /// Never for a single booking's failure (it is deferred to the next sweep and counted);
    /// only when no progress is possible at all.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use boxoffice::*;
    /// # use chrono::{FixedOffset, TimeDelta};
    /// # let clock = Arc::new(ManualClock::new());
    /// # let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    /// # store.add_show(ShowId::new(1), Arc::new(SeatLayout::grid(5, 8)?))?;
    /// # let service = BookingService::builder(
    /// #     store.clone(), InMemoryPaymentGateway::new(), InMemoryBookingRepository::new(), clock.clone(),
    /// # ).build(SeatKindPricing::new(Money::parse("10.00", Currency::EUR)?)?);
    /// # let starts = clock.wall_now() + TimeDelta::days(3);
    /// # service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
    /// # let (show, alice, bob) = (ShowId::new(1), UserId::new(1), UserId::new(2));
    /// # let seats = [SeatId::new(10), SeatId::new(11)];
    /// let pending = service.start_booking(alice, show, &seats)?;
    /// clock.advance(std::time::Duration::from_secs(600)); // the default ten-minute hold
    /// assert_eq!(service.expire_due()?.expired, 1);
    /// assert_eq!(service.bookings_for(alice)?[0].status(), BookingStatus::Expired);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expire_due(&self) -> Result<ExpirySweep, BookingError> {
        let now = self.clock.now();
        let mut due = self.pending.lock().due(now, usize::MAX);
        // Bookings another instance started and never finished (it may be gone): the
        // repository knows them by their wall-clock expiry estimate; a grace period keeps this
        // sweep well behind the instance that owns them.
        let cutoff = self
            .wall()
            .checked_sub_signed(self.config.foreign_expiry_grace)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut sweep = ExpirySweep::default();
        match self
            .repository
            .pending_expired(cutoff, FOREIGN_EXPIRY_BATCH)
        {
            Ok(records) => {
                let known = self.pending.lock();
                due.extend(
                    records
                        .iter()
                        .map(BookingRecord::id)
                        .filter(|id| !known.by_booking.contains_key(id)),
                );
            }
            Err(_) => sweep.deferred += 1,
        }
        let mut shows = HashSet::new();
        for booking in due {
            let Ok(guard) = self.enter(booking) else {
                sweep.deferred += 1;
                continue;
            };
            let outcome = self.expire_one(booking, now, &mut shows);
            drop(guard);
            match outcome {
                Ok(Some(BookingStatus::Expired)) => sweep.expired += 1,
                Ok(Some(BookingStatus::Cancelled)) => sweep.refunded += 1,
                Ok(_) => {}
                Err(_) => sweep.deferred += 1,
            }
        }
        // Drain the stores' expiry reports so their queues stay short; the index above is the
        // service's source of truth.
        for show in shows {
            let _ = self.store.expire_due(show, now);
        }
        self.after_commit();
        Ok(sweep)
    }

    /// Retries refunds that failed. Returns how many are still pending.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Repository`] when the repository cannot be read at all.
    pub fn retry_refunds(&self) -> Result<usize, BookingError> {
        let bookings: Vec<BookingId> = self.refunds_pending.lock().iter().copied().collect();
        for booking in bookings {
            let Ok(_guard) = self.enter(booking) else {
                continue;
            };
            let Some(BookingRecord::Cancelled(mut cancelled)) = self.repository.get(booking)?
            else {
                self.refunds_pending.lock().remove(&booking);
                continue;
            };
            let version = cancelled.version();
            let Some(receipt) = cancelled.payment().cloned() else {
                self.refunds_pending.lock().remove(&booking);
                continue;
            };
            let owed: Vec<RefundRecord> = cancelled
                .refunds()
                .iter()
                .filter(|r| !r.is_done())
                .cloned()
                .collect();
            for refund in owed {
                let attempts = match refund.status() {
                    RefundStatus::PendingRetry { attempts, .. } => *attempts,
                    _ => 0,
                };
                let updated = self.pay_refund(&receipt, refund, attempts);
                cancelled = cancelled.with_refund(updated);
            }
            if cancelled.version() != version {
                cancelled = self.save(cancelled, version)?;
            }
            if cancelled.refunds().iter().all(RefundRecord::is_done) {
                self.refunds_pending.lock().remove(&booking);
            }
        }
        Ok(self.refunds_pending.lock().len())
    }

    /// A user's bookings, newest first, at most `history_limit` of them.
    ///
    /// # Errors
    ///
    /// [`AdapterError::Repository`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use boxoffice::*;
    /// # use chrono::{FixedOffset, TimeDelta};
    /// # let clock = Arc::new(ManualClock::new());
    /// # let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    /// # store.add_show(ShowId::new(1), Arc::new(SeatLayout::grid(5, 8)?))?;
    /// # let service = BookingService::builder(
    /// #     store.clone(), InMemoryPaymentGateway::new(), InMemoryBookingRepository::new(), clock.clone(),
    /// # ).build(SeatKindPricing::new(Money::parse("10.00", Currency::EUR)?)?);
    /// # let starts = clock.wall_now() + TimeDelta::days(3);
    /// # service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
    /// # let (show, alice, bob) = (ShowId::new(1), UserId::new(1), UserId::new(2));
    /// # let seats = [SeatId::new(10), SeatId::new(11)];
    /// let first = service.start_booking(alice, show, &seats[..1])?;
    /// let second = service.start_booking(alice, show, &seats[1..])?;
    /// let history: Vec<BookingId> = service.bookings_for(alice)?.iter().map(BookingRecord::id).collect();
    /// assert_eq!(history, [second.id(), first.id()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bookings_for(&self, user: UserId) -> Result<Vec<BookingRecord>, BookingError> {
        Ok(self
            .repository
            .list_by_user(user, self.config.history_limit)?)
    }

    /// Delivers the notifications due now. Call it from a background task (or rely on
    /// [`DeliveryMode::Immediate`]).
    pub fn deliver_notifications(&self) -> DeliveryReport {
        self.outbox.deliver(self.clock.now())
    }

    /// When the next notification retry is due, if any.
    #[must_use]
    pub fn next_notification_due(&self) -> Option<Instant> {
        self.outbox.next_due(self.clock.now())
    }

    /// The outbox's counters.
    #[must_use]
    pub fn outbox_stats(&self) -> OutboxStats {
        self.outbox.stats()
    }

    /// How many bookings are pending, and the earliest hold expiry among them: when to call
    /// [`expire_due`](Self::expire_due) next.
    #[must_use]
    pub fn pending_summary(&self) -> (usize, Option<Instant>) {
        let pending = self.pending.lock();
        (
            pending.by_booking.len(),
            pending.by_expiry.keys().next().map(|(at, _)| *at),
        )
    }

    // ----- internals -------------------------------------------------------------------

    fn wall(&self) -> DateTime<Utc> {
        self.clock.wall_now()
    }

    fn show_info(&self, show: ShowId) -> Result<Arc<ShowInfo>, BookingError> {
        self.show(show)
            .ok_or_else(|| Rejection::UnknownShow { show }.into())
    }

    fn price(
        &self,
        info: &ShowInfo,
        layout: &SeatLayout,
        seats: &[SeatId],
    ) -> Result<BookingQuote, BookingError> {
        let pricing = self.pricing.read().clone();
        let mut quotes = Vec::with_capacity(seats.len());
        for &seat in seats {
            let (Some(details), Some(label)) = (layout.seat(seat), layout.label(seat)) else {
                return Err(Rejection::Seats(SeatError::UnknownSeat { seat }).into());
            };
            let quote = pricing.quote(info, details).map_err(Rejection::Pricing)?;
            quotes.push(SeatQuote::new(seat, label, quote));
        }
        BookingQuote::new(info.currency(), quotes)
            .map_err(|err| Rejection::Pricing(PricingError::Money(err)).into())
    }

    fn enter(&self, booking: BookingId) -> Result<InFlight<'_>, BookingError> {
        if !self.in_flight.lock().insert(booking) {
            return Err(Rejection::InProgress { booking }.into());
        }
        Ok(InFlight {
            set: &self.in_flight,
            booking,
        })
    }

    fn load(&self, booking: BookingId, user: UserId) -> Result<BookingRecord, BookingError> {
        let record = self
            .repository
            .get(booking)?
            .ok_or(Rejection::UnknownBooking { booking })?;
        if record.user() != user {
            return Err(Rejection::NotOwner { booking }.into());
        }
        Ok(record)
    }

    fn load_pending(
        &self,
        booking: BookingId,
        user: UserId,
    ) -> Result<Booking<Pending>, BookingError> {
        self.load(booking, user)?.into_pending().map_err(|other| {
            Rejection::InvalidState {
                booking,
                status: other.status(),
            }
            .into()
        })
    }

    /// Saves a booking (without cloning it) with bounded retries while the repository is
    /// unavailable.
    fn save<St: BookingState>(
        &self,
        booking: Booking<St>,
        expected_version: u64,
    ) -> Result<Booking<St>, BookingError> {
        let record = booking.into_record();
        self.save_record(&record, expected_version)?;
        Ok(Booking::from_record(record).unwrap_or_else(|| unreachable!("same state")))
    }

    fn save_record(
        &self,
        record: &BookingRecord,
        expected_version: u64,
    ) -> Result<(), BookingError> {
        let mut last = None;
        for _ in 0..self.config.save_attempts {
            match self.repository.update(record, expected_version) {
                Ok(()) => return Ok(()),
                Err(err @ RepositoryError::Unavailable { .. }) => last = Some(err),
                Err(err) => return Err(err.into()),
            }
        }
        Err(last.map(BookingError::from).unwrap_or_else(|| {
            Rejection::InProgress {
                booking: record.id(),
            }
            .into()
        }))
    }

    /// Queues a notification; builds the record only when someone listens.
    fn publish(&self, event: BookingEvent, record: impl FnOnce() -> BookingRecord) {
        if self.outbox.has_observers() {
            self.outbox.publish(event, record());
        }
    }

    fn after_commit(&self) {
        if self.config.delivery == DeliveryMode::Immediate {
            self.outbox.deliver(self.clock.now());
        }
    }

    fn commit_cancel(
        &self,
        cancelled: Booking<Cancelled>,
        expected_version: u64,
    ) -> Result<Booking<Cancelled>, BookingError> {
        let cancelled = self.save(cancelled, expected_version)?;
        self.pending.lock().remove(cancelled.id());
        if cancelled.refunds().iter().any(|r| !r.is_done()) {
            let mut owed = self.refunds_pending.lock();
            if owed.len() < self.config.refunds_pending_max {
                owed.insert(cancelled.id());
            }
        }
        self.publish(BookingEvent::Cancelled, || cancelled.clone().into());
        Ok(cancelled)
    }

    /// The payment went through: book the seats (re-acquiring them if the hold expired), or
    /// refund.
    fn confirm_paid(
        &self,
        pending: Booking<Pending>,
        receipt: PaymentReceipt,
    ) -> Result<Booking<Confirmed>, BookingError> {
        let user = pending.user();
        let booking = pending.id();
        let version = pending.version();
        let now = self.clock.now();
        let pending = match self.store.confirm(pending.hold(), user, now) {
            // AlreadyConfirmed: an earlier attempt with this key confirmed, then failed to save.
            Ok(_) | Err(StoreError::Seat(SeatError::AlreadyConfirmed { .. })) => pending,
            Err(StoreError::Seat(_)) => match self.reacquire(&pending, now) {
                Some(hold) => {
                    let expires = wall_expiry(self.wall(), &hold, now);
                    pending.with_hold(hold.id(), expires)
                }
                None => {
                    let refund = self.pay_refund(&receipt, self.new_refund(&pending, &receipt), 0);
                    let refunded = refund.is_done();
                    let cancelled = pending.cancel_charged(
                        Some(receipt),
                        refund,
                        CancelReason::SeatsLostAfterPayment,
                        self.wall(),
                    );
                    self.commit_cancel(cancelled, version)?;
                    return Err(Rejection::SeatsLostAfterPayment { booking, refunded }.into());
                }
            },
            // Unknown whether the store confirmed: leave the booking pending with its key. A
            // retry with the same key finishes; expiry voids the key.
            Err(other) => return Err(other.into()),
        };
        let confirmed = pending.confirm(receipt, self.wall());
        let confirmed = self.save(confirmed, version)?;
        self.pending.lock().remove(booking);
        self.publish(BookingEvent::Confirmed, || confirmed.clone().into());
        Ok(confirmed)
    }

    /// Holds and confirms the same seats again, atomically per step: `None` if any is taken.
    fn reacquire(&self, pending: &Booking<Pending>, now: Instant) -> Option<Hold> {
        let user = pending.user();
        let hold = self
            .store
            .hold(pending.show(), user, pending.seats(), now)
            .ok()?;
        match self.store.confirm(hold.id(), user, now) {
            Ok(_) => Some(hold),
            Err(_) => {
                let _ = self.store.release(hold.id(), user, now);
                None
            }
        }
    }

    fn new_refund(&self, booking: &Booking<Pending>, receipt: &PaymentReceipt) -> RefundRecord {
        refund_record(
            booking.id(),
            booking.refunds().len(),
            receipt.amount(),
            self.wall(),
        )
    }

    /// Sends one refund to the gateway; returns its new status.
    fn pay_refund(
        &self,
        receipt: &PaymentReceipt,
        refund: RefundRecord,
        attempts: u32,
    ) -> RefundRecord {
        let outcome = self.payments.refund(&RefundRequest {
            key: refund.key().clone(),
            payment_id: receipt.payment_id().to_owned(),
            amount: refund.amount(),
        });
        let status = match outcome {
            RefundOutcome::Refunded { refund_id } => RefundStatus::Done {
                refund_id,
                at: self.wall(),
            },
            RefundOutcome::Failed { reason } => RefundStatus::PendingRetry {
                attempts: attempts + 1,
                last_error: reason,
            },
        };
        RefundRecord::new(
            refund.key().clone(),
            refund.amount(),
            refund.requested_at(),
            status,
        )
    }

    /// After bounded retries the charge's outcome is still unknown: void the key so no money
    /// is kept, then release the seats and cancel.
    fn resolve_unknown(
        &self,
        pending: Booking<Pending>,
        key: &IdempotencyKey,
        detail: String,
    ) -> Result<Booking<Confirmed>, BookingError> {
        let booking = pending.id();
        match self.void_pending(pending, key)? {
            Some(_) => Err(AdapterError::PaymentUnresolved { booking, detail }.into()),
            None => Err(AdapterError::PaymentUnresolved {
                booking,
                detail: format!("{detail}; void pending"),
            }
            .into()),
        }
    }

    /// Voids a pending booking's key, releases its seats and cancels it. `Ok(None)` when the
    /// gateway could not be reached: the booking stays pending.
    fn void_pending(
        &self,
        pending: Booking<Pending>,
        key: &IdempotencyKey,
    ) -> Result<Option<Booking<Cancelled>>, BookingError> {
        let version = pending.version();
        let user = pending.user();
        let refund = match self.payments.void(key) {
            VoidOutcome::NothingCharged => None,
            VoidOutcome::Refunded { receipt, refund_id } => Some((receipt, refund_id)),
            VoidOutcome::Unknown { .. } => return Ok(None),
        };
        let now = self.clock.now();
        if let Err(StoreError::Seat(SeatError::AlreadyConfirmed { .. })) =
            self.store.release(pending.hold(), user, now)
        {
            let _ = self.store.release_booked(pending.hold(), user, now);
        }
        let wall = self.wall();
        let cancelled = match refund {
            None => pending.cancel(CancelReason::PaymentUnresolved, wall),
            Some((receipt, refund_id)) => {
                let record = refund_record(pending.id(), 0, receipt.amount(), wall);
                let done = RefundRecord::new(
                    record.key().clone(),
                    record.amount(),
                    wall,
                    RefundStatus::Done {
                        refund_id,
                        at: wall,
                    },
                );
                pending.cancel_charged(Some(receipt), done, CancelReason::PaymentUnresolved, wall)
            }
        };
        self.commit_cancel(cancelled, version).map(Some)
    }

    fn expire_pending(
        &self,
        pending: Booking<Pending>,
    ) -> Result<Booking<crate::Expired>, BookingError> {
        let version = pending.version();
        let expired = pending.expire(self.wall());
        let expired = self.save(expired, version)?;
        self.pending.lock().remove(expired.id());
        self.publish(BookingEvent::Expired, || expired.clone().into());
        Ok(expired)
    }

    /// Expires one due booking. `Ok(None)` when there was nothing to do.
    fn expire_one(
        &self,
        booking: BookingId,
        now: Instant,
        shows: &mut HashSet<ShowId>,
    ) -> Result<Option<BookingStatus>, BookingError> {
        let Some(record) = self.repository.get(booking)? else {
            self.pending.lock().remove(booking);
            return Ok(None);
        };
        let BookingRecord::Pending(pending) = record else {
            self.pending.lock().remove(booking);
            return Ok(None);
        };
        shows.insert(pending.show());
        match self.store.live_hold(pending.hold(), pending.user(), now) {
            // Extended elsewhere: re-index with its new expiry.
            Ok(hold) => {
                self.pending.lock().insert(booking, &hold);
                return Ok(None);
            }
            // AlreadyConfirmed: a completion charged and booked the seats but could not save.
            // The buyer had until the hold's expiry to retry with the key; now the charge is
            // voided (refunded) and the seats go back on sale, like any unfinished payment.
            Err(StoreError::Seat(_)) => {}
            Err(other) => return Err(other.into()),
        }
        if let Some(key) = pending.idempotency_key().cloned() {
            // A completion was attempted: make sure no money is kept.
            return match self.void_pending(pending, &key)? {
                Some(cancelled) if cancelled.payment().is_some() => {
                    Ok(Some(BookingStatus::Cancelled))
                }
                Some(_) => Ok(Some(BookingStatus::Expired)),
                None => Err(AdapterError::PaymentUnresolved {
                    booking,
                    detail: "void pending".into(),
                }
                .into()),
            };
        }
        self.expire_pending(pending)?;
        Ok(Some(BookingStatus::Expired))
    }

    fn cancel_pending(
        &self,
        pending: Booking<Pending>,
    ) -> Result<Booking<Cancelled>, BookingError> {
        if let Some(key) = pending.idempotency_key().cloned() {
            // An earlier completion attempt may have charged: void first.
            let booking = pending.id();
            return self.void_pending(pending, &key)?.ok_or_else(|| {
                AdapterError::PaymentUnresolved {
                    booking,
                    detail: "void pending".into(),
                }
                .into()
            });
        }
        let version = pending.version();
        let _ = self
            .store
            .release(pending.hold(), pending.user(), self.clock.now());
        let cancelled = pending.cancel(CancelReason::UserCancelled, self.wall());
        self.commit_cancel(cancelled, version)
    }

    fn cancel_confirmed(
        &self,
        confirmed: Booking<Confirmed>,
    ) -> Result<Booking<Cancelled>, BookingError> {
        let booking = confirmed.id();
        let info = self.show_info(confirmed.show())?;
        let wall = self.wall();
        let (refund, release_seats) = match self.cancellation.decide(&confirmed, &info, wall) {
            CancellationDecision::Refused { reason } => {
                return Err(Rejection::CancellationRefused { booking, reason }.into());
            }
            CancellationDecision::Allowed {
                refund,
                release_seats,
                ..
            } => (refund, release_seats),
        };
        let receipt = confirmed.payment().cloned();
        let version = confirmed.version();
        let owed = match (&receipt, refund.is_zero()) {
            (Some(_), false) => Some(RefundRecord::new(
                refund_record(booking, confirmed.refunds().len(), refund, wall)
                    .key()
                    .clone(),
                refund,
                wall,
                RefundStatus::PendingRetry {
                    attempts: 0,
                    last_error: "not yet attempted".into(),
                },
            )),
            _ => None,
        };
        let user = confirmed.user();
        let hold = confirmed.hold();
        // Commit the cancellation first: if the refund went out before the save and the save
        // failed, the user would keep both the seats and the money.
        let cancelled = confirmed.cancel(owed.clone(), release_seats, wall);
        let cancelled = self.save(cancelled, version)?;
        if release_seats {
            let _ = self.store.release_booked(hold, user, self.clock.now());
        }
        let mut cancelled = cancelled;
        if let (Some(receipt), Some(owed)) = (receipt, owed) {
            let saved_version = cancelled.version();
            let paid = self.pay_refund(&receipt, owed, 0);
            cancelled = cancelled.with_refund(paid);
            let record = cancelled.into_record();
            if self.save_record(&record, saved_version).is_err() {
                // The gateway has it under the refund key; the retry will record it.
                self.refunds_pending.lock().insert(booking);
            }
            cancelled = Booking::from_record(record).unwrap_or_else(|| unreachable!());
        }
        if cancelled.refunds().iter().any(|r| !r.is_done()) {
            let mut owed = self.refunds_pending.lock();
            if owed.len() < self.config.refunds_pending_max {
                owed.insert(booking);
            }
        }
        self.publish(BookingEvent::Cancelled, || cancelled.clone().into());
        Ok(cancelled)
    }
}

fn refund_record(
    booking: BookingId,
    index: usize,
    amount: crate::Money,
    at: DateTime<Utc>,
) -> RefundRecord {
    let key = IdempotencyKey::new(format!("refund-{booking}-{}", index + 1))
        .unwrap_or_else(|_| unreachable!("refund keys are short ASCII"));
    RefundRecord::new(
        key,
        amount,
        at,
        RefundStatus::PendingRetry {
            attempts: 0,
            last_error: "not yet attempted".into(),
        },
    )
}

/// The stored outcome of a completion with the same key.
fn replay(record: BookingRecord) -> Result<Booking<Confirmed>, BookingError> {
    let booking = record.id();
    match record {
        BookingRecord::Confirmed(confirmed) => Ok(confirmed),
        BookingRecord::Cancelled(cancelled) => Err(match cancelled.reason() {
            CancelReason::PaymentDeclined { reason } => Rejection::PaymentDeclined {
                booking,
                reason: reason.clone(),
            }
            .into(),
            CancelReason::SeatsLostAfterPayment => Rejection::SeatsLostAfterPayment {
                booking,
                refunded: cancelled.refunds().iter().all(RefundRecord::is_done),
            }
            .into(),
            CancelReason::PaymentUnresolved => AdapterError::PaymentUnresolved {
                booking,
                detail: "the payment was voided".into(),
            }
            .into(),
            _ => Rejection::InvalidState {
                booking,
                status: BookingStatus::Cancelled,
            }
            .into(),
        }),
        BookingRecord::Expired(_) => Err(Rejection::HoldExpired { booking }.into()),
        BookingRecord::Pending(_) => Err(Rejection::InProgress { booking }.into()),
    }
}

/// The wall-clock estimate of a hold's expiry, for display: `wall` plus the hold's remaining
/// time, saturating instead of overflowing on absurd values from a remote store.
fn wall_expiry(wall: DateTime<Utc>, hold: &Hold, now: Instant) -> DateTime<Utc> {
    let remaining: Duration = hold.expires_at().saturating_duration_since(now);
    TimeDelta::from_std(remaining)
        .ok()
        .and_then(|delta| wall.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}
