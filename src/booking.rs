//! Bookings as a typestate: `Booking<Pending>`, `Booking<Confirmed>`, `Booking<Cancelled>`,
//! `Booking<Expired>`. Transitions consume the booking and return it in its next state, so an
//! illegal transition does not compile. [`BookingRecord`] is the runtime form for storage and
//! observers.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::id::{BookingId, HoldId, SeatId, ShowId, UserId};
use crate::layout::SeatLabel;
use crate::money::{Currency, Money};
use crate::pricing::PriceQuote;

/// The most characters in an idempotency key.
pub const IDEMPOTENCY_KEY_LEN_MAX: usize = 128;

/// A client-chosen key that makes a write safe to retry: the same key never charges twice and
/// returns the stored result. 1 to 128 visible ASCII characters.
///
/// # Examples
///
/// ```
/// use boxoffice::IdempotencyKey;
///
/// let key: IdempotencyKey = "checkout-7f3a".parse()?;
/// assert_eq!(key.as_str(), "checkout-7f3a");
/// assert!("".parse::<IdempotencyKey>().is_err());
/// assert!("has space".parse::<IdempotencyKey>().is_err());
/// # Ok::<(), boxoffice::InvalidIdempotencyKey>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "String", into = "String"))]
pub struct IdempotencyKey(String);

/// A string that is not a valid [`IdempotencyKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an idempotency key must be 1 to 128 visible ASCII characters")]
pub struct InvalidIdempotencyKey;

impl IdempotencyKey {
    /// Checks and wraps a key.
    ///
    /// # Errors
    ///
    /// [`InvalidIdempotencyKey`] when `key` is empty, longer than
    /// [`IDEMPOTENCY_KEY_LEN_MAX`], or has a character outside visible ASCII.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidIdempotencyKey> {
        let key = key.into();
        let ok = !key.is_empty()
            && key.len() <= IDEMPOTENCY_KEY_LEN_MAX
            && key.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(IdempotencyKey(key))
        } else {
            Err(InvalidIdempotencyKey)
        }
    }

    /// The key.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for IdempotencyKey {
    type Err = InvalidIdempotencyKey;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdempotencyKey::new(s)
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = InvalidIdempotencyKey;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        IdempotencyKey::new(value)
    }
}

impl From<IdempotencyKey> for String {
    fn from(key: IdempotencyKey) -> String {
        key.0
    }
}

/// The price of one seat in a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SeatQuote {
    seat: SeatId,
    label: SeatLabel,
    quote: PriceQuote,
}

impl SeatQuote {
    /// Builds a seat quote.
    #[must_use]
    pub fn new(seat: SeatId, label: SeatLabel, quote: PriceQuote) -> Self {
        SeatQuote { seat, label, quote }
    }

    /// The seat.
    #[must_use]
    pub fn seat(&self) -> SeatId {
        self.seat
    }

    /// Its printed label.
    #[must_use]
    pub fn label(&self) -> &SeatLabel {
        &self.label
    }

    /// Its price and breakdown.
    #[must_use]
    pub fn quote(&self) -> &PriceQuote {
        &self.quote
    }
}

/// The price of a whole booking, fixed when its seats were held: this is what is charged at
/// payment, even if the pricing rules change in between.
///
/// `Display` prints one line per seat and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BookingQuote {
    seats: Vec<SeatQuote>,
    fees: Money,
    total: Money,
}

impl BookingQuote {
    /// Adds up seat quotes, all in `currency`.
    ///
    /// # Errors
    ///
    /// [`MoneyError`](crate::MoneyError) when a seat is priced in another currency or the sum
    /// overflows.
    pub fn new(currency: Currency, seats: Vec<SeatQuote>) -> Result<Self, crate::MoneyError> {
        let total = Money::sum(currency, seats.iter().map(|s| s.quote.total()))?;
        let fees = Money::sum(currency, seats.iter().map(|s| s.quote.fees()))?;
        Ok(BookingQuote { seats, fees, total })
    }

    /// One quote per seat, in booking order.
    #[must_use]
    pub fn seats(&self) -> &[SeatQuote] {
        &self.seats
    }

    /// The flat fees included in the total.
    #[must_use]
    pub fn fees(&self) -> Money {
        self.fees
    }

    /// The amount to charge.
    #[must_use]
    pub fn total(&self) -> Money {
        self.total
    }
}

impl fmt::Display for BookingQuote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seat in &self.seats {
            writeln!(f, "{:>5}: {}", seat.label.to_string(), seat.quote)?;
        }
        write!(f, "total: {}", self.total)
    }
}

/// A successful charge, as the payment gateway reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PaymentReceipt {
    payment_id: String,
    key: IdempotencyKey,
    amount: Money,
}

impl PaymentReceipt {
    /// A receipt for `amount` charged under `key`, with the gateway's payment id.
    #[must_use]
    pub fn new(payment_id: impl Into<String>, key: IdempotencyKey, amount: Money) -> Self {
        PaymentReceipt {
            payment_id: payment_id.into(),
            key,
            amount,
        }
    }

    /// The gateway's id for the payment.
    #[must_use]
    pub fn payment_id(&self) -> &str {
        &self.payment_id
    }

    /// The idempotency key it was charged under.
    #[must_use]
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The amount charged.
    #[must_use]
    pub fn amount(&self) -> Money {
        self.amount
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum RefundStatus {
    /// The gateway refunded it.
    Done {
        /// The gateway's refund id.
        refund_id: String,
        /// When it was confirmed.
        at: DateTime<Utc>,
    },
    /// The gateway failed; it is retried by
    /// [`BookingService::retry_refunds`](crate::BookingService::retry_refunds).
    PendingRetry {
        /// Attempts so far.
        attempts: u32,
        /// The last failure.
        last_error: String,
    },
}

impl fmt::Display for RefundStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefundStatus::Done { refund_id, .. } => write!(f, "done ({refund_id})"),
            RefundStatus::PendingRetry {
                attempts,
                last_error,
            } => write!(f, "pending retry after {attempts} attempts: {last_error}"),
        }
    }
}

/// A refund owed or paid on a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RefundRecord {
    key: IdempotencyKey,
    amount: Money,
    requested_at: DateTime<Utc>,
    status: RefundStatus,
}

impl RefundRecord {
    /// A refund of `amount` under the refund idempotency key `key`.
    #[must_use]
    pub fn new(
        key: IdempotencyKey,
        amount: Money,
        requested_at: DateTime<Utc>,
        status: RefundStatus,
    ) -> Self {
        RefundRecord {
            key,
            amount,
            requested_at,
            status,
        }
    }

    /// The refund's idempotency key (retries reuse it, so a refund is never paid twice).
    #[must_use]
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The amount.
    #[must_use]
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// When it was first requested.
    #[must_use]
    pub fn requested_at(&self) -> DateTime<Utc> {
        self.requested_at
    }

    /// Where it stands.
    #[must_use]
    pub fn status(&self) -> &RefundStatus {
        &self.status
    }

    /// Whether the gateway has paid it.
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self.status, RefundStatus::Done { .. })
    }
}

/// Why a booking was cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum CancelReason {
    /// The user cancelled.
    UserCancelled,
    /// The payment was declined.
    PaymentDeclined {
        /// The gateway's reason.
        reason: String,
    },
    /// The payment's outcome stayed unknown; any charge was voided.
    PaymentUnresolved,
    /// The payment succeeded after the hold expired and the seats were taken meanwhile; the
    /// charge was refunded.
    SeatsLostAfterPayment,
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelReason::UserCancelled => f.write_str("cancelled by the user"),
            CancelReason::PaymentDeclined { reason } => write!(f, "payment declined: {reason}"),
            CancelReason::PaymentUnresolved => f.write_str("payment could not be confirmed"),
            CancelReason::SeatsLostAfterPayment => {
                f.write_str("the seats were lost while paying; refunded")
            }
        }
    }
}

/// The status of a booking, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum BookingStatus {
    /// Seats held, not paid.
    Pending,
    /// Paid; the seats are booked.
    Confirmed,
    /// Cancelled (see its reason and refunds).
    Cancelled,
    /// The hold expired before payment.
    Expired,
}

impl fmt::Display for BookingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BookingStatus::Pending => "pending",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Expired => "expired",
        })
    }
}

mod sealed {
    /// Seals [`BookingState`](super::BookingState) and converts between a typed booking and
    /// the runtime record without cloning.
    pub trait Sealed: Sized + Clone + std::fmt::Debug {
        fn into_record(booking: super::Booking<Self>) -> super::BookingRecord
        where
            Self: super::BookingState;

        fn from_record(record: super::BookingRecord) -> Option<super::Booking<Self>>
        where
            Self: super::BookingState;
    }
}

/// A booking state. Sealed: the four states are the only ones.
pub trait BookingState: sealed::Sealed + fmt::Debug + Clone {
    /// The runtime status this state corresponds to.
    const STATUS: BookingStatus;
}

/// Seats are held; payment has not completed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pending {
    hold_expires_at: DateTime<Utc>,
}

/// Paid and confirmed: the seats are booked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Confirmed {
    confirmed_at: DateTime<Utc>,
}

/// Cancelled, with a reason and whether the seats went back on sale.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Cancelled {
    cancelled_at: DateTime<Utc>,
    reason: CancelReason,
    seats_released: bool,
}

/// The hold expired before the booking was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Expired {
    expired_at: DateTime<Utc>,
}

macro_rules! sealed_state {
    ($state:ident) => {
        impl sealed::Sealed for $state {
            fn into_record(booking: Booking<Self>) -> BookingRecord {
                BookingRecord::$state(booking)
            }

            fn from_record(record: BookingRecord) -> Option<Booking<Self>> {
                match record {
                    BookingRecord::$state(booking) => Some(booking),
                    _ => None,
                }
            }
        }

        impl From<Booking<$state>> for BookingRecord {
            fn from(booking: Booking<$state>) -> Self {
                BookingRecord::$state(booking)
            }
        }
    };
}
sealed_state!(Pending);
sealed_state!(Confirmed);
sealed_state!(Cancelled);
sealed_state!(Expired);
impl BookingState for Pending {
    const STATUS: BookingStatus = BookingStatus::Pending;
}
impl BookingState for Confirmed {
    const STATUS: BookingStatus = BookingStatus::Confirmed;
}
impl BookingState for Cancelled {
    const STATUS: BookingStatus = BookingStatus::Cancelled;
}
impl BookingState for Expired {
    const STATUS: BookingStatus = BookingStatus::Expired;
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Core {
    id: BookingId,
    user: UserId,
    show: ShowId,
    seats: Arc<[SeatId]>,
    hold: HoldId,
    quote: Arc<BookingQuote>,
    idempotency_key: Option<IdempotencyKey>,
    payment: Option<PaymentReceipt>,
    refunds: Vec<RefundRecord>,
    created_at: DateTime<Utc>,
    version: u64,
}

/// A booking in state `S`. Users rarely name `S`: the service returns the right one.
///
/// # Transitions
///
/// The legal transitions compile:
///
/// ```
/// # use boxoffice::*;
/// fn legal(
///     a: Booking<Pending>,
///     b: Booking<Pending>,
///     c: Booking<Pending>,
///     receipt: PaymentReceipt,
///     at: chrono::DateTime<chrono::Utc>,
/// ) {
///     let confirmed: Booking<Confirmed> = a.confirm(receipt, at);
///     let _: Booking<Cancelled> = confirmed.cancel(None, true, at);
///     let _: Booking<Cancelled> = b.cancel(CancelReason::UserCancelled, at);
///     let _: Booking<Expired> = c.expire(at);
/// }
/// ```
///
/// A cancelled booking cannot be confirmed:
///
/// ```compile_fail
/// # use boxoffice::*;
/// fn confirm_cancelled(booking: Booking<Cancelled>, receipt: PaymentReceipt, at: chrono::DateTime<chrono::Utc>) {
///     let _ = booking.confirm(receipt, at);
/// }
/// ```
///
/// An expired booking cannot be cancelled:
///
/// ```compile_fail
/// # use boxoffice::*;
/// fn cancel_expired(booking: Booking<Expired>, at: chrono::DateTime<chrono::Utc>) {
///     let _ = booking.cancel(CancelReason::UserCancelled, at);
/// }
/// ```
///
/// A confirmed booking cannot be confirmed again, nor expire:
///
/// ```compile_fail
/// # use boxoffice::*;
/// fn expire_confirmed(booking: Booking<Confirmed>, at: chrono::DateTime<chrono::Utc>) {
///     let _ = booking.expire(at);
/// }
/// ```
///
/// And nobody outside the crate can invent a state (the state trait is sealed):
///
/// ```compile_fail
/// # use boxoffice::*;
/// struct Refunded;
/// impl BookingState for Refunded {}
/// ```
///
/// # Examples
///
/// ```
/// # use boxoffice::*;
/// # use chrono::Utc;
/// # fn demo(booking: Booking<Pending>, receipt: PaymentReceipt) {
/// let confirmed: Booking<Confirmed> = booking.confirm(receipt, Utc::now());
/// assert_eq!(confirmed.status(), BookingStatus::Confirmed);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Booking<S: BookingState> {
    /// Shared until written: cloning a booking (into a repository, to an observer) is a
    /// reference-count bump; a transition copies the core only if someone else holds it.
    core: Arc<Core>,
    state: S,
}

impl<S: BookingState> Booking<S> {
    /// The booking's id.
    #[must_use]
    pub fn id(&self) -> BookingId {
        self.core.id
    }

    /// Who booked.
    #[must_use]
    pub fn user(&self) -> UserId {
        self.core.user
    }

    /// The show.
    #[must_use]
    pub fn show(&self) -> ShowId {
        self.core.show
    }

    /// The seats, in request order.
    #[must_use]
    pub fn seats(&self) -> &[SeatId] {
        &self.core.seats
    }

    /// The seat hold (its fencing token) that holds or booked the seats.
    #[must_use]
    pub fn hold(&self) -> HoldId {
        self.core.hold
    }

    /// The price fixed when the seats were held.
    #[must_use]
    pub fn quote(&self) -> &BookingQuote {
        &self.core.quote
    }

    /// The idempotency key of the completion attempt, once one was made.
    #[must_use]
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.core.idempotency_key.as_ref()
    }

    /// The charge, if the booking was ever charged.
    #[must_use]
    pub fn payment(&self) -> Option<&PaymentReceipt> {
        self.core.payment.as_ref()
    }

    /// Refunds owed or paid.
    #[must_use]
    pub fn refunds(&self) -> &[RefundRecord] {
        &self.core.refunds
    }

    /// When the booking was created.
    #[must_use]
    pub fn created_at(&self) -> DateTime<Utc> {
        self.core.created_at
    }

    /// Bumped by every transition; repositories use it for compare-and-set updates.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.core.version
    }

    /// The state's status.
    #[must_use]
    pub fn status(&self) -> BookingStatus {
        S::STATUS
    }

    /// The state's own data.
    #[must_use]
    pub fn state(&self) -> &S {
        &self.state
    }

    /// Converts into the runtime record without cloning.
    #[must_use]
    pub fn into_record(self) -> BookingRecord {
        S::into_record(self)
    }

    /// The typed booking inside `record`, if it is in state `S`.
    #[must_use]
    pub fn from_record(record: BookingRecord) -> Option<Self> {
        S::from_record(record)
    }

    fn into<T: BookingState>(mut self, state: T) -> Booking<T> {
        Arc::make_mut(&mut self.core).version += 1;
        Booking {
            core: self.core,
            state,
        }
    }
}

impl Booking<Pending> {
    /// A new pending booking for seats held by `hold`.
    #[allow(clippy::too_many_arguments)]
    #[must_use]
    pub fn new(
        id: BookingId,
        user: UserId,
        show: ShowId,
        seats: Arc<[SeatId]>,
        hold: HoldId,
        hold_expires_at: DateTime<Utc>,
        quote: Arc<BookingQuote>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Booking {
            core: Arc::new(Core {
                id,
                user,
                show,
                seats,
                hold,
                quote,
                idempotency_key: None,
                payment: None,
                refunds: Vec::new(),
                created_at,
                version: 1,
            }),
            state: Pending { hold_expires_at },
        }
    }

    /// When the seat hold expires (wall-clock estimate, for display; the seat store's
    /// monotonic clock is the authority).
    #[must_use]
    pub fn hold_expires_at(&self) -> DateTime<Utc> {
        self.state.hold_expires_at
    }

    /// Records the idempotency key of a completion attempt.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Self {
        Arc::make_mut(&mut self.core).idempotency_key = Some(key);
        Arc::make_mut(&mut self.core).version += 1;
        self
    }

    /// Swaps in a new hold on the same seats (re-acquired after the old one expired).
    #[must_use]
    pub fn with_hold(mut self, hold: HoldId, hold_expires_at: DateTime<Utc>) -> Self {
        Arc::make_mut(&mut self.core).hold = hold;
        self.state.hold_expires_at = hold_expires_at;
        Arc::make_mut(&mut self.core).version += 1;
        self
    }

    /// Paid and confirmed.
    #[must_use]
    pub fn confirm(mut self, receipt: PaymentReceipt, at: DateTime<Utc>) -> Booking<Confirmed> {
        Arc::make_mut(&mut self.core).payment = Some(receipt);
        self.into(Confirmed { confirmed_at: at })
    }

    /// Cancelled before confirmation (the user gave up, or the payment was declined). The held
    /// seats were released.
    #[must_use]
    pub fn cancel(self, reason: CancelReason, at: DateTime<Utc>) -> Booking<Cancelled> {
        self.into(Cancelled {
            cancelled_at: at,
            reason,
            seats_released: true,
        })
    }

    /// Charged, but cancelled before confirmation (the seats were lost, or the payment's
    /// outcome stayed unknown): the charge and its refund are recorded.
    #[must_use]
    pub fn cancel_charged(
        mut self,
        receipt: Option<PaymentReceipt>,
        refund: RefundRecord,
        reason: CancelReason,
        at: DateTime<Utc>,
    ) -> Booking<Cancelled> {
        Arc::make_mut(&mut self.core).payment = receipt;
        Arc::make_mut(&mut self.core).refunds.push(refund);
        self.cancel(reason, at)
    }

    /// The hold expired before payment.
    #[must_use]
    pub fn expire(self, at: DateTime<Utc>) -> Booking<Expired> {
        self.into(Expired { expired_at: at })
    }
}

impl Booking<Confirmed> {
    /// When it was confirmed.
    #[must_use]
    pub fn confirmed_at(&self) -> DateTime<Utc> {
        self.state.confirmed_at
    }

    /// Cancelled after confirmation, with the refund (if any) the policy allowed.
    #[must_use]
    pub fn cancel(
        mut self,
        refund: Option<RefundRecord>,
        seats_released: bool,
        at: DateTime<Utc>,
    ) -> Booking<Cancelled> {
        Arc::make_mut(&mut self.core).refunds.extend(refund);
        self.into(Cancelled {
            cancelled_at: at,
            reason: CancelReason::UserCancelled,
            seats_released,
        })
    }
}

impl Booking<Cancelled> {
    /// When it was cancelled.
    #[must_use]
    pub fn cancelled_at(&self) -> DateTime<Utc> {
        self.state.cancelled_at
    }

    /// Why.
    #[must_use]
    pub fn reason(&self) -> &CancelReason {
        &self.state.reason
    }

    /// Whether the seats went back on sale.
    #[must_use]
    pub fn seats_released(&self) -> bool {
        self.state.seats_released
    }

    /// Replaces the refund with the same key (a retried refund's new status).
    #[must_use]
    pub fn with_refund(mut self, refund: RefundRecord) -> Self {
        let core = Arc::make_mut(&mut self.core);
        if let Some(slot) = core.refunds.iter_mut().find(|r| r.key == refund.key) {
            *slot = refund;
        } else {
            core.refunds.push(refund);
        }
        core.version += 1;
        self
    }
}

impl Booking<Expired> {
    /// When it expired.
    #[must_use]
    pub fn expired_at(&self) -> DateTime<Utc> {
        self.state.expired_at
    }
}

/// A booking in any state: what repositories store and observers receive.
///
/// # Examples
///
/// ```
/// # use boxoffice::*;
/// # fn demo(booking: Booking<Pending>) {
/// let record = BookingRecord::from(booking);
/// assert_eq!(record.status(), BookingStatus::Pending);
/// let back: Booking<Pending> = record.into_pending().unwrap();
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "status", rename_all = "snake_case"))]
pub enum BookingRecord {
    /// Seats held, not paid.
    Pending(Booking<Pending>),
    /// Paid and confirmed.
    Confirmed(Booking<Confirmed>),
    /// Cancelled.
    Cancelled(Booking<Cancelled>),
    /// Expired before payment.
    Expired(Booking<Expired>),
}

macro_rules! with_booking {
    ($record:expr, |$b:ident| $body:expr) => {
        match $record {
            BookingRecord::Pending($b) => $body,
            BookingRecord::Confirmed($b) => $body,
            BookingRecord::Cancelled($b) => $body,
            BookingRecord::Expired($b) => $body,
        }
    };
}

impl BookingRecord {
    /// The booking's id.
    #[must_use]
    pub fn id(&self) -> BookingId {
        with_booking!(self, |b| b.id())
    }

    /// Who booked.
    #[must_use]
    pub fn user(&self) -> UserId {
        with_booking!(self, |b| b.user())
    }

    /// The show.
    #[must_use]
    pub fn show(&self) -> ShowId {
        with_booking!(self, |b| b.show())
    }

    /// The seats.
    #[must_use]
    pub fn seats(&self) -> &[SeatId] {
        with_booking!(self, |b| b.seats())
    }

    /// The seat hold.
    #[must_use]
    pub fn hold(&self) -> HoldId {
        with_booking!(self, |b| b.hold())
    }

    /// The price fixed at hold time.
    #[must_use]
    pub fn quote(&self) -> &BookingQuote {
        with_booking!(self, |b| b.quote())
    }

    /// The completion attempt's idempotency key.
    #[must_use]
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        with_booking!(self, |b| b.idempotency_key())
    }

    /// The charge, if any.
    #[must_use]
    pub fn payment(&self) -> Option<&PaymentReceipt> {
        with_booking!(self, |b| b.payment())
    }

    /// Refunds owed or paid.
    #[must_use]
    pub fn refunds(&self) -> &[RefundRecord] {
        with_booking!(self, |b| b.refunds())
    }

    /// When it was created.
    #[must_use]
    pub fn created_at(&self) -> DateTime<Utc> {
        with_booking!(self, |b| b.created_at())
    }

    /// The compare-and-set version.
    #[must_use]
    pub fn version(&self) -> u64 {
        with_booking!(self, |b| b.version())
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> BookingStatus {
        with_booking!(self, |b| b.status())
    }

    /// The pending booking, or the record back.
    ///
    /// # Errors
    ///
    /// The record itself when it is not pending.
    #[allow(clippy::result_large_err)] // handing the record back unboxed is the point
    pub fn into_pending(self) -> Result<Booking<Pending>, BookingRecord> {
        match self {
            BookingRecord::Pending(b) => Ok(b),
            other => Err(other),
        }
    }

    /// The confirmed booking, or the record back.
    ///
    /// # Errors
    ///
    /// The record itself when it is not confirmed.
    #[allow(clippy::result_large_err)] // handing the record back unboxed is the point
    pub fn into_confirmed(self) -> Result<Booking<Confirmed>, BookingRecord> {
        match self {
            BookingRecord::Confirmed(b) => Ok(b),
            other => Err(other),
        }
    }

    /// The cancelled booking, or the record back.
    ///
    /// # Errors
    ///
    /// The record itself when it is not cancelled.
    #[allow(clippy::result_large_err)] // handing the record back unboxed is the point
    pub fn into_cancelled(self) -> Result<Booking<Cancelled>, BookingRecord> {
        match self {
            BookingRecord::Cancelled(b) => Ok(b),
            other => Err(other),
        }
    }

    /// Money charged and not (yet) refunded on this booking: the charge minus the refunds
    /// already paid.
    #[must_use]
    pub fn net_paid(&self) -> Option<Money> {
        let charged = self.payment()?.amount();
        let mut refunded = self
            .refunds()
            .iter()
            .filter(|r| r.is_done())
            .map(RefundRecord::amount);
        refunded.try_fold(charged, |left, refund| left.checked_sub(refund).ok())
    }
}
