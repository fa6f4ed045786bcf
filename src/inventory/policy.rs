//! The limits and timings a [`ShowSeatManager`](crate::ShowSeatManager) enforces.

use std::time::Duration;

/// The longest hold time-to-live a policy accepts.
pub const HOLD_TTL_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);
/// The longest total hold lifetime (including extensions) a policy accepts.
pub const HOLD_LIFETIME_LIMIT: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// The most seats a policy may allow in one hold.
pub const SEATS_PER_HOLD_LIMIT: u16 = 256;
/// The most live holds a policy may allow per show.
pub const LIVE_HOLDS_LIMIT: u32 = 1_000_000;
/// The most resolved holds a policy may ask a manager to remember.
pub const RESOLVED_HOLDS_RETAINED_LIMIT: u32 = 1_000_000;

/// How long holds live and how much one show may hold at once. Every limit here bounds a map or
/// a queue inside the manager.
///
/// | setting | default | accepted range |
/// |---|---|---|
/// | `hold_ttl` | 10 min | 1 ms ..= 24 h |
/// | `hold_lifetime_max` | 2 h (as seats.io) | `hold_ttl` ..= 7 days |
/// | `seats_per_hold_max` | 10 | 1 ..= 256 |
/// | `seats_per_user_max` | 10 | 1 ..= 200,000 |
/// | `live_holds_max` | 100,000 | 1 ..= 1,000,000 |
/// | `resolved_holds_retained` | 4,096 | 0 ..= 1,000,000 |
///
/// `resolved_holds_retained` is how many released or expired holds the manager remembers so
/// that a late call gets a precise error (`AlreadyReleased`, `Expired`) rather than
/// `UnknownHold`. Confirmed holds are remembered while any of their seats stay booked.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use boxoffice::HoldPolicy;
///
/// let policy = HoldPolicy::builder()
///     .hold_ttl(Duration::from_secs(5 * 60))
///     .seats_per_hold_max(6)
///     .build()?;
/// assert_eq!(policy.hold_ttl(), Duration::from_secs(300));
/// assert_eq!(HoldPolicy::default().hold_ttl(), Duration::from_secs(600));
/// # Ok::<(), boxoffice::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldPolicy {
    hold_ttl: Duration,
    hold_lifetime_max: Duration,
    seats_per_hold_max: u16,
    seats_per_user_max: u32,
    live_holds_max: u32,
    resolved_holds_retained: u32,
}

impl Default for HoldPolicy {
    fn default() -> Self {
        HoldPolicy {
            hold_ttl: Duration::from_secs(10 * 60),
            hold_lifetime_max: Duration::from_secs(2 * 60 * 60),
            seats_per_hold_max: 10,
            seats_per_user_max: 10,
            live_holds_max: 100_000,
            resolved_holds_retained: 4_096,
        }
    }
}

impl HoldPolicy {
    /// Starts from the defaults.
    #[must_use]
    pub fn builder() -> HoldPolicyBuilder {
        HoldPolicyBuilder {
            policy: HoldPolicy::default(),
        }
    }

    /// How long a new or extended hold lives.
    #[must_use]
    pub fn hold_ttl(&self) -> Duration {
        self.hold_ttl
    }

    /// The most time a hold may live from its creation, extensions included.
    #[must_use]
    pub fn hold_lifetime_max(&self) -> Duration {
        self.hold_lifetime_max
    }

    /// The most seats in one hold.
    #[must_use]
    pub fn seats_per_hold_max(&self) -> u16 {
        self.seats_per_hold_max
    }

    /// The most seats one user may hold or have booked in one show at once.
    #[must_use]
    pub fn seats_per_user_max(&self) -> u32 {
        self.seats_per_user_max
    }

    /// The most live holds one show may have at once.
    #[must_use]
    pub fn live_holds_max(&self) -> u32 {
        self.live_holds_max
    }

    /// How many released or expired holds a manager remembers for precise late errors.
    #[must_use]
    pub fn resolved_holds_retained(&self) -> u32 {
        self.resolved_holds_retained
    }
}

/// Builds a [`HoldPolicy`]; [`build`](Self::build) checks every setting against its range.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use boxoffice::HoldPolicy;
///
/// let err = HoldPolicy::builder().hold_ttl(Duration::ZERO).build().unwrap_err();
/// assert_eq!(err.setting(), "hold_ttl");
/// ```
#[derive(Debug, Clone)]
pub struct HoldPolicyBuilder {
    policy: HoldPolicy,
}

impl HoldPolicyBuilder {
    /// Sets how long a new or extended hold lives.
    #[must_use]
    pub fn hold_ttl(mut self, ttl: Duration) -> Self {
        self.policy.hold_ttl = ttl;
        self
    }

    /// Sets the most time a hold may live from its creation, extensions included.
    #[must_use]
    pub fn hold_lifetime_max(mut self, lifetime: Duration) -> Self {
        self.policy.hold_lifetime_max = lifetime;
        self
    }

    /// Sets the most seats in one hold.
    #[must_use]
    pub fn seats_per_hold_max(mut self, seats: u16) -> Self {
        self.policy.seats_per_hold_max = seats;
        self
    }

    /// Sets the most seats one user may hold or have booked in one show.
    #[must_use]
    pub fn seats_per_user_max(mut self, seats: u32) -> Self {
        self.policy.seats_per_user_max = seats;
        self
    }

    /// Sets the most live holds per show.
    #[must_use]
    pub fn live_holds_max(mut self, holds: u32) -> Self {
        self.policy.live_holds_max = holds;
        self
    }

    /// Sets how many resolved holds a manager remembers.
    #[must_use]
    pub fn resolved_holds_retained(mut self, holds: u32) -> Self {
        self.policy.resolved_holds_retained = holds;
        self
    }

    /// Checks every setting and returns the policy.
    ///
    /// # Errors
    ///
    /// [`PolicyError`] naming the first setting outside its range (see [`HoldPolicy`]).
    pub fn build(self) -> Result<HoldPolicy, PolicyError> {
        let p = self.policy;
        let check = |ok: bool, setting: &'static str, got: String, range: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(PolicyError {
                    setting,
                    got,
                    range,
                })
            }
        };
        check(
            p.hold_ttl >= Duration::from_millis(1) && p.hold_ttl <= HOLD_TTL_LIMIT,
            "hold_ttl",
            format!("{:?}", p.hold_ttl),
            "1ms ..= 24h",
        )?;
        check(
            p.hold_lifetime_max >= p.hold_ttl && p.hold_lifetime_max <= HOLD_LIFETIME_LIMIT,
            "hold_lifetime_max",
            format!("{:?}", p.hold_lifetime_max),
            "hold_ttl ..= 7 days",
        )?;
        check(
            (1..=SEATS_PER_HOLD_LIMIT).contains(&p.seats_per_hold_max),
            "seats_per_hold_max",
            p.seats_per_hold_max.to_string(),
            "1 ..= 256",
        )?;
        check(
            (1..=crate::layout::LAYOUT_SEATS_MAX as u32).contains(&p.seats_per_user_max),
            "seats_per_user_max",
            p.seats_per_user_max.to_string(),
            "1 ..= 200000",
        )?;
        check(
            (1..=LIVE_HOLDS_LIMIT).contains(&p.live_holds_max),
            "live_holds_max",
            p.live_holds_max.to_string(),
            "1 ..= 1000000",
        )?;
        check(
            p.resolved_holds_retained <= RESOLVED_HOLDS_RETAINED_LIMIT,
            "resolved_holds_retained",
            p.resolved_holds_retained.to_string(),
            "0 ..= 1000000",
        )?;
        Ok(p)
    }
}

/// A [`HoldPolicy`] setting outside its accepted range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting} must be in {range}, got {got}")]
pub struct PolicyError {
    setting: &'static str,
    got: String,
    range: &'static str,
}

impl PolicyError {
    /// The name of the offending setting, e.g. `"hold_ttl"`.
    #[must_use]
    pub fn setting(&self) -> &'static str {
        self.setting
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_range_checked() {
        let check = |builder: HoldPolicyBuilder, setting: &str| {
            assert_eq!(builder.build().unwrap_err().setting(), setting);
        };
        let b = HoldPolicy::builder;
        check(b().hold_ttl(Duration::ZERO), "hold_ttl");
        check(b().hold_ttl(HOLD_TTL_LIMIT * 2), "hold_ttl");
        check(
            b().hold_ttl(Duration::from_secs(60))
                .hold_lifetime_max(Duration::from_secs(59)),
            "hold_lifetime_max",
        );
        check(
            b().hold_lifetime_max(HOLD_LIFETIME_LIMIT * 2),
            "hold_lifetime_max",
        );
        check(b().seats_per_hold_max(0), "seats_per_hold_max");
        check(b().seats_per_hold_max(257), "seats_per_hold_max");
        check(b().seats_per_user_max(0), "seats_per_user_max");
        check(b().live_holds_max(0), "live_holds_max");
        check(b().live_holds_max(LIVE_HOLDS_LIMIT + 1), "live_holds_max");
        check(
            b().resolved_holds_retained(RESOLVED_HOLDS_RETAINED_LIMIT + 1),
            "resolved_holds_retained",
        );
        assert_eq!(b().build(), Ok(HoldPolicy::default()));
    }
}
