//! Cancellation policies: whether a confirmed booking may be cancelled, how much is refunded,
//! and whether its seats go back on sale.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use crate::booking::{Booking, Confirmed};
use crate::money::{Money, MoneyError};
use crate::show::ShowInfo;

/// What a policy decided for one cancellation request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancellationDecision {
    /// Cancel, refund `refund`, keep `kept`.
    Allowed {
        /// The amount to refund.
        refund: Money,
        /// The amount kept (fees and the non-refunded share).
        kept: Money,
        /// Whether the seats go back on sale.
        release_seats: bool,
        /// Which rule applied, for the customer and the audit trail.
        rule: String,
    },
    /// Not allowed.
    Refused {
        /// Why, for the customer.
        reason: String,
    },
}

/// Decides cancellations of confirmed bookings.
pub trait CancellationPolicy: Send + Sync + fmt::Debug {
    /// The decision for cancelling `booking` of `show` at `now`.
    fn decide(
        &self,
        booking: &Booking<Confirmed>,
        show: &ShowInfo,
        now: DateTime<Utc>,
    ) -> CancellationDecision;
}

/// Why a [`TieredCancellationPolicy`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cancellation policy: {reason}")]
pub struct InvalidCancellationPolicy {
    reason: &'static str,
}

/// The most tiers a [`TieredCancellationPolicy`] may have.
pub const CANCELLATION_TIERS_MAX: usize = 16;

/// A tiered policy with pretix-style fees.
///
/// The first tier whose `notice` is at most the time left before the show decides the refund
/// percentage; with no such tier, cancellation is refused. The default:
///
/// | time before the show | refund |
/// |---|---|
/// | ≥ 24 h | 100 % |
/// | 2 h – 24 h | 50 % |
/// | < 2 h | not allowed |
///
/// The refund is computed as
/// `refundable = total − (kept service fees, if keep_service_fees)`,
/// `refund = max(0, round(refundable × tier %) − round(refundable × fee %) − fixed fee)`,
/// and everything else is kept. Seats go back on sale when the cancellation comes at least
/// `resale_notice` before the show (default: always, since later ones are refused anyway).
///
/// # Examples
///
/// ```
/// use boxoffice::TieredCancellationPolicy;
/// use chrono::TimeDelta;
/// use rust_decimal::Decimal;
///
/// let policy = TieredCancellationPolicy::new(&[
///     (TimeDelta::hours(48), Decimal::from(100)),
///     (TimeDelta::hours(4), Decimal::from(25)),
/// ])?
/// .keep_service_fees(true)
/// .fee_percent(Decimal::from(5))?;
/// # Ok::<(), boxoffice::InvalidCancellationPolicy>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieredCancellationPolicy {
    tiers: Vec<(TimeDelta, Decimal)>,
    keep_service_fees: bool,
    fee_percent: Decimal,
    fixed_fee: Option<Money>,
    resale_notice: TimeDelta,
}

impl Default for TieredCancellationPolicy {
    fn default() -> Self {
        TieredCancellationPolicy {
            tiers: vec![
                (TimeDelta::hours(24), Decimal::from(100)),
                (TimeDelta::hours(2), Decimal::from(50)),
            ],
            keep_service_fees: false,
            fee_percent: Decimal::ZERO,
            fixed_fee: None,
            resale_notice: TimeDelta::zero(),
        }
    }
}

impl TieredCancellationPolicy {
    /// Tiers of `(notice, refund percent)`, in any order.
    ///
    /// # Errors
    ///
    /// [`InvalidCancellationPolicy`] for no tiers, more than [`CANCELLATION_TIERS_MAX`], a
    /// negative notice or a percentage outside 0–100.
    pub fn new(tiers: &[(TimeDelta, Decimal)]) -> Result<Self, InvalidCancellationPolicy> {
        if tiers.is_empty() || tiers.len() > CANCELLATION_TIERS_MAX {
            return Err(InvalidCancellationPolicy {
                reason: "1 to 16 tiers",
            });
        }
        let percent_ok = |p: &Decimal| *p >= Decimal::ZERO && *p <= Decimal::from(100);
        if tiers
            .iter()
            .any(|(notice, percent)| *notice < TimeDelta::zero() || !percent_ok(percent))
        {
            return Err(InvalidCancellationPolicy {
                reason: "notices must be positive and percentages within 0-100",
            });
        }
        let mut tiers = tiers.to_vec();
        // Longest notice first: the first tier that fits is the most generous one.
        tiers.sort_by_key(|tier| std::cmp::Reverse(tier.0));
        Ok(TieredCancellationPolicy {
            tiers,
            ..TieredCancellationPolicy::default()
        })
    }

    /// Keep the bookings' flat service fees (they are not refunded).
    #[must_use]
    pub fn keep_service_fees(mut self, keep: bool) -> Self {
        self.keep_service_fees = keep;
        self
    }

    /// Keep this percentage of the refundable amount as a cancellation fee.
    ///
    /// # Errors
    ///
    /// [`InvalidCancellationPolicy`] outside 0–100.
    pub fn fee_percent(mut self, percent: Decimal) -> Result<Self, InvalidCancellationPolicy> {
        if percent < Decimal::ZERO || percent > Decimal::from(100) {
            return Err(InvalidCancellationPolicy {
                reason: "the fee percentage must be within 0-100",
            });
        }
        self.fee_percent = percent;
        Ok(self)
    }

    /// Keep a fixed fee per cancellation.
    ///
    /// # Errors
    ///
    /// [`InvalidCancellationPolicy`] for a negative fee.
    pub fn fixed_fee(mut self, fee: Money) -> Result<Self, InvalidCancellationPolicy> {
        if fee.is_negative() {
            return Err(InvalidCancellationPolicy {
                reason: "the fixed fee must not be negative",
            });
        }
        self.fixed_fee = Some(fee);
        Ok(self)
    }

    /// Put seats back on sale only when cancelled at least `notice` before the show.
    #[must_use]
    pub fn resale_notice(mut self, notice: TimeDelta) -> Self {
        self.resale_notice = notice;
        self
    }

    fn refund(
        &self,
        booking: &Booking<Confirmed>,
        percent: Decimal,
    ) -> Result<(Money, Money), MoneyError> {
        let total = booking.quote().total();
        let currency = total.currency();
        let kept_fees = if self.keep_service_fees {
            booking.quote().fees()
        } else {
            Money::zero(currency)
        };
        let refundable = total.checked_sub(kept_fees)?;
        let hundred = Decimal::from(100);
        let gross = refundable.checked_mul(percent / hundred)?;
        let fee = refundable
            .checked_mul(self.fee_percent / hundred)?
            .checked_add(self.fixed_fee.unwrap_or(Money::zero(currency)))?;
        let mut refund = gross.checked_sub(fee)?;
        if refund.is_negative() {
            refund = Money::zero(currency);
        }
        Ok((refund, total.checked_sub(refund)?))
    }
}

impl CancellationPolicy for TieredCancellationPolicy {
    fn decide(
        &self,
        booking: &Booking<Confirmed>,
        show: &ShowInfo,
        now: DateTime<Utc>,
    ) -> CancellationDecision {
        let notice = show.starts_at() - now;
        let Some((tier_notice, percent)) = self.tiers.iter().find(|(n, _)| notice >= *n) else {
            return CancellationDecision::Refused {
                reason: format!(
                    "cancellations close {} hours before the show",
                    self.tiers.last().map_or(0, |t| t.0.num_hours())
                ),
            };
        };
        match self.refund(booking, *percent) {
            Ok((refund, kept)) => CancellationDecision::Allowed {
                refund,
                kept,
                release_seats: notice >= self.resale_notice,
                rule: format!(
                    "{}% refund at least {} hours before the show",
                    percent.normalize(),
                    tier_notice.num_hours()
                ),
            },
            Err(err) => CancellationDecision::Refused {
                reason: format!("refund could not be computed: {err}"),
            },
        }
    }
}
