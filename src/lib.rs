//! boxoffice sells seats without ever selling one twice.
//!
//! It is a pure in-process booking core that cinema chains and event platforms link into their
//! own services. This release has the seat inventory: per-show, all-or-nothing seat holds that
//! expire on the monotonic clock, carry a fencing token and an owner, and resolve exactly once.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use boxoffice::{Clock, HoldPolicy, ManualClock, SeatError, SeatLayout, ShowId, ShowSeatManager, UserId};
//!
//! // A small screen: R regular, P premium, A accessible, C companion, `_` an aisle.
//! let layout = Arc::new(
//!     SeatLayout::builder()
//!         .row("A", "AC_RRRR_CA")
//!         .row("B", "RR_PPPP_RR")
//!         .build()?,
//! );
//! let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
//! let clock = ManualClock::new();
//! let seats = ["B3", "B4"].map(|label| layout.seat_id(label).unwrap());
//! let (alice, bob) = (UserId::new(1), UserId::new(2));
//!
//! let hold = show.hold(alice, &seats, clock.now())?;
//! // Bob wants the same seats: refused, nothing changes.
//! assert!(matches!(show.hold(bob, &seats, clock.now()), Err(SeatError::Unavailable { .. })));
//!
//! clock.advance(Duration::from_secs(120));
//! show.confirm(hold.id(), alice, clock.now())?;
//! assert_eq!(show.seat_map(clock.now()).counts().booked(), 2);
//! println!("{}", show.seat_map(clock.now()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Overview
//!
//! - [`SeatLayout`]: a screen's rows, aisles, seat kinds, accessible and companion seats.
//!   Immutable and shared by every show on that screen.
//! - [`ShowSeatManager`]: one show's seat state behind one `parking_lot` mutex. Holds are
//!   all-or-nothing; each gets a [`HoldId`] that is also a strictly increasing fencing token;
//!   confirm, extend and release check the owner and the token; expiry is exact to the instant.
//! - [`SeatStore`]: the same operations over many shows, the boundary a shared store such as
//!   Redis implements. [`InMemorySeatStore`] is the in-process one.
//! - [`Clock`]: time is injected. The core never reads a clock; it takes `now: Instant`.
//!   [`ManualClock`] drives tests and simulations.
//!
//! # What it does not do
//!
//! - No I/O and no threads of its own: the host calls [`ShowSeatManager::expire_due`] when
//!   [`ShowSeatManager::next_expiry`] says so.
//! - No wall-clock time for holds: wall clocks jump; holds expire on the monotonic clock only.
//!
//! # Crate features
//!
//! - `serde`: `Serialize`/`Deserialize` for ids, statuses and value types.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod booking;
mod cancellation;
mod clock;
mod fxhash;
mod id;
mod inventory;
mod layout;
mod money;
mod observer;
mod payment;
mod pricing;
mod repository;
mod service;
mod show;
mod store;

pub use booking::{
    Booking, BookingQuote, BookingRecord, BookingState, BookingStatus, CancelReason, Cancelled,
    Confirmed, Expired, IDEMPOTENCY_KEY_LEN_MAX, IdempotencyKey, InvalidIdempotencyKey,
    PaymentReceipt, Pending, RefundRecord, RefundStatus, SeatQuote,
};
pub use cancellation::{
    CANCELLATION_TIERS_MAX, CancellationDecision, CancellationPolicy, InvalidCancellationPolicy,
    TieredCancellationPolicy,
};
pub use money::{Currency, Money, MoneyError};
pub use observer::{
    BookingEvent, BookingObserver, DeliveryReport, OBSERVERS_MAX, ObserverError, Outbox,
    OutboxConfig, OutboxStats,
};
pub use payment::{
    ChargeOutcome, ChargeRequest, InMemoryPaymentGateway, PaymentGateway, PaymentMethod,
    RefundOutcome, RefundRequest, SCRIPT_LEN_MAX, ScriptedCharge, VoidOutcome,
};
pub use pricing::{
    ConvenienceFee, FlatDayOverride, HOLIDAY_DATES_MAX, HolidayPricing, MULTIPLIER_MAX,
    NewReleasePricing, PeakHourPricing, PriceCap, PriceDraft, PriceLine, PriceLineKind, PriceQuote,
    PricingError, PricingStrategy, SeatKindPricing, WeekendPricing,
};
pub use repository::{
    BookingRepository, IN_MEMORY_BOOKINGS_MAX, InMemoryBookingRepository, RepositoryError,
};
pub use service::{
    AdapterError, BookingError, BookingService, BookingServiceBuilder, DeliveryMode, ExpirySweep,
    Rejection, SERVICE_SHOWS_MAX, ServiceConfig,
};
pub use show::{ShowInfo, ShowInfoBuilder};

pub use clock::{Clock, ManualClock, SystemClock};
pub use id::{
    BookingId, CityId, FencingToken, HoldId, MovieId, ParseIdError, ScreenId, SeatId, ShowId,
    TheaterId, UserId,
};
pub use inventory::{
    Confirmation, ExpiredHold, HOLD_LIFETIME_LIMIT, HOLD_TTL_LIMIT, Hold, HoldPolicy,
    HoldPolicyBuilder, HoldState, InventoryStats, LIVE_HOLDS_LIMIT, PolicyError,
    RESOLVED_HOLDS_RETAINED_LIMIT, SEATS_PER_HOLD_LIMIT, SeatConflict, SeatCounts, SeatError,
    SeatMap, SeatMapError, SeatStatus, ShowSeatManager,
};
pub use layout::{
    LAYOUT_ROWS_MAX, LAYOUT_SEATS_MAX, LayoutError, ROW_CELLS_MAX, ROW_LABEL_LEN_MAX, Row, Seat,
    SeatKind, SeatLabel, SeatLayout, SeatLayoutBuilder,
};
pub use store::{IN_MEMORY_SHOWS_MAX, InMemorySeatStore, SeatStore, StoreError};

/// The README's code blocks, compiled and run as doc tests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
