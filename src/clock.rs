//! Time, injected.
//!
//! The seat inventory never reads a clock: every operation takes `now: Instant` (monotonic)
//! as an argument, like quinn-proto. Services that need "now" ask a [`Clock`], so tests and
//! simulations can drive time by hand with [`ManualClock`].

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

/// A source of time: a monotonic instant for holds and expiry, and a wall-clock time for
/// records and policies that speak in calendar time (a show's start, a refund deadline).
///
/// # Examples
///
/// ```
/// use boxoffice::{Clock, SystemClock};
///
/// let clock = SystemClock;
/// let before = clock.now();
/// assert!(clock.now() >= before);
/// ```
pub trait Clock: Send + Sync {
    /// The monotonic time. Holds expire on this clock only.
    fn now(&self) -> Instant;
    /// The wall-clock time, for records and calendar rules. Never used for expiry.
    fn wall_now(&self) -> DateTime<Utc>;
}

/// The operating system's clocks: [`Instant::now`] and [`Utc::now`].
///
/// # Examples
///
/// ```
/// use boxoffice::{Clock, SystemClock};
///
/// let _wall = SystemClock.wall_now();
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn wall_now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to. Monotonic and wall time advance together.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use boxoffice::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(600));
/// assert_eq!(clock.now() - t0, Duration::from_secs(600));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(Instant, DateTime<Utc>)>,
}

impl ManualClock {
    /// A clock starting at the real current instant and wall time.
    #[must_use]
    pub fn new() -> Self {
        ManualClock::starting_at(Utc::now())
    }

    /// A clock whose wall time starts at `wall` (its monotonic time starts at the real current
    /// instant, which has no calendar meaning).
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::{Clock, ManualClock};
    /// use chrono::{TimeZone, Utc};
    ///
    /// let start = Utc.with_ymd_and_hms(2026, 12, 4, 18, 0, 0).unwrap();
    /// assert_eq!(ManualClock::starting_at(start).wall_now(), start);
    /// ```
    #[must_use]
    pub fn starting_at(wall: DateTime<Utc>) -> Self {
        ManualClock {
            state: Mutex::new((Instant::now(), wall)),
        }
    }

    /// Moves both clocks forward by `by`. A step that would overflow either clock saturates:
    /// the clock stays where it is.
    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock();
        let Some(now) = state.0.checked_add(by) else {
            return;
        };
        let Some(wall) = chrono::TimeDelta::from_std(by)
            .ok()
            .and_then(|delta| state.1.checked_add_signed(delta))
        else {
            return;
        };
        *state = (now, wall);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.state.lock().0
    }

    fn wall_now(&self) -> DateTime<Utc> {
        self.state.lock().1
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn wall_now(&self) -> DateTime<Utc> {
        (**self).wall_now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn wall_now(&self) -> DateTime<Utc> {
        (**self).wall_now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_both_clocks_together() {
        let clock = ManualClock::new();
        let (t0, w0) = (clock.now(), clock.wall_now());
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now() - t0, Duration::from_millis(1500));
        assert_eq!((clock.wall_now() - w0).num_milliseconds(), 1500);
        // An absurd step is refused rather than panicking.
        clock.advance(Duration::MAX);
        assert_eq!(clock.now() - t0, Duration::from_millis(1500));
    }
}
