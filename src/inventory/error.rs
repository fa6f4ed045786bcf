//! The seat inventory's errors.

use std::time::Instant;

use crate::id::{HoldId, SeatId, ShowId, UserId};
use crate::inventory::SeatStatus;

/// One seat that stood in the way of a request, and why.
///
/// # Examples
///
/// ```
/// use boxoffice::{SeatConflict, SeatId, SeatStatus};
///
/// let conflict = SeatConflict::new(SeatId::new(4), SeatStatus::Held);
/// assert!(conflict.may_free_up());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SeatConflict {
    seat: SeatId,
    status: SeatStatus,
}

impl SeatConflict {
    /// A conflict on `seat`, which is currently `status`.
    #[must_use]
    pub fn new(seat: SeatId, status: SeatStatus) -> Self {
        SeatConflict { seat, status }
    }

    /// The seat.
    #[must_use]
    pub fn seat(&self) -> SeatId {
        self.seat
    }

    /// Its status when the request was refused.
    #[must_use]
    pub fn status(&self) -> SeatStatus {
        self.status
    }

    /// Whether the seat is only held, so it may free up when that hold ends. Booked and
    /// blocked seats do not free up by themselves.
    #[must_use]
    pub fn may_free_up(&self) -> bool {
        self.status.is_temporary()
    }
}

/// Why a seat-inventory operation was refused. Whenever an operation returns an error, the
/// show's seats are exactly as they were.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Instant;
/// use boxoffice::{HoldPolicy, SeatError, SeatLayout, ShowId, ShowSeatManager, UserId};
///
/// let layout = Arc::new(SeatLayout::grid(1, 4)?);
/// let show = ShowSeatManager::new(ShowId::new(1), layout, HoldPolicy::default());
/// let err = show.hold(UserId::new(1), &[], Instant::now()).unwrap_err();
/// assert_eq!(err, SeatError::EmptyRequest);
/// assert_eq!(err.to_string(), "a hold needs at least one seat");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SeatError {
    /// The request named no seats.
    #[error("a hold needs at least one seat")]
    EmptyRequest,
    /// The request named a seat twice.
    #[error("seat {seat} is requested twice")]
    DuplicateSeat {
        /// The repeated seat.
        seat: SeatId,
    },
    /// The request named a seat that is not in the show's layout.
    #[error("seat {seat} is not in this show's layout")]
    UnknownSeat {
        /// The unknown seat.
        seat: SeatId,
    },
    /// More seats than the per-hold limit.
    #[error("{requested} seats requested, but one hold may have at most {max}")]
    TooManySeats {
        /// Seats requested.
        requested: usize,
        /// The limit.
        max: usize,
    },
    /// The user would hold or own more seats in this show than allowed.
    #[error(
        "user {user} already has {current} seats in this show; {requested} more would pass the limit of {max}"
    )]
    UserLimit {
        /// The user.
        user: UserId,
        /// Seats requested now.
        requested: usize,
        /// Seats the user already holds or has booked in this show.
        current: u32,
        /// The limit.
        max: u32,
    },
    /// The show has as many live holds as its policy allows.
    #[error("the show has {max} live holds, its limit")]
    TooManyHolds {
        /// The limit.
        max: u32,
    },
    /// Some requested seats are not available; nothing was held.
    #[error("{} requested seats are not available", conflicts.len())]
    Unavailable {
        /// Every seat that blocked the request, in request order.
        conflicts: Vec<SeatConflict>,
    },
    /// The hold id belongs to another show.
    #[error("hold {hold} belongs to another show than {show}")]
    WrongShow {
        /// The hold.
        hold: HoldId,
        /// This manager's show.
        show: ShowId,
    },
    /// No such hold: never issued by this show, or resolved so long ago it was forgotten.
    #[error("hold {hold} is unknown")]
    UnknownHold {
        /// The hold.
        hold: HoldId,
    },
    /// The caller does not own the hold.
    #[error("hold {hold} belongs to another user")]
    NotOwner {
        /// The hold.
        hold: HoldId,
    },
    /// The hold was already confirmed.
    #[error("hold {hold} was already confirmed")]
    AlreadyConfirmed {
        /// The hold.
        hold: HoldId,
    },
    /// The hold was already released.
    #[error("hold {hold} was already released")]
    AlreadyReleased {
        /// The hold.
        hold: HoldId,
    },
    /// The hold expired: the call came at or after its expiry instant.
    #[error("hold {hold} has expired")]
    Expired {
        /// The hold.
        hold: HoldId,
        /// When it expired.
        expired_at: Instant,
    },
    /// The booked seats of this hold were already released back to sale.
    #[error("the seats of hold {hold} were already returned to sale")]
    AlreadyReturned {
        /// The hold.
        hold: HoldId,
    },
    /// The hold is live, not confirmed, so it has no booked seats to release.
    #[error("hold {hold} is not confirmed")]
    NotConfirmed {
        /// The hold.
        hold: HoldId,
    },
    /// The hold's expiry is already at its maximum lifetime; it cannot be extended.
    #[error("hold {hold} is at its maximum lifetime and cannot be extended")]
    LifetimeExhausted {
        /// The hold.
        hold: HoldId,
        /// The latest expiry the hold may ever have.
        expires_at_max: Instant,
    },
    /// Seats asked to be unblocked are not blocked.
    #[error("{} seats are not blocked", seats.len())]
    NotBlocked {
        /// The seats that are not blocked.
        seats: Vec<SeatId>,
    },
    /// No seats fit a best-available request.
    #[error(transparent)]
    BestAvailable(#[from] crate::best_available::BestAvailableError),
    /// `now` plus a hold's time-to-live does not fit in an `Instant`.
    #[error("the time given is too far in the future")]
    TimeOverflow,
}
