//! The seat store boundary: the operations of [`ShowSeatManager`] over many shows, as a trait
//! that a shared store (Redis) can implement with the same meaning.

use std::sync::Arc;
use std::time::Instant;

use parking_lot::RwLock;

use crate::best_available::{BestAvailableRequest, Selection};
use crate::fxhash::FxHashMap;
use crate::id::{HoldId, SeatId, ShowId, UserId};
use crate::inventory::{
    Confirmation, ExpiredHold, Hold, HoldPolicy, SeatCounts, SeatError, SeatMap, ShowSeatManager,
};
use crate::layout::SeatLayout;

/// Why a seat store refused or failed an operation.
///
/// [`StoreError::Seat`] is a domain rejection (the seats, the hold or the request are not
/// right); the others are about the store itself. On every error the seats are unchanged.
///
/// # Examples
///
/// ```
/// use std::time::Instant;
/// use boxoffice::{InMemorySeatStore, SeatStore, ShowId, StoreError};
///
/// let store = InMemorySeatStore::new(Default::default());
/// let err = store.seat_map(ShowId::new(9), Instant::now()).unwrap_err();
/// assert_eq!(err, StoreError::UnknownShow { show: ShowId::new(9) });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The seat inventory refused the operation.
    #[error(transparent)]
    Seat(#[from] SeatError),
    /// The store has no such show.
    #[error("show {show} is not in the seat store")]
    UnknownShow {
        /// The show.
        show: ShowId,
    },
    /// A show with this id is already in the store.
    #[error("show {show} is already in the seat store")]
    DuplicateShow {
        /// The show.
        show: ShowId,
    },
    /// The store holds as many shows as it may.
    #[error("the seat store holds {max} shows, its limit")]
    TooManyShows {
        /// The limit.
        max: usize,
    },
    /// The backing service failed (connection lost, timeout). Nothing was changed.
    #[error("seat store backend failed: {message}")]
    Backend {
        /// What the backend said.
        message: String,
    },
}

/// Seat inventory for many shows behind one interface: the boundary a shared store (e.g. Redis)
/// implements with the same meaning as the in-memory [`ShowSeatManager`].
///
/// The contract, for every implementation:
/// - `hold` is all-or-nothing and mints a fencing token strictly greater than every earlier
///   token of that show;
/// - `confirm`, `release` and `extend` succeed only for the live hold's owner, with the token
///   that currently holds the seats, strictly before its expiry; a hold resolves exactly once;
/// - an error leaves every seat as it was;
/// - `now` is the caller's monotonic time. A store backed by a server may use the server's
///   clock instead, and says so (expiry is then exact on the server's clock, as TigerBeetle
///   does on its cluster's).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Instant;
/// use boxoffice::{HoldPolicy, InMemorySeatStore, SeatLayout, SeatStore, ShowId, UserId};
///
/// let store = InMemorySeatStore::new(HoldPolicy::default());
/// let layout = Arc::new(SeatLayout::grid(5, 10)?);
/// store.add_show(ShowId::new(1), layout.clone())?;
///
/// fn sell(store: &dyn SeatStore, show: ShowId, seat: &str, layout: &SeatLayout) -> Result<(), boxoffice::StoreError> {
///     let now = Instant::now();
///     let hold = store.hold(show, UserId::new(1), &[layout.seat_id(seat).unwrap()], now)?;
///     store.confirm(hold.id(), UserId::new(1), now)?;
///     Ok(())
/// }
/// sell(&store, ShowId::new(1), "C4", &layout)?;
/// assert_eq!(store.seat_map(ShowId::new(1), Instant::now())?.counts().booked(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SeatStore: Send + Sync {
    /// The seat layout of a show.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn layout(&self, show: ShowId) -> Result<Arc<SeatLayout>, StoreError>;

    /// Holds `seats` for `owner`, all or nothing. See [`ShowSeatManager::hold`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with the reasons of [`ShowSeatManager::hold`],
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn hold(
        &self,
        show: ShowId,
        owner: UserId,
        seats: &[SeatId],
        now: Instant,
    ) -> Result<Hold, StoreError>;

    /// Chooses the best available seats and holds them. See
    /// [`ShowSeatManager::hold_best_available`] and [`best_available`](crate::best_available).
    ///
    /// The default implementation reads the seat map, chooses, and holds all-or-nothing;
    /// if another buyer took a chosen seat in between, the hold fails atomically and it chooses
    /// again from a fresh map (at most [`BEST_AVAILABLE_ATTEMPTS`] times). It never sells a
    /// seat twice, because the hold itself is atomic. Stores that can choose under their own
    /// lock (the in-memory one) override it.
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with [`SeatError::BestAvailable`] or the reasons of
    /// [`ShowSeatManager::hold`]; [`StoreError::UnknownShow`]; [`StoreError::Backend`].
    fn hold_best_available(
        &self,
        show: ShowId,
        owner: UserId,
        request: &BestAvailableRequest,
        now: Instant,
    ) -> Result<(Hold, Selection), StoreError> {
        let layout = self.layout(show)?;
        let mut last = None;
        for _ in 0..BEST_AVAILABLE_ATTEMPTS {
            let map = self.seat_map(show, now)?;
            let selection = crate::best_available::best_available(&layout, map.statuses(), request)
                .map_err(SeatError::from)?;
            match self.hold(show, owner, selection.seats(), now) {
                Ok(hold) => return Ok((hold, selection)),
                Err(err @ StoreError::Seat(SeatError::Unavailable { .. })) => last = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(last.unwrap_or(StoreError::UnknownShow { show }))
    }

    /// Extends a live hold. See [`ShowSeatManager::extend`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with the reasons of [`ShowSeatManager::extend`],
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn extend(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError>;

    /// The hold, if it is live and `owner`'s. See [`ShowSeatManager::live_hold`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with the reasons of [`ShowSeatManager::live_hold`],
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn live_hold(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError>;

    /// Confirms a live hold. See [`ShowSeatManager::confirm`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with the reasons of [`ShowSeatManager::confirm`],
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn confirm(
        &self,
        hold: HoldId,
        owner: UserId,
        now: Instant,
    ) -> Result<Confirmation, StoreError>;

    /// Releases a live hold. See [`ShowSeatManager::release`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with the reasons of [`ShowSeatManager::release`],
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn release(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError>;

    /// Puts a confirmed hold's seats back on sale. See [`ShowSeatManager::release_booked`].
    ///
    /// # Errors
    ///
    /// [`StoreError::Seat`] with the reasons of [`ShowSeatManager::release_booked`],
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn release_booked(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError>;

    /// Expires a show's due holds and reports every hold that expired since the last call.
    /// See [`ShowSeatManager::expire_due`].
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn expire_due(&self, show: ShowId, now: Instant) -> Result<Vec<ExpiredHold>, StoreError>;

    /// When the show's next live hold expires. See [`ShowSeatManager::next_expiry`].
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn next_expiry(&self, show: ShowId) -> Result<Option<Instant>, StoreError>;

    /// The show's seat counts, cheaper than a seat map. See [`ShowSeatManager::counts`].
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn counts(&self, show: ShowId, now: Instant) -> Result<SeatCounts, StoreError> {
        Ok(self.seat_map(show, now)?.counts())
    }

    /// A copy of the show's seat statuses. See [`ShowSeatManager::seat_map`].
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownShow`], or [`StoreError::Backend`].
    fn seat_map(&self, show: ShowId, now: Instant) -> Result<SeatMap, StoreError>;
}

/// How many times the default [`SeatStore::hold_best_available`] chooses again after losing a
/// race for a chosen seat.
pub const BEST_AVAILABLE_ATTEMPTS: usize = 4;

/// The most shows an [`InMemorySeatStore`] holds by default.
pub const IN_MEMORY_SHOWS_MAX: usize = 100_000;

/// The in-process seat store: one [`ShowSeatManager`] per show, each behind its own mutex, so
/// different shows never contend on a seat lock. Finding a show takes a shared read lock on the
/// show table; hosts on the hottest paths can keep the `Arc<ShowSeatManager>` from
/// [`manager`](Self::manager) and skip it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use boxoffice::{HoldPolicy, InMemorySeatStore, SeatLayout, ShowId};
///
/// let store = InMemorySeatStore::new(HoldPolicy::default());
/// let layout = Arc::new(SeatLayout::grid(10, 12)?);
/// store.add_show(ShowId::new(1), layout.clone())?;
/// store.add_show(ShowId::new(2), layout)?; // same screen, separate seat state
/// assert_eq!(store.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct InMemorySeatStore {
    policy: HoldPolicy,
    shows_max: usize,
    shows: RwLock<FxHashMap<ShowId, Arc<ShowSeatManager>>>,
}

impl InMemorySeatStore {
    /// An empty store whose shows use `policy`, holding at most [`IN_MEMORY_SHOWS_MAX`] shows.
    #[must_use]
    pub fn new(policy: HoldPolicy) -> Self {
        InMemorySeatStore::with_shows_max(policy, IN_MEMORY_SHOWS_MAX)
    }

    /// An empty store holding at most `shows_max` shows.
    #[must_use]
    pub fn with_shows_max(policy: HoldPolicy, shows_max: usize) -> Self {
        InMemorySeatStore {
            policy,
            shows_max,
            shows: RwLock::new(FxHashMap::default()),
        }
    }

    /// Adds a show with every seat of `layout` available, under the store's policy.
    ///
    /// # Errors
    ///
    /// [`StoreError::DuplicateShow`] or [`StoreError::TooManyShows`]; the store is unchanged.
    pub fn add_show(
        &self,
        show: ShowId,
        layout: Arc<SeatLayout>,
    ) -> Result<Arc<ShowSeatManager>, StoreError> {
        self.add_show_with_policy(show, layout, self.policy.clone())
    }

    /// Adds a show with its own policy.
    ///
    /// # Errors
    ///
    /// [`StoreError::DuplicateShow`] or [`StoreError::TooManyShows`]; the store is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use boxoffice::{HoldPolicy, InMemorySeatStore, SeatLayout, ShowId, StoreError};
    ///
    /// let store = InMemorySeatStore::with_shows_max(HoldPolicy::default(), 1);
    /// let layout = Arc::new(SeatLayout::grid(1, 1)?);
    /// store.add_show_with_policy(ShowId::new(1), layout.clone(), HoldPolicy::default())?;
    /// assert_eq!(
    ///     store.add_show(ShowId::new(1), layout.clone()).unwrap_err(),
    ///     StoreError::DuplicateShow { show: ShowId::new(1) }
    /// );
    /// assert_eq!(store.add_show(ShowId::new(2), layout).unwrap_err(), StoreError::TooManyShows { max: 1 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_show_with_policy(
        &self,
        show: ShowId,
        layout: Arc<SeatLayout>,
        policy: HoldPolicy,
    ) -> Result<Arc<ShowSeatManager>, StoreError> {
        let mut shows = self.shows.write();
        if shows.contains_key(&show) {
            return Err(StoreError::DuplicateShow { show });
        }
        if shows.len() >= self.shows_max {
            return Err(StoreError::TooManyShows {
                max: self.shows_max,
            });
        }
        let manager = Arc::new(ShowSeatManager::new(show, layout, policy));
        shows.insert(show, manager.clone());
        Ok(manager)
    }

    /// Removes a show and returns its manager, e.g. after the show has ended.
    #[must_use = "the removed manager holds the show's final seat state"]
    pub fn remove_show(&self, show: ShowId) -> Option<Arc<ShowSeatManager>> {
        self.shows.write().remove(&show)
    }

    /// The manager of one show.
    #[must_use]
    pub fn manager(&self, show: ShowId) -> Option<Arc<ShowSeatManager>> {
        self.shows.read().get(&show).cloned()
    }

    /// The shows in the store, in no particular order.
    #[must_use]
    pub fn shows(&self) -> Vec<ShowId> {
        self.shows.read().keys().copied().collect()
    }

    /// How many shows the store holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shows.read().len()
    }

    /// Whether the store holds no show.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with<T>(
        &self,
        show: ShowId,
        op: impl FnOnce(&ShowSeatManager) -> Result<T, SeatError>,
    ) -> Result<T, StoreError> {
        let manager = self.manager(show).ok_or(StoreError::UnknownShow { show })?;
        Ok(op(&manager)?)
    }
}

impl SeatStore for InMemorySeatStore {
    fn layout(&self, show: ShowId) -> Result<Arc<SeatLayout>, StoreError> {
        self.with(show, |m| Ok(m.layout().clone()))
    }

    fn hold(
        &self,
        show: ShowId,
        owner: UserId,
        seats: &[SeatId],
        now: Instant,
    ) -> Result<Hold, StoreError> {
        self.with(show, |m| m.hold(owner, seats, now))
    }

    fn hold_best_available(
        &self,
        show: ShowId,
        owner: UserId,
        request: &BestAvailableRequest,
        now: Instant,
    ) -> Result<(Hold, Selection), StoreError> {
        self.with(show, |m| m.hold_best_available(owner, request, now))
    }

    fn extend(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError> {
        self.with(hold.show(), |m| m.extend(hold, owner, now))
    }

    fn live_hold(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError> {
        self.with(hold.show(), |m| m.live_hold(hold, owner, now))
    }

    fn confirm(
        &self,
        hold: HoldId,
        owner: UserId,
        now: Instant,
    ) -> Result<Confirmation, StoreError> {
        self.with(hold.show(), |m| m.confirm(hold, owner, now))
    }

    fn release(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError> {
        self.with(hold.show(), |m| m.release(hold, owner, now))
    }

    fn release_booked(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError> {
        self.with(hold.show(), |m| m.release_booked(hold, owner, now))
    }

    fn expire_due(&self, show: ShowId, now: Instant) -> Result<Vec<ExpiredHold>, StoreError> {
        self.with(show, |m| Ok(m.expire_due(now)))
    }

    fn next_expiry(&self, show: ShowId) -> Result<Option<Instant>, StoreError> {
        self.with(show, |m| Ok(m.next_expiry()))
    }

    fn counts(&self, show: ShowId, now: Instant) -> Result<SeatCounts, StoreError> {
        self.with(show, |m| Ok(m.counts(now)))
    }

    fn seat_map(&self, show: ShowId, now: Instant) -> Result<SeatMap, StoreError> {
        self.with(show, |m| Ok(m.seat_map(now)))
    }
}

impl<S: SeatStore + ?Sized> SeatStore for Arc<S> {
    fn layout(&self, show: ShowId) -> Result<Arc<SeatLayout>, StoreError> {
        (**self).layout(show)
    }

    fn hold(
        &self,
        show: ShowId,
        owner: UserId,
        seats: &[SeatId],
        now: Instant,
    ) -> Result<Hold, StoreError> {
        (**self).hold(show, owner, seats, now)
    }

    fn hold_best_available(
        &self,
        show: ShowId,
        owner: UserId,
        request: &BestAvailableRequest,
        now: Instant,
    ) -> Result<(Hold, Selection), StoreError> {
        (**self).hold_best_available(show, owner, request, now)
    }

    fn extend(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError> {
        (**self).extend(hold, owner, now)
    }

    fn live_hold(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError> {
        (**self).live_hold(hold, owner, now)
    }

    fn confirm(
        &self,
        hold: HoldId,
        owner: UserId,
        now: Instant,
    ) -> Result<Confirmation, StoreError> {
        (**self).confirm(hold, owner, now)
    }

    fn release(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError> {
        (**self).release(hold, owner, now)
    }

    fn release_booked(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError> {
        (**self).release_booked(hold, owner, now)
    }

    fn expire_due(&self, show: ShowId, now: Instant) -> Result<Vec<ExpiredHold>, StoreError> {
        (**self).expire_due(show, now)
    }

    fn next_expiry(&self, show: ShowId) -> Result<Option<Instant>, StoreError> {
        (**self).next_expiry(show)
    }

    fn counts(&self, show: ShowId, now: Instant) -> Result<SeatCounts, StoreError> {
        (**self).counts(show, now)
    }

    fn seat_map(&self, show: ShowId, now: Instant) -> Result<SeatMap, StoreError> {
        (**self).seat_map(show, now)
    }
}
