//! boxoffice sells seats without ever selling one twice.
//!
//! It is a pure in-process booking core that cinema chains and event platforms link into their
//! own services: seat layouts, a per-show seat inventory with fenced, expiring, all-or-nothing
//! holds, itemised pricing, typestate bookings, and a booking service over payment and
//! repository adapters that the host supplies (in-memory ones ship with the crate).
//!
//! ```
//! use std::sync::Arc;
//! use boxoffice::*;
//! use chrono::{FixedOffset, TimeDelta};
//!
//! // A screen (R regular, P premium, `_` aisle) and a show on it, three days from now.
//! let layout = Arc::new(SeatLayout::builder().row("A", "RR_RRRR_RR").row("B", "RR_PPPP_RR").build()?);
//! let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
//! store.add_show(ShowId::new(1), layout.clone())?;
//! let clock = Arc::new(ManualClock::new());
//! let eur = |s| Money::parse(s, Currency::EUR);
//! let pricing = SeatKindPricing::new(eur("10.00")?)?.with_kind(SeatKind::Premium, eur("12.50")?)?;
//! let service = BookingService::builder(
//!     store.clone(),
//!     InMemoryPaymentGateway::new(),
//!     InMemoryBookingRepository::new(),
//!     clock.clone(),
//! )
//! .build(pricing);
//! let starts = clock.wall_now() + TimeDelta::days(3);
//! service.add_show(ShowInfo::builder(ShowId::new(1), starts, FixedOffset::east_opt(0).unwrap(), Currency::EUR).build())?;
//!
//! // Alice holds two premium seats; the price is fixed now, with a breakdown.
//! let (alice, bob) = (UserId::new(1), UserId::new(2));
//! let seats = [layout.seat_id("B3").unwrap(), layout.seat_id("B4").unwrap()];
//! let pending = service.start_booking(alice, ShowId::new(1), &seats)?;
//! assert_eq!(pending.quote().total(), eur("25.00")?);
//!
//! // Bob cannot take them; Alice pays once, even if she clicks twice.
//! assert!(service.start_booking(bob, ShowId::new(1), &seats).is_err());
//! let key: IdempotencyKey = "alice-1".parse()?;
//! let confirmed = service.complete_booking(pending.id(), alice, PaymentMethod::new("tok"), key.clone())?;
//! let again = service.complete_booking(pending.id(), alice, PaymentMethod::new("tok"), key)?;
//! assert_eq!(confirmed, again);
//! assert_eq!(store.seat_map(ShowId::new(1), clock.now())?.counts().booked(), 2);
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
//! - [`Money`] and [`PricingStrategy`]: decorators ([`WeekendPricing`], [`PeakHourPricing`],
//!   [`HolidayPricing`], [`NewReleasePricing`], [`ConvenienceFee`], [`PriceCap`],
//!   [`FlatDayOverride`]) settled in a documented order into an itemised [`PriceQuote`].
//! - [`Booking`]: a typestate (`Booking<Pending>` → `Confirmed` / `Cancelled` / `Expired`)
//!   whose illegal transitions do not compile, and [`BookingRecord`] for storage.
//! - [`BookingService`]: start, complete (idempotent, payment-failure safe), cancel (under a
//!   [`CancellationPolicy`]), expire, history. Adapters: [`PaymentGateway`],
//!   [`BookingRepository`], [`BookingObserver`] (through a bounded, retrying [`Outbox`]).
//! - [`Clock`]: time is injected. The core never reads a clock; it takes `now: Instant`.
//!   [`ManualClock`] drives tests and simulations.
//!
//! # What it does not do
//!
//! - No I/O and no threads of its own: the host calls [`BookingService::expire_due`] and
//!   [`BookingService::deliver_notifications`] on its own timers
//!   ([`ShowSeatManager::next_expiry`] and [`BookingService::next_notification_due`] say when).
//! - No wall-clock time for holds: wall clocks jump; holds expire on the monotonic clock only.
//! - No time-zone database: a show carries the UTC offset in force at its start.
//!
//! # Crate features
//!
//! - `serde`: `Serialize`/`Deserialize` for ids, statuses, money, quotes and booking records.
//! - `redis`: `RedisSeatStore`, the seat store on a shared Redis (atomic Lua scripts, TTL
//!   expiry, fencing tokens), for many service instances.
//! - `postgres`: `PostgresBookingRepository`, bookings in PostgreSQL with embedded migrations
//!   and a unique index that refuses a second sale of a seat (implies `serde`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod best_available;
mod booking;
mod cancellation;
mod catalog;
mod clock;
mod fxhash;
mod id;
mod inventory;
mod layout;
mod money;
mod observer;
mod payment;
#[cfg(feature = "postgres")]
mod postgres_repo;
mod pricing;
#[cfg(feature = "redis")]
mod redis_store;
mod repository;
mod service;
mod show;
mod store;
mod sync;

pub use best_available::{
    BEST_AVAILABLE_SEATS_MAX, BestAvailableError, BestAvailableRequest, FocalPoint, Selection,
    SelectionRung, best_available, orphans_left_by,
};
pub use booking::{
    Booking, BookingQuote, BookingRecord, BookingState, BookingStatus, CancelReason, Cancelled,
    Confirmed, Expired, IDEMPOTENCY_KEY_LEN_MAX, IdempotencyKey, InvalidIdempotencyKey,
    PaymentReceipt, Pending, RefundRecord, RefundStatus, SeatQuote,
};
pub use cancellation::{
    CANCELLATION_TIERS_MAX, CancellationDecision, CancellationPolicy, InvalidCancellationPolicy,
    TieredCancellationPolicy,
};
pub use catalog::{
    AUTO_SCHEDULE_MOVIES_MAX, CATALOG_ENTITIES_MAX, CATALOG_SHOWS_MAX, Catalog, CatalogError, City,
    DemandCurve, GENRES_MAX, Movie, MovieSpec, NAME_LEN_MAX, PlannedShow, RUNTIME_MAX,
    RuntimeConflict, ScheduleOverride, ScheduleWarning, Screen, Show, ShowFilter, ShowListing,
    ShowSpec, TIMING_MAX, Theater, TheaterListing, TheaterSpec, Timings,
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
#[cfg(feature = "postgres")]
pub use postgres_repo::{POSTGRES_IDLE_CONNECTIONS_MAX, PostgresBookingRepository};
pub use pricing::{
    ConvenienceFee, FlatDayOverride, HOLIDAY_DATES_MAX, HolidayPricing, MULTIPLIER_MAX,
    NewReleasePricing, PeakHourPricing, PriceCap, PriceDraft, PriceLine, PriceLineKind, PriceQuote,
    PricingError, PricingStrategy, SeatKindPricing, WeekendPricing,
};
#[cfg(feature = "redis")]
pub use redis_store::{
    REDIS_IDLE_CONNECTIONS_MAX, REDIS_RESOLVED_RETENTION, REDIS_SWEEP_MAX, RedisSeatStore,
};
pub use repository::{
    BookingRepository, IN_MEMORY_BOOKINGS_MAX, InMemoryBookingRepository, RepositoryError,
};
pub use service::{
    AdapterError, BookingError, BookingService, BookingServiceBuilder, DeliveryMode, ExpirySweep,
    FOREIGN_EXPIRY_BATCH, FOREIGN_EXPIRY_GRACE, Rejection, SERVICE_SHOWS_MAX, ServiceConfig,
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
pub use store::{
    BEST_AVAILABLE_ATTEMPTS, IN_MEMORY_SHOWS_MAX, InMemorySeatStore, SeatStore, StoreError,
};

/// The README's code blocks, compiled and run as doc tests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

// The types hosts share across threads are `Send + Sync` (checked at compile time).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<ShowSeatManager>();
    send_sync::<InMemorySeatStore>();
    send_sync::<Catalog>();
    send_sync::<Outbox>();
    send_sync::<InMemoryPaymentGateway>();
    send_sync::<InMemoryBookingRepository>();
    send_sync::<
        BookingService<
            std::sync::Arc<InMemorySeatStore>,
            InMemoryPaymentGateway,
            InMemoryBookingRepository,
            SystemClock,
        >,
    >();
    send_sync::<SeatMap>();
    send_sync::<BookingRecord>();
    #[cfg(feature = "redis")]
    send_sync::<RedisSeatStore>();
    #[cfg(feature = "postgres")]
    send_sync::<PostgresBookingRepository>();
};
