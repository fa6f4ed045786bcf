//! The seat inventory: one [`ShowSeatManager`] per show, one mutex around its state.
//!
//! # Invariants
//!
//! Checked by `check_invariants` after every mutation in debug builds (and by the tests):
//!
//! 1. `available + held + booked + blocked == capacity`, and the counters match the statuses.
//! 2. Every held seat belongs to exactly one live hold, whose token is stored with the seat.
//! 3. Every seat of a live hold is held with that hold's token (so a seat is in at most one
//!    live hold).
//! 4. No live hold's expiry is at or before the latest `now` the manager has seen.
//! 5. Every booked seat carries the token of a confirmed hold that lists it.
//! 6. The per-user seat counts equal the seats in each user's live and confirmed holds.
//!
//! Booked seats change only through [`ShowSeatManager::release_booked`].

mod error;
mod policy;
mod seat_map;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::RwLock;

use crate::sync::{Mutex, MutexGuard};

pub use error::{SeatConflict, SeatError};
pub use policy::{
    HOLD_LIFETIME_LIMIT, HOLD_TTL_LIMIT, HoldPolicy, HoldPolicyBuilder, LIVE_HOLDS_LIMIT,
    PolicyError, RESOLVED_HOLDS_RETAINED_LIMIT, SEATS_PER_HOLD_LIMIT,
};
pub use seat_map::{SeatCounts, SeatMap, SeatMapError, SeatStatus};

use crate::best_available::{BestAvailableRequest, Selection};
use crate::fxhash::FxHashMap;
use crate::id::{FencingToken, HoldId, SeatId, ShowId, UserId};
use crate::layout::SeatLayout;

/// A live hold on seats, as returned by [`ShowSeatManager::hold`] and
/// [`ShowSeatManager::extend`]. It is a receipt: it stays valid to read after the hold ends.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use boxoffice::{HoldPolicy, SeatLayout, ShowId, ShowSeatManager, UserId};
///
/// let layout = Arc::new(SeatLayout::grid(1, 4)?);
/// let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
/// let now = Instant::now();
/// let hold = show.hold(UserId::new(7), &[layout.seat_id("A1").unwrap()], now)?;
/// assert_eq!(hold.owner(), UserId::new(7));
/// assert_eq!(hold.expires_at() - now, Duration::from_secs(600));
/// assert!(hold.is_expired_at(now + Duration::from_secs(600)), "expiry is exact to the instant");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    id: HoldId,
    owner: UserId,
    seats: Arc<[SeatId]>,
    created_at: Instant,
    expires_at: Instant,
}

impl Hold {
    /// Builds a hold receipt; for seat stores other than the in-memory manager.
    #[must_use]
    pub fn new(
        id: HoldId,
        owner: UserId,
        seats: Arc<[SeatId]>,
        created_at: Instant,
        expires_at: Instant,
    ) -> Self {
        Hold {
            id,
            owner,
            seats,
            created_at,
            expires_at,
        }
    }

    /// The hold's id, which is also its fencing token.
    #[must_use]
    pub fn id(&self) -> HoldId {
        self.id
    }

    /// Who holds the seats.
    #[must_use]
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// The held seats, in request order.
    #[must_use]
    pub fn seats(&self) -> &Arc<[SeatId]> {
        &self.seats
    }

    /// When the hold was created.
    #[must_use]
    pub fn created_at(&self) -> Instant {
        self.created_at
    }

    /// The instant the hold expires. At this instant and after, it can no longer confirm.
    #[must_use]
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// Whether the hold has expired at `now` (`now >= expires_at`).
    #[must_use]
    pub fn is_expired_at(&self, now: Instant) -> bool {
        now >= self.expires_at
    }
}

/// A hold that was confirmed: its seats are now booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    hold: HoldId,
    owner: UserId,
    seats: Arc<[SeatId]>,
}

impl Confirmation {
    /// Builds a confirmation; for seat stores other than the in-memory manager.
    #[must_use]
    pub fn new(hold: HoldId, owner: UserId, seats: Arc<[SeatId]>) -> Self {
        Confirmation { hold, owner, seats }
    }

    /// The confirmed hold.
    #[must_use]
    pub fn hold(&self) -> HoldId {
        self.hold
    }

    /// Who owns the booked seats.
    #[must_use]
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// The booked seats.
    #[must_use]
    pub fn seats(&self) -> &Arc<[SeatId]> {
        &self.seats
    }
}

/// A hold that expired, as reported by [`ShowSeatManager::expire_due`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredHold {
    hold: HoldId,
    owner: UserId,
    seats: Arc<[SeatId]>,
    expired_at: Instant,
}

impl ExpiredHold {
    /// Builds an expiry report; for seat stores other than the in-memory manager.
    #[must_use]
    pub fn new(hold: HoldId, owner: UserId, seats: Arc<[SeatId]>, expired_at: Instant) -> Self {
        ExpiredHold {
            hold,
            owner,
            seats,
            expired_at,
        }
    }

    /// The expired hold.
    #[must_use]
    pub fn hold(&self) -> HoldId {
        self.hold
    }

    /// Who held it.
    #[must_use]
    pub fn owner(&self) -> UserId {
        self.owner
    }

    /// The seats it held, now available again.
    #[must_use]
    pub fn seats(&self) -> &Arc<[SeatId]> {
        &self.seats
    }

    /// Its expiry instant.
    #[must_use]
    pub fn expired_at(&self) -> Instant {
        self.expired_at
    }
}

/// Where a hold is in its life. A hold leaves `Live` exactly once.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Instant;
/// use boxoffice::{HoldPolicy, HoldState, SeatLayout, ShowId, ShowSeatManager, UserId};
///
/// let layout = Arc::new(SeatLayout::grid(1, 4)?);
/// let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
/// let now = Instant::now();
/// let hold = show.hold(UserId::new(7), &[layout.seat_id("A1").unwrap()], now)?;
/// assert_eq!(show.hold_state(hold.id()), Some(HoldState::Live));
/// show.release(hold.id(), UserId::new(7), now)?;
/// assert_eq!(show.hold_state(hold.id()), Some(HoldState::Released));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum HoldState {
    /// Holding seats until it expires.
    Live,
    /// Confirmed: its seats are booked.
    Confirmed,
    /// Released by its owner before expiry.
    Released,
    /// Expired before it was confirmed or released.
    Expired,
    /// Confirmed, then its booked seats were released back to sale.
    Returned,
}

/// Counters describing a manager's internal tables, for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InventoryStats {
    /// Live holds.
    pub live_holds: u32,
    /// Hold records remembered (live, confirmed and retained resolved ones).
    pub hold_records: usize,
    /// Entries in the expiry queue, including ones made stale by confirm, release or extend.
    pub expiry_queue_len: usize,
    /// Expiry reports waiting for [`ShowSeatManager::expire_due`].
    pub expiry_reports_pending: usize,
    /// Expiry reports dropped because more than `live_holds_max` were waiting.
    pub expiry_reports_dropped: u64,
    /// The show's change counter.
    pub version: u64,
    /// Bytes of per-seat state (status and token arrays), excluding hold records: nine bytes a
    /// seat.
    pub seat_state_bytes: usize,
}

#[derive(Debug)]
struct HoldRecord {
    owner: UserId,
    seats: Arc<[SeatId]>,
    created_at: Instant,
    expires_at: Instant,
    state: HoldState,
}

#[derive(Debug)]
struct State {
    /// One status per seat: one byte.
    status: Vec<SeatStatus>,
    /// The token of the hold that holds or booked each seat, 0 for none: eight bytes.
    token: Vec<u64>,
    counts: SeatCounts,
    holds: FxHashMap<u64, HoldRecord>,
    live_holds: u32,
    /// Min-queue of `(expires_at, token)`. Entries go stale when their hold leaves `Live` or is
    /// extended; stale entries are skipped when popped and purged when they outnumber live ones.
    expiry: BinaryHeap<Reverse<(Instant, u64)>>,
    expiry_stale: usize,
    /// Tokens of released, expired and returned holds, oldest first; trimmed to the policy's
    /// `resolved_holds_retained`.
    resolved: VecDeque<u64>,
    expired_reports: VecDeque<ExpiredHold>,
    expiry_reports_dropped: u64,
    /// Seats per user in live and confirmed holds. Entries at zero are removed.
    per_user: FxHashMap<UserId, u32>,
    last_token: u64,
    /// The bound on `expired_reports`: the policy's `live_holds_max`.
    reports_max: usize,
    /// The bound on `resolved`: the policy's `resolved_holds_retained`.
    retained_max: usize,
    /// The expiry-queue head whose instant was last published to readers.
    published_head: Option<(Instant, u64)>,
    /// The latest `now` seen; time never runs backwards inside the manager.
    now_high_water: Option<Instant>,
    version: u64,
}

/// The seat inventory of one show: all-or-nothing, expiring, fenced holds behind one
/// `parking_lot` mutex.
///
/// Time is an argument (`now`), never read inside, so the manager is deterministic and a test
/// can drive it with a [`ManualClock`](crate::ManualClock). Time never runs backwards inside
/// the manager: a `now` earlier than one already seen is treated as the later one.
///
/// Expiry is enforced on every call: before doing anything else, each operation expires the
/// holds that are due. The cost of that grows with the number of holds that expired, not with
/// the number of live ones. [`expire_due`](Self::expire_due) reports what expired and
/// [`next_expiry`](Self::next_expiry) says when to call back.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use boxoffice::{HoldPolicy, SeatError, SeatLayout, ShowId, ShowSeatManager, UserId};
///
/// let layout = Arc::new(SeatLayout::builder().row("A", "RRRR_RRRR").build()?);
/// let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
/// let (alice, bob) = (UserId::new(1), UserId::new(2));
/// let a5 = layout.seat_id("A5").unwrap();
/// let a6 = layout.seat_id("A6").unwrap();
/// let now = Instant::now();
///
/// let hold = show.hold(alice, &[a5, a6], now)?;
/// // Bob cannot take a seat Alice holds, and nothing changes for him.
/// assert!(matches!(show.hold(bob, &[a6], now), Err(SeatError::Unavailable { .. })));
/// // Only Alice can confirm, and only before the hold expires.
/// assert!(matches!(show.confirm(hold.id(), bob, now), Err(SeatError::NotOwner { .. })));
/// show.confirm(hold.id(), alice, now + Duration::from_secs(60))?;
/// assert_eq!(show.seat_map(now).counts().booked(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ShowSeatManager {
    show: ShowId,
    layout: Arc<SeatLayout>,
    policy: HoldPolicy,
    state: Mutex<Padded<State>>,
    read: ReadPath,
}

/// Keeps the seat state off the cache line of the lock word: threads waiting for the lock spin
/// on that line, and would otherwise steal it from the holder on every write to the state.
#[derive(Debug)]
#[repr(align(128))]
struct Padded<T>(T);

/// The lock-free-for-readers side of a manager: the last published seat map, plus what a
/// reader needs to know whether it is still current (the version, and the earliest queued
/// expiry, as nanoseconds after `origin`).
#[derive(Debug)]
struct ReadPath {
    /// Set by the first `snapshot` call; until then writers skip the publication entirely.
    readers: AtomicBool,
    published: RwLock<Arc<SeatMap>>,
    version: AtomicU64,
    expiry_hint_ns: AtomicU64,
    origin: OnceLock<Instant>,
}

impl ReadPath {
    fn nanos_since_origin(&self, at: Instant) -> Option<u64> {
        let origin = self.origin.get()?;
        Some(
            at.checked_duration_since(*origin)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        )
    }
}

/// The state lock; on release it publishes the version and the earliest expiry for readers.
struct Locked<'a> {
    guard: MutexGuard<'a, Padded<State>>,
    read: &'a ReadPath,
}

impl std::ops::Deref for Locked<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        &self.guard.0
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard.0
    }
}

impl Drop for Locked<'_> {
    #[inline]
    fn drop(&mut self) {
        let read = self.read;
        // No reader yet: nothing to publish. The mutex orders this load after the first
        // reader's store, and that reader rebuilds under the lock, so nothing is missed.
        if !read.readers.load(Ordering::Relaxed) {
            return;
        }
        let state = &mut self.guard.0;
        if let Some(seen) = state.now_high_water
            && read.origin.get().is_none()
        {
            let _ = read.origin.set(seen);
        }
        // Recompute the hint only when the queue's head changed (most holds and confirms leave
        // it alone). A stale head can only make the hint early: readers then take the slow path.
        let head = state.expiry.peek().map(|Reverse(entry)| *entry);
        if head != state.published_head {
            state.published_head = head;
            let hint = head
                .and_then(|(at, _)| read.nanos_since_origin(at))
                .unwrap_or(u64::MAX);
            read.expiry_hint_ns.store(hint, Ordering::Release);
        }
        read.version.store(state.version, Ordering::Release);
    }
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ShowSeatManager>();
};

/// Purge stale expiry entries once the queue holds more than this many and over half are stale.
const EXPIRY_QUEUE_PURGE_MIN: usize = 1_024;

impl ShowSeatManager {
    /// A manager for `show` with every seat of `layout` available.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, ShowId, ShowSeatManager};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(2, 5)?), HoldPolicy::default());
    /// assert_eq!(show.seat_map(Instant::now()).counts().available(), 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(show: ShowId, layout: Arc<SeatLayout>, policy: HoldPolicy) -> Self {
        let capacity = layout.capacity();
        let state = State {
            status: vec![SeatStatus::Available; capacity],
            token: vec![0; capacity],
            counts: SeatCounts {
                // Layout capacity is at most LAYOUT_SEATS_MAX (200,000), so it fits a u32.
                available: capacity as u32,
                ..SeatCounts::default()
            },
            holds: FxHashMap::default(),
            live_holds: 0,
            expiry: BinaryHeap::new(),
            expiry_stale: 0,
            resolved: VecDeque::new(),
            expired_reports: VecDeque::new(),
            expiry_reports_dropped: 0,
            per_user: FxHashMap::default(),
            last_token: 0,
            reports_max: policy.live_holds_max() as usize,
            retained_max: policy.resolved_holds_retained() as usize,
            now_high_water: None,
            published_head: None,
            version: 0,
        };
        let initial = SeatMap {
            show,
            layout: layout.clone(),
            statuses: state.status.clone(),
            counts: state.counts,
            version: 0,
        };
        ShowSeatManager {
            show,
            layout,
            policy,
            state: Mutex::new(Padded(state)),
            read: ReadPath {
                readers: AtomicBool::new(false),
                published: RwLock::new(Arc::new(initial)),
                // "Unknown" until a writer publishes after the first reader: no false match.
                version: AtomicU64::new(u64::MAX),
                expiry_hint_ns: AtomicU64::new(u64::MAX),
                origin: OnceLock::new(),
            },
        }
    }

    /// The show this manager belongs to.
    #[must_use]
    pub fn show(&self) -> ShowId {
        self.show
    }

    /// The show's seat layout.
    #[must_use]
    pub fn layout(&self) -> &Arc<SeatLayout> {
        &self.layout
    }

    /// The policy this manager enforces.
    #[must_use]
    pub fn policy(&self) -> &HoldPolicy {
        &self.policy
    }

    /// Holds `seats` for `owner`, all or nothing, until `now + hold_ttl`.
    ///
    /// The request is validated before the lock is taken; the lock covers only the
    /// availability check and the state change.
    ///
    /// # Errors
    ///
    /// Nothing changes when any of these is returned:
    /// - [`SeatError::EmptyRequest`], [`SeatError::TooManySeats`],
    ///   [`SeatError::DuplicateSeat`], [`SeatError::UnknownSeat`]: a malformed request;
    /// - [`SeatError::UserLimit`]: the user's live holds and bookings in this show plus this
    ///   request would pass `seats_per_user_max`;
    /// - [`SeatError::TooManyHolds`]: the show already has `live_holds_max` live holds;
    /// - [`SeatError::Unavailable`]: some seats are held, booked or blocked; the error lists
    ///   every one of them and whether each may free up;
    /// - [`SeatError::TimeOverflow`]: `now + hold_ttl` does not fit in an `Instant`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatError, SeatLayout, SeatStatus, ShowId, ShowSeatManager, UserId};
    ///
    /// let layout = Arc::new(SeatLayout::grid(1, 4)?);
    /// let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
    /// let seat = |label| layout.seat_id(label).unwrap();
    /// let now = Instant::now();
    /// show.hold(UserId::new(1), &[seat("A2")], now)?;
    ///
    /// // A1 is free but A2 is not: nothing is held, and the error says why.
    /// let Err(SeatError::Unavailable { conflicts }) = show.hold(UserId::new(2), &[seat("A1"), seat("A2")], now) else {
    ///     panic!("expected a conflict");
    /// };
    /// assert_eq!(conflicts.len(), 1);
    /// assert_eq!(conflicts[0].seat(), seat("A2"));
    /// assert!(conflicts[0].may_free_up());
    /// assert_eq!(show.seat_map(now).status(seat("A1")), Some(SeatStatus::Available));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hold(&self, owner: UserId, seats: &[SeatId], now: Instant) -> Result<Hold, SeatError> {
        validate_seats(
            &self.layout,
            seats,
            usize::from(self.policy.seats_per_hold_max()),
        )?;
        // Allocate outside the lock; the record and the receipt share this one allocation.
        let seats: Arc<[SeatId]> = Arc::from(seats);
        let (mut state, now) = self.lock_at(now);
        self.hold_locked(&mut state, owner, seats, now)
    }

    /// Chooses the best available seats for `request` **and holds them**, under one lock
    /// acquisition, so no other buyer can take the chosen seats in between (never "suggest,
    /// then hold and hope"). See [`best_available`](crate::best_available) for the ladder.
    ///
    /// # Errors
    ///
    /// [`SeatError::BestAvailable`] when no seats fit the request; otherwise the errors of
    /// [`hold`](Self::hold) (per-hold, per-user and live-hold limits). Nothing changes on
    /// error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{BestAvailableRequest, HoldPolicy, SeatLayout, ShowId, ShowSeatManager, UserId};
    ///
    /// let layout = Arc::new(SeatLayout::grid(10, 12)?);
    /// let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
    /// let (hold, selection) = show.hold_best_available(UserId::new(1), &BestAvailableRequest::new(4), Instant::now())?;
    /// assert!(selection.is_contiguous());
    /// let labels: Vec<String> = hold.seats().iter().map(|s| layout.label(*s).unwrap().to_string()).collect();
    /// assert_eq!(labels, ["G5", "G6", "G7", "G8"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hold_best_available(
        &self,
        owner: UserId,
        request: &BestAvailableRequest,
        now: Instant,
    ) -> Result<(Hold, Selection), SeatError> {
        crate::best_available::validate_request(request)?;
        if request.count() > self.policy.seats_per_hold_max() {
            return Err(SeatError::TooManySeats {
                requested: usize::from(request.count()),
                max: usize::from(self.policy.seats_per_hold_max()),
            });
        }
        let (mut state, now) = self.lock_at(now);
        let selection =
            crate::best_available::best_available(&self.layout, &state.status, request)?;
        let seats: Arc<[SeatId]> = Arc::from(selection.seats());
        let hold = self.hold_locked(&mut state, owner, seats, now)?;
        Ok((hold, selection))
    }

    /// The checks and writes of a hold, with the lock held and expiry done.
    fn hold_locked(
        &self,
        state: &mut State,
        owner: UserId,
        seats: Arc<[SeatId]>,
        now: Instant,
    ) -> Result<Hold, SeatError> {
        let requested = seats.len();
        let current = state.per_user.get(&owner).copied().unwrap_or(0);
        if current as usize + requested > self.policy.seats_per_user_max() as usize {
            return Err(SeatError::UserLimit {
                user: owner,
                requested,
                current,
                max: self.policy.seats_per_user_max(),
            });
        }
        if state.live_holds >= self.policy.live_holds_max() {
            return Err(SeatError::TooManyHolds {
                max: self.policy.live_holds_max(),
            });
        }
        if let Some(conflicts) = state.conflicts(&seats) {
            return Err(SeatError::Unavailable { conflicts });
        }
        let expires_at = now
            .checked_add(self.policy.hold_ttl())
            .ok_or(SeatError::TimeOverflow)?;
        state.last_token += 1;
        let token = state.last_token;
        for &seat in seats.iter() {
            state.status[seat.as_usize()] = SeatStatus::Held;
            state.token[seat.as_usize()] = token;
        }
        // `requested` is at most SEATS_PER_HOLD_LIMIT (256).
        state.counts.available -= requested as u32;
        state.counts.held += requested as u32;
        *state.per_user.entry(owner).or_insert(0) += requested as u32;
        state.live_holds += 1;
        state.holds.insert(
            token,
            HoldRecord {
                owner,
                seats: seats.clone(),
                created_at: now,
                expires_at,
                state: HoldState::Live,
            },
        );
        state.expiry.push(Reverse((expires_at, token)));
        state.version += 1;
        state.debug_check(&self.layout);
        Ok(Hold {
            id: self.hold_id(token),
            owner,
            seats,
            created_at: now,
            expires_at,
        })
    }

    /// Pushes a live hold's expiry to `now + hold_ttl`, but never past
    /// `created_at + hold_lifetime_max`.
    ///
    /// # Errors
    ///
    /// Nothing changes when any of these is returned:
    /// - [`SeatError::WrongShow`], [`SeatError::UnknownHold`], [`SeatError::NotOwner`];
    /// - [`SeatError::Expired`], [`SeatError::AlreadyConfirmed`],
    ///   [`SeatError::AlreadyReleased`], [`SeatError::AlreadyReturned`]: the hold is no
    ///   longer live;
    /// - [`SeatError::LifetimeExhausted`]: the hold's expiry already is
    ///   `created_at + hold_lifetime_max`.
    ///
    /// Extending at the instant of the last extension changes nothing and succeeds.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, Instant};
    /// use boxoffice::{HoldPolicy, SeatError, SeatLayout, ShowId, ShowSeatManager, UserId};
    ///
    /// let policy = HoldPolicy::builder()
    ///     .hold_ttl(Duration::from_secs(600))
    ///     .hold_lifetime_max(Duration::from_secs(900))
    ///     .build()?;
    /// let layout = Arc::new(SeatLayout::grid(1, 4)?);
    /// let show = ShowSeatManager::new(ShowId::new(1), layout, policy);
    /// let (user, t0) = (UserId::new(1), Instant::now());
    /// let hold = show.hold(user, &[boxoffice::SeatId::new(0)], t0)?;
    /// let extended = show.extend(hold.id(), user, t0 + Duration::from_secs(500))?;
    /// assert_eq!(extended.expires_at(), t0 + Duration::from_secs(900), "capped by the lifetime");
    /// assert!(matches!(
    ///     show.extend(hold.id(), user, t0 + Duration::from_secs(800)),
    ///     Err(SeatError::LifetimeExhausted { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn extend(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, SeatError> {
        let (mut state, now) = self.lock_at(now);
        let state = &mut *state;
        let token = hold.token().get();
        let record = self.live_record(&mut state.holds, hold, owner)?;
        let expires_at_max = record
            .created_at
            .checked_add(self.policy.hold_lifetime_max())
            .ok_or(SeatError::TimeOverflow)?;
        let wanted = now
            .checked_add(self.policy.hold_ttl())
            .ok_or(SeatError::TimeOverflow)?;
        if record.expires_at >= expires_at_max {
            return Err(SeatError::LifetimeExhausted {
                hold,
                expires_at_max,
            });
        }
        let expires_at = wanted.min(expires_at_max);
        let moved = expires_at > record.expires_at;
        if moved {
            record.expires_at = expires_at;
        }
        let receipt = Hold {
            id: hold,
            owner,
            seats: record.seats.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
        };
        if moved {
            state.expiry.push(Reverse((expires_at, token)));
            state.expiry_stale += 1;
            state.purge_expiry_if_stale();
        }
        state.debug_check(&self.layout);
        Ok(receipt)
    }

    /// The live hold `hold` at `now`, after expiring what is due: a way to ask "may I still
    /// confirm?" before doing something expensive (charging a card). It changes nothing else.
    ///
    /// # Errors
    ///
    /// The same as [`confirm`](Self::confirm): the hold is not live, not this show's, or not
    /// the caller's.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatError, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let (user, now) = (UserId::new(1), Instant::now());
    /// let hold = show.hold(user, &[SeatId::new(0)], now)?;
    /// assert_eq!(show.live_hold(hold.id(), user, now)?, hold);
    /// assert!(matches!(show.live_hold(hold.id(), user, hold.expires_at()), Err(SeatError::Expired { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn live_hold(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, SeatError> {
        let (mut state, _) = self.lock_at(now);
        let record = self.live_record(&mut state.holds, hold, owner)?;
        Ok(Hold {
            id: hold,
            owner,
            seats: record.seats.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
        })
    }

    /// Confirms a live hold: its seats become booked. A hold resolves exactly once.
    ///
    /// # Errors
    ///
    /// Nothing changes when any of these is returned:
    /// - [`SeatError::Expired`]: `now` is at or after the hold's expiry, exact to the instant;
    /// - [`SeatError::AlreadyConfirmed`], [`SeatError::AlreadyReleased`],
    ///   [`SeatError::AlreadyReturned`]: it was resolved before;
    /// - [`SeatError::UnknownHold`], [`SeatError::WrongShow`]: not a hold of this show (or
    ///   one forgotten long ago);
    /// - [`SeatError::NotOwner`]: the caller does not own it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::{Duration, Instant};
    /// use boxoffice::{HoldPolicy, SeatError, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let (user, t0) = (UserId::new(1), Instant::now());
    /// let hold = show.hold(user, &[SeatId::new(0)], t0)?;
    /// // One instant too late is too late.
    /// let err = show.confirm(hold.id(), user, hold.expires_at()).unwrap_err();
    /// assert!(matches!(err, SeatError::Expired { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn confirm(
        &self,
        hold: HoldId,
        owner: UserId,
        now: Instant,
    ) -> Result<Confirmation, SeatError> {
        let (mut state, now) = self.lock_at(now);
        let state = &mut *state;
        let token = hold.token().get();
        let record = self.live_record(&mut state.holds, hold, owner)?;
        debug_assert!(record.expires_at > now, "a due hold was expired above");
        record.state = HoldState::Confirmed;
        let seats = record.seats.clone();
        for &seat in seats.iter() {
            let index = seat.as_usize();
            // The fencing check: the seat is still ours.
            debug_assert_eq!(state.token[index], token);
            debug_assert_eq!(state.status[index], SeatStatus::Held);
            state.status[index] = SeatStatus::Booked;
        }
        let n = seats.len() as u32;
        state.counts.held -= n;
        state.counts.booked += n;
        state.live_holds -= 1;
        state.expiry_stale += 1;
        state.version += 1;
        state.purge_expiry_if_stale();
        state.debug_check(&self.layout);
        Ok(Confirmation { hold, owner, seats })
    }

    /// Releases a live hold early: its seats become available.
    ///
    /// # Errors
    ///
    /// The same as [`confirm`](Self::confirm); nothing changes on error. Releasing a hold
    /// that already expired is [`SeatError::Expired`]: it was resolved by its expiry.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatError, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let (user, now) = (UserId::new(1), Instant::now());
    /// let hold = show.hold(user, &[SeatId::new(0)], now)?;
    /// show.release(hold.id(), user, now)?;
    /// assert!(matches!(show.release(hold.id(), user, now), Err(SeatError::AlreadyReleased { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), SeatError> {
        let (mut state, _) = self.lock_at(now);
        let token = hold.token().get();
        self.live_record(&mut state.holds, hold, owner)?;
        state.end_hold(token, HoldState::Released);
        state.expiry_stale += 1;
        state.purge_expiry_if_stale();
        state.debug_check(&self.layout);
        Ok(())
    }

    /// Puts the booked seats of a confirmed hold back on sale, for a cancellation whose policy
    /// allows resale.
    ///
    /// # Errors
    ///
    /// Nothing changes when any of these is returned: [`SeatError::WrongShow`],
    /// [`SeatError::UnknownHold`], [`SeatError::NotOwner`], [`SeatError::NotConfirmed`] (the
    /// hold is live), [`SeatError::AlreadyReturned`], [`SeatError::AlreadyReleased`],
    /// [`SeatError::Expired`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let (user, now) = (UserId::new(1), Instant::now());
    /// let hold = show.hold(user, &[SeatId::new(0)], now)?;
    /// show.confirm(hold.id(), user, now)?;
    /// show.release_booked(hold.id(), user, now)?;
    /// assert_eq!(show.seat_map(now).counts().available(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release_booked(
        &self,
        hold: HoldId,
        owner: UserId,
        now: Instant,
    ) -> Result<(), SeatError> {
        let (mut state, _) = self.lock_at(now);
        let record = self.owned_record(&mut state.holds, hold, owner)?;
        match record.state {
            HoldState::Confirmed => {}
            HoldState::Live => return Err(SeatError::NotConfirmed { hold }),
            other => return Err(resolved_error(hold, other, record)),
        }
        let token = hold.token().get();
        state.end_hold(token, HoldState::Returned);
        state.debug_check(&self.layout);
        Ok(())
    }

    /// Takes available seats off sale (a broken seat, a house seat), all or nothing.
    ///
    /// # Errors
    ///
    /// Nothing changes when any of these is returned: [`SeatError::EmptyRequest`],
    /// [`SeatError::DuplicateSeat`], [`SeatError::UnknownSeat`], or
    /// [`SeatError::Unavailable`] listing the seats that are held, booked or already blocked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, SeatId, SeatStatus, ShowId, ShowSeatManager};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let now = Instant::now();
    /// show.block(&[SeatId::new(3)], now)?;
    /// assert_eq!(show.seat_map(now).status(SeatId::new(3)), Some(SeatStatus::Blocked));
    /// show.unblock(&[SeatId::new(3)], now)?;
    /// assert_eq!(show.seat_map(now).counts().available(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn block(&self, seats: &[SeatId], now: Instant) -> Result<(), SeatError> {
        validate_seats(&self.layout, seats, self.layout.capacity())?;
        let (mut state, _) = self.lock_at(now);
        if let Some(conflicts) = state.conflicts(seats) {
            return Err(SeatError::Unavailable { conflicts });
        }
        state.set_all(seats, SeatStatus::Available, SeatStatus::Blocked);
        state.debug_check(&self.layout);
        Ok(())
    }

    /// Puts blocked seats back on sale, all or nothing.
    ///
    /// # Errors
    ///
    /// Nothing changes when any of these is returned: [`SeatError::EmptyRequest`],
    /// [`SeatError::DuplicateSeat`], [`SeatError::UnknownSeat`], or
    /// [`SeatError::NotBlocked`] listing the seats that are not blocked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatError, SeatLayout, SeatId, ShowId, ShowSeatManager};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let err = show.unblock(&[SeatId::new(0)], Instant::now()).unwrap_err();
    /// assert_eq!(err, SeatError::NotBlocked { seats: vec![SeatId::new(0)] });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unblock(&self, seats: &[SeatId], now: Instant) -> Result<(), SeatError> {
        validate_seats(&self.layout, seats, self.layout.capacity())?;
        let (mut state, _) = self.lock_at(now);
        let not_blocked: Vec<SeatId> = seats
            .iter()
            .copied()
            .filter(|seat| state.status[seat.as_usize()] != SeatStatus::Blocked)
            .collect();
        if !not_blocked.is_empty() {
            return Err(SeatError::NotBlocked { seats: not_blocked });
        }
        state.set_all(seats, SeatStatus::Blocked, SeatStatus::Available);
        state.debug_check(&self.layout);
        Ok(())
    }

    /// Expires every hold due at `now` and returns every hold that expired since the last
    /// call, including ones expired on the way by other operations.
    ///
    /// Costs O(k log n) for k expired holds among n queued expiries; live holds that are not
    /// due are not looked at. Reports wait for this call in a queue bounded by
    /// `live_holds_max`; past that the oldest are dropped and counted in
    /// [`InventoryStats::expiry_reports_dropped`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let hold = show.hold(UserId::new(1), &[SeatId::new(0)], Instant::now())?;
    /// assert_eq!(show.next_expiry(), Some(hold.expires_at()));
    /// let expired = show.expire_due(hold.expires_at());
    /// assert_eq!(expired.len(), 1);
    /// assert_eq!(expired[0].hold(), hold.id());
    /// assert_eq!(show.next_expiry(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn expire_due(&self, now: Instant) -> Vec<ExpiredHold> {
        let (mut state, _) = self.lock_at(now);
        state.debug_check(&self.layout);
        state.expired_reports.drain(..).collect()
    }

    /// The earliest instant at which a live hold expires: when a host's timer should call
    /// [`expire_due`](Self::expire_due). `None` when no hold is live.
    ///
    /// # Examples
    ///
    /// See [`expire_due`](Self::expire_due).
    #[must_use]
    pub fn next_expiry(&self) -> Option<Instant> {
        let mut state = self.lock();
        while let Some(&Reverse((at, token))) = state.expiry.peek() {
            if state.is_current_expiry(at, token) {
                return Some(at);
            }
            state.expiry.pop();
            state.expiry_stale -= 1;
        }
        None
    }

    /// A copy of every seat's status at `now`, after expiring the holds due by then.
    ///
    /// # Examples
    ///
    /// See [`SeatMap`].
    #[must_use]
    pub fn seat_map(&self, now: Instant) -> SeatMap {
        let mut statuses = Vec::with_capacity(self.layout.capacity());
        let (state, _) = self.lock_at(now);
        statuses.extend_from_slice(&state.status);
        let counts = state.counts;
        let version = state.version;
        drop(state);
        SeatMap {
            show: self.show,
            layout: self.layout.clone(),
            statuses,
            counts,
            version,
        }
    }

    /// A shared, read-only seat map as of `now`: the read path for hot shows.
    ///
    /// When nothing changed since the last published map and no hold has come due, this takes
    /// no seat lock at all: two atomic loads, a read lock on the published map and an `Arc`
    /// clone. Otherwise it rebuilds the map like [`seat_map`](Self::seat_map) and publishes
    /// it for the readers after it. Thousands of readers between two changes share one copy.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// let now = Instant::now();
    /// let first = show.snapshot(now);
    /// assert!(Arc::ptr_eq(&first, &show.snapshot(now)), "nothing changed: the same copy");
    /// show.hold(UserId::new(1), &[SeatId::new(0)], now)?;
    /// let second = show.snapshot(now);
    /// assert_eq!(second.counts().held(), 1);
    /// assert!(second.version() > first.version());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn snapshot(&self, now: Instant) -> Arc<SeatMap> {
        if !self.read.readers.load(Ordering::Acquire) {
            // The first reader: from now on every writer publishes; this one rebuilds.
            self.read.readers.store(true, Ordering::Release);
            return self.publish(now);
        }
        let version = self.read.version.load(Ordering::Acquire);
        let due = self
            .read
            .nanos_since_origin(now)
            .is_some_and(|at| at >= self.read.expiry_hint_ns.load(Ordering::Acquire));
        if !due {
            let cached = self.read.published.read().clone();
            if cached.version == version {
                return cached;
            }
        }
        self.publish(now)
    }

    /// Rebuilds the seat map under the lock and publishes it for the readers after it.
    fn publish(&self, now: Instant) -> Arc<SeatMap> {
        let fresh = Arc::new(self.seat_map(now));
        let mut published = self.read.published.write();
        if published.version <= fresh.version {
            *published = fresh.clone();
        }
        fresh
    }

    /// The seat counts at `now`, after expiring the holds due by then; cheaper than a seat map.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, ShowId, ShowSeatManager};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(3, 3)?), HoldPolicy::default());
    /// assert_eq!(show.counts(Instant::now()).total(), 9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn counts(&self, now: Instant) -> SeatCounts {
        let (state, _) = self.lock_at(now);
        state.counts
    }

    /// Where a hold is in its life, or `None` if this show never issued it or has forgotten
    /// it. Does not expire anything: a live hold past its expiry reads `Live` until the next
    /// operation that takes a `now`.
    ///
    /// # Examples
    ///
    /// See [`HoldState`].
    #[must_use]
    pub fn hold_state(&self, hold: HoldId) -> Option<HoldState> {
        if hold.show() != self.show {
            return None;
        }
        let state = self.lock();
        state
            .holds
            .get(&hold.token().get())
            .map(|record| record.state)
    }

    /// The seats held or booked by `user` in this show.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use boxoffice::{HoldPolicy, SeatLayout, SeatId, ShowId, ShowSeatManager, UserId};
    ///
    /// let show = ShowSeatManager::new(ShowId::new(1), Arc::new(SeatLayout::grid(1, 4)?), HoldPolicy::default());
    /// show.hold(UserId::new(1), &[SeatId::new(0), SeatId::new(1)], Instant::now())?;
    /// assert_eq!(show.seats_of(UserId::new(1)), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn seats_of(&self, user: UserId) -> u32 {
        self.lock().per_user.get(&user).copied().unwrap_or(0)
    }

    /// Counters describing the manager's internal tables.
    #[must_use]
    pub fn stats(&self) -> InventoryStats {
        let state = self.lock();
        InventoryStats {
            live_holds: state.live_holds,
            hold_records: state.holds.len(),
            expiry_queue_len: state.expiry.len(),
            expiry_reports_pending: state.expired_reports.len(),
            expiry_reports_dropped: state.expiry_reports_dropped,
            version: state.version,
            seat_state_bytes: state.status.capacity() * std::mem::size_of::<SeatStatus>()
                + state.token.capacity() * std::mem::size_of::<u64>(),
        }
    }

    /// Checks every documented invariant; `Err` names the first one broken. Tests call it; in
    /// debug builds every mutation calls it too.
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        self.lock().check(&self.layout)
    }

    /// Takes the lock at `now`: advances the high-water clock and expires what is due, the
    /// prologue of every operation.
    #[inline]
    fn lock_at(&self, now: Instant) -> (Locked<'_>, Instant) {
        let mut state = self.lock();
        let now = state.advance(now);
        state.expire(now, self.show);
        (state, now)
    }

    #[inline]
    fn lock(&self) -> Locked<'_> {
        Locked {
            guard: self.state.lock(),
            read: &self.read,
        }
    }

    fn hold_id(&self, token: u64) -> HoldId {
        // Tokens start at 1 and only grow, so they are never zero.
        let token = FencingToken::new(token).expect("tokens start at one");
        HoldId::new(self.show, token)
    }

    /// The record of a hold this show knows and `owner` owns, in any state. Ownership is
    /// checked before state, so a stranger learns nothing about someone else's hold.
    fn owned_record<'a>(
        &self,
        holds: &'a mut FxHashMap<u64, HoldRecord>,
        hold: HoldId,
        owner: UserId,
    ) -> Result<&'a mut HoldRecord, SeatError> {
        if hold.show() != self.show {
            return Err(SeatError::WrongShow {
                hold,
                show: self.show,
            });
        }
        let record = holds
            .get_mut(&hold.token().get())
            .ok_or(SeatError::UnknownHold { hold })?;
        if record.owner != owner {
            return Err(SeatError::NotOwner { hold });
        }
        Ok(record)
    }

    /// The record of a live hold `owner` owns.
    fn live_record<'a>(
        &self,
        holds: &'a mut FxHashMap<u64, HoldRecord>,
        hold: HoldId,
        owner: UserId,
    ) -> Result<&'a mut HoldRecord, SeatError> {
        let record = self.owned_record(holds, hold, owner)?;
        match record.state {
            HoldState::Live => Ok(record),
            other => Err(resolved_error(hold, other, record)),
        }
    }
}

fn resolved_error(hold: HoldId, state: HoldState, record: &HoldRecord) -> SeatError {
    match state {
        HoldState::Confirmed => SeatError::AlreadyConfirmed { hold },
        HoldState::Released => SeatError::AlreadyReleased { hold },
        HoldState::Returned => SeatError::AlreadyReturned { hold },
        HoldState::Expired => SeatError::Expired {
            hold,
            expired_at: record.expires_at,
        },
        HoldState::Live => SeatError::NotConfirmed { hold },
    }
}

/// Checks a seat list against the layout: not empty, not over `max`, no unknown seat, no
/// duplicate. Runs outside the lock.
pub(crate) fn validate_seats(
    layout: &SeatLayout,
    seats: &[SeatId],
    max: usize,
) -> Result<(), SeatError> {
    if seats.is_empty() {
        return Err(SeatError::EmptyRequest);
    }
    if seats.len() > max {
        return Err(SeatError::TooManySeats {
            requested: seats.len(),
            max,
        });
    }
    if let Some(&seat) = seats.iter().find(|seat| !layout.contains(**seat)) {
        return Err(SeatError::UnknownSeat { seat });
    }
    if seats.len() <= 16 {
        for (i, seat) in seats.iter().enumerate() {
            if seats[..i].contains(seat) {
                return Err(SeatError::DuplicateSeat { seat: *seat });
            }
        }
    } else {
        let mut sorted = seats.to_vec();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(SeatError::DuplicateSeat { seat: pair[0] });
        }
    }
    Ok(())
}

impl State {
    #[inline]
    fn advance(&mut self, now: Instant) -> Instant {
        let now = match self.now_high_water {
            Some(seen) if seen > now => seen,
            _ => now,
        };
        self.now_high_water = Some(now);
        now
    }

    /// The seats that are not available, or `None` when all are (the common case, which
    /// allocates nothing).
    fn conflicts(&self, seats: &[SeatId]) -> Option<Vec<SeatConflict>> {
        let available = |seat: &SeatId| self.status[seat.as_usize()] == SeatStatus::Available;
        if seats.iter().all(available) {
            return None;
        }
        Some(
            seats
                .iter()
                .filter(|seat| !available(seat))
                .map(|&seat| SeatConflict::new(seat, self.status[seat.as_usize()]))
                .collect(),
        )
    }

    fn is_current_expiry(&self, at: Instant, token: u64) -> bool {
        self.holds
            .get(&token)
            .is_some_and(|record| record.state == HoldState::Live && record.expires_at == at)
    }

    /// Expires every live hold due at `now`. Pops only due or stale entries.
    fn expire(&mut self, now: Instant, show: ShowId) {
        while let Some(&Reverse((at, token))) = self.expiry.peek() {
            if at > now {
                break;
            }
            self.expiry.pop();
            if !self.is_current_expiry(at, token) {
                self.expiry_stale -= 1;
                continue;
            }
            let (owner, seats) = {
                let record = &self.holds[&token];
                (record.owner, record.seats.clone())
            };
            self.end_hold(token, HoldState::Expired);
            if self.expired_reports.len() >= self.reports_max {
                self.expired_reports.pop_front();
                self.expiry_reports_dropped += 1;
            }
            let hold = HoldId::new(show, FencingToken::new(token).expect("tokens are non-zero"));
            self.expired_reports
                .push_back(ExpiredHold::new(hold, owner, seats, at));
        }
    }

    /// Ends a live or confirmed hold: frees its seats and remembers it as resolved.
    fn end_hold(&mut self, token: u64, end: HoldState) {
        let record = self
            .holds
            .get_mut(&token)
            .expect("caller checked the token");
        let from = record.state;
        debug_assert!(matches!(
            (from, end),
            (HoldState::Live, HoldState::Released | HoldState::Expired)
                | (HoldState::Confirmed, HoldState::Returned)
        ));
        record.state = end;
        let owner = record.owner;
        let seats = record.seats.clone();
        let old_status = if from == HoldState::Live {
            SeatStatus::Held
        } else {
            SeatStatus::Booked
        };
        for &seat in seats.iter() {
            let index = seat.as_usize();
            debug_assert_eq!(self.token[index], token, "fencing: the seat is ours");
            debug_assert_eq!(self.status[index], old_status);
            self.status[index] = SeatStatus::Available;
            self.token[index] = 0;
        }
        let n = seats.len() as u32;
        *self.counts.of(old_status) -= n;
        self.counts.available += n;
        if from == HoldState::Live {
            self.live_holds -= 1;
        }
        if let Some(count) = self.per_user.get_mut(&owner) {
            *count -= n;
            if *count == 0 {
                self.per_user.remove(&owner);
            }
        }
        self.version += 1;
        self.resolved.push_back(token);
        while self.resolved.len() > self.retained_max {
            if let Some(old) = self.resolved.pop_front() {
                self.holds.remove(&old);
            }
        }
    }

    fn set_all(&mut self, seats: &[SeatId], from: SeatStatus, to: SeatStatus) {
        for &seat in seats {
            debug_assert_eq!(self.status[seat.as_usize()], from);
            self.status[seat.as_usize()] = to;
        }
        let n = seats.len() as u32;
        *self.counts.of(from) -= n;
        *self.counts.of(to) += n;
        self.version += 1;
    }

    fn purge_expiry_if_stale(&mut self) {
        if self.expiry.len() > EXPIRY_QUEUE_PURGE_MIN && self.expiry_stale * 2 > self.expiry.len() {
            let entries = std::mem::take(&mut self.expiry).into_vec();
            let live: Vec<_> = entries
                .into_iter()
                .filter(|Reverse((at, token))| self.is_current_expiry(*at, *token))
                .collect();
            self.expiry = BinaryHeap::from(live);
            self.expiry_stale = 0;
        }
    }

    fn debug_check(&self, layout: &SeatLayout) {
        if cfg!(debug_assertions)
            && let Err(broken) = self.check(layout)
        {
            panic!("seat inventory invariant broken: {broken}");
        }
    }

    fn check(&self, layout: &SeatLayout) -> Result<(), String> {
        let capacity = layout.capacity();
        if self.status.len() != capacity || self.token.len() != capacity {
            return Err("state arrays do not match the layout".into());
        }
        if self.counts.total() as usize != capacity {
            return Err(format!(
                "counts {:?} do not add up to {capacity}",
                self.counts
            ));
        }
        if SeatCounts::count_of(&self.status) != self.counts {
            return Err(format!(
                "counts {:?} do not match the statuses",
                self.counts
            ));
        }
        let mut live = 0_u32;
        let mut per_user: FxHashMap<UserId, u32> = FxHashMap::default();
        let mut claimed = vec![false; capacity];
        for (&token, record) in &self.holds {
            let expected = match record.state {
                HoldState::Live => SeatStatus::Held,
                HoldState::Confirmed => SeatStatus::Booked,
                _ => continue,
            };
            if record.state == HoldState::Live {
                live += 1;
                if self
                    .now_high_water
                    .is_some_and(|now| record.expires_at <= now)
                {
                    return Err(format!("hold {token} is live past its expiry"));
                }
            }
            *per_user.entry(record.owner).or_insert(0) += record.seats.len() as u32;
            for seat in record.seats.iter() {
                let index = seat.as_usize();
                if self.status[index] != expected || self.token[index] != token {
                    return Err(format!("seat {seat} of hold {token} is not {expected}"));
                }
                if std::mem::replace(&mut claimed[index], true) {
                    return Err(format!("seat {seat} is in two holds"));
                }
            }
        }
        for (index, status) in self.status.iter().enumerate() {
            let needs_owner = matches!(status, SeatStatus::Held | SeatStatus::Booked);
            if needs_owner != claimed[index] {
                return Err(format!("seat {index} is {status} but no hold claims it"));
            }
        }
        if live != self.live_holds {
            return Err(format!(
                "{live} live holds, counter says {}",
                self.live_holds
            ));
        }
        if per_user != self.per_user {
            return Err("per-user seat counts are wrong".into());
        }
        Ok(())
    }
}
