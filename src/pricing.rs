//! Pricing: the strategy trait, the draft that settles rules in a fixed order, decorators.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Timelike, Weekday};
use rust_decimal::Decimal;

use crate::layout::{Seat, SeatKind};
use crate::money::{Currency, Money, MoneyError};
use crate::show::ShowInfo;

/// The largest multiplier a rule may apply.
pub const MULTIPLIER_MAX: Decimal = Decimal::from_parts(10, 0, 0, false, 0);
/// The most dates a holiday rule may list.
pub const HOLIDAY_DATES_MAX: usize = 1_000;

/// Why a price could not be computed or a rule could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// No rule in the chain set a base price.
    #[error("no rule set a base price")]
    NoBasePrice,
    /// No base price is configured for this seat kind.
    #[error("no price for {kind} seats")]
    NoPriceForKind {
        /// The kind.
        kind: SeatKind,
    },
    /// A rule's parameters are out of range (zero or negative prices, absurd multipliers).
    #[error("invalid {rule} rule: {reason}")]
    InvalidRule {
        /// Which rule.
        rule: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A rule's money is in another currency than the show's, or the sum overflowed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// What a [`PriceLine`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum PriceLineKind {
    /// The base price.
    Base,
    /// A multiplier, with its factor.
    Multiplier(Decimal),
    /// A flat fee.
    Fee,
    /// The cap cut the price down.
    Cap,
    /// An override replaced every other rule.
    Override,
}

/// One line of a price breakdown: a rule and what it added (or, for the base and an override,
/// the amount it set).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PriceLine {
    label: Cow<'static, str>,
    kind: PriceLineKind,
    amount: Money,
}

impl PriceLine {
    /// The rule's label, e.g. `"Weekend"`.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// What kind of rule it is.
    #[must_use]
    pub fn kind(&self) -> PriceLineKind {
        self.kind
    }

    /// For the base and an override, the price set; otherwise the change this rule made.
    #[must_use]
    pub fn amount(&self) -> Money {
        self.amount
    }
}

impl fmt::Display for PriceLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signed = |amount: Decimal| {
            if amount.is_sign_negative() && !amount.is_zero() {
                format!("{amount}")
            } else {
                format!("+{amount}")
            }
        };
        match self.kind {
            PriceLineKind::Base | PriceLineKind::Override => {
                write!(f, "{} {}", self.label, self.amount.amount())
            }
            PriceLineKind::Multiplier(factor) => {
                // At least two decimals, as prices read: ×1.20, ×1.125, ×2.00.
                let mut shown = factor.normalize();
                if shown.scale() < 2 {
                    shown.rescale(2);
                }
                write!(
                    f,
                    "{} ×{} {}",
                    self.label,
                    shown,
                    signed(self.amount.amount())
                )
            }
            PriceLineKind::Fee | PriceLineKind::Cap => {
                write!(f, "{} {}", self.label, signed(self.amount.amount()))
            }
        }
    }
}

/// The price of one seat, with the breakdown that explains it.
///
/// `Display` prints `Base (premium) 12.00; Weekend ×1.25 +3.00; = 15.00 EUR`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PriceQuote {
    lines: Vec<PriceLine>,
    base: Money,
    fees: Money,
    total: Money,
}

impl PriceQuote {
    /// The breakdown, in the order the rules were settled.
    #[must_use]
    pub fn lines(&self) -> &[PriceLine] {
        &self.lines
    }

    /// The base price (the override price when an override applied).
    #[must_use]
    pub fn base(&self) -> Money {
        self.base
    }

    /// The flat fees included in the total (what a cancellation policy may keep).
    #[must_use]
    pub fn fees(&self) -> Money {
        self.fees
    }

    /// The price to charge.
    #[must_use]
    pub fn total(&self) -> Money {
        self.total
    }
}

impl fmt::Display for PriceQuote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            write!(f, "{line}; ")?;
        }
        write!(f, "= {}", self.total)
    }
}

/// The rules a pricing chain recorded for one seat, settled by [`finish`](Self::finish) in the
/// documented order (see [`PricingStrategy`]).
#[derive(Debug, Clone)]
pub struct PriceDraft {
    currency: Currency,
    base: Option<(Cow<'static, str>, Money)>,
    multipliers: Vec<(Cow<'static, str>, Decimal)>,
    fees: Vec<(Cow<'static, str>, Money)>,
    caps: Vec<(Cow<'static, str>, Cap)>,
    over: Option<(Cow<'static, str>, Money)>,
}

#[derive(Debug, Clone, Copy)]
enum Cap {
    MultipleOfBase(Decimal),
    Absolute(Money),
}

impl PriceDraft {
    /// An empty draft for a show selling in `currency`.
    #[must_use]
    pub fn new(currency: Currency) -> Self {
        PriceDraft {
            currency,
            base: None,
            multipliers: Vec::new(),
            fees: Vec::new(),
            caps: Vec::new(),
            over: None,
        }
    }

    /// Whether an override has been recorded (outer rules then change nothing).
    #[must_use]
    pub fn is_overridden(&self) -> bool {
        self.over.is_some()
    }

    /// Sets the base price. A later call replaces an earlier one.
    pub fn set_base(&mut self, label: impl Into<Cow<'static, str>>, price: Money) {
        self.base = Some((label.into(), price));
    }

    /// Records a multiplier.
    pub fn multiply(&mut self, label: impl Into<Cow<'static, str>>, factor: Decimal) {
        self.multipliers.push((label.into(), factor));
    }

    /// Records a flat fee.
    pub fn add_fee(&mut self, label: impl Into<Cow<'static, str>>, fee: Money) {
        self.fees.push((label.into(), fee));
    }

    /// Records an override price that replaces every other rule.
    pub fn override_price(&mut self, label: impl Into<Cow<'static, str>>, price: Money) {
        self.over = Some((label.into(), price));
    }

    fn cap(&mut self, label: impl Into<Cow<'static, str>>, cap: Cap) {
        self.caps.push((label.into(), cap));
    }

    /// Settles the rules into a quote, in the documented order.
    ///
    /// # Errors
    ///
    /// [`PricingError::NoBasePrice`] without a base or override; [`PricingError::Money`] when a
    /// rule's money is in another currency or the arithmetic overflows.
    pub fn finish(self) -> Result<PriceQuote, PricingError> {
        let currency = self.currency;
        let in_currency = |money: Money| -> Result<Money, PricingError> {
            if money.currency() != currency {
                return Err(MoneyError::CurrencyMismatch {
                    left: currency,
                    right: money.currency(),
                }
                .into());
            }
            Ok(money)
        };
        if let Some((label, price)) = self.over {
            let price = in_currency(price)?;
            return Ok(PriceQuote {
                lines: vec![PriceLine {
                    label,
                    kind: PriceLineKind::Override,
                    amount: price,
                }],
                base: price,
                fees: Money::zero(currency),
                total: price,
            });
        }
        let (base_label, base) = self.base.ok_or(PricingError::NoBasePrice)?;
        let base = in_currency(base)?;
        let mut lines = Vec::with_capacity(1 + self.multipliers.len() + self.fees.len() + 1);
        lines.push(PriceLine {
            label: base_label,
            kind: PriceLineKind::Base,
            amount: base,
        });
        // Compound on the exact amount; round only for display and once for the subtotal.
        let mut exact = base.amount();
        let mut shown = base;
        for (label, factor) in self.multipliers {
            exact = exact.checked_mul(factor).ok_or(MoneyError::Overflow)?;
            let rounded = Money::new(exact, currency);
            lines.push(PriceLine {
                label,
                kind: PriceLineKind::Multiplier(factor),
                amount: rounded.checked_sub(shown)?,
            });
            shown = rounded;
        }
        let mut total = shown;
        let mut fees = Money::zero(currency);
        for (label, fee) in self.fees {
            let fee = in_currency(fee)?;
            total = total.checked_add(fee)?;
            fees = fees.checked_add(fee)?;
            lines.push(PriceLine {
                label,
                kind: PriceLineKind::Fee,
                amount: fee,
            });
        }
        let mut lowest: Option<(Cow<'static, str>, Money)> = None;
        for (label, cap) in self.caps {
            let limit = match cap {
                Cap::MultipleOfBase(factor) => base.checked_mul(factor)?,
                Cap::Absolute(limit) => in_currency(limit)?,
            };
            if lowest.as_ref().is_none_or(|(_, low)| limit < *low) {
                lowest = Some((label, limit));
            }
        }
        if let Some((label, limit)) = lowest
            && total > limit
        {
            lines.push(PriceLine {
                label,
                kind: PriceLineKind::Cap,
                amount: limit.checked_sub(total)?,
            });
            total = limit;
        }
        Ok(PriceQuote {
            lines,
            base,
            fees,
            total,
        })
    }
}

/// A pricing rule, or a chain of them. Leaves set a base price; decorators wrap another
/// strategy and record their rule on a [`PriceDraft`].
///
/// # The order of rules
///
/// Decorators do not compute on each other's running totals. Each one *records* its rule on a
/// [`PriceDraft`], and the draft is settled in a fixed order, whatever the wrapping order:
///
/// 1. an **override** (e.g. "Tuesday: every ticket 5.00 flat") short-circuits everything: the
///    ticket costs exactly the override price, and the breakdown says so;
/// 2. the **base** price (by seat kind);
/// 3. every **multiplier** (weekend, peak hour, holiday, new release), compounded on the exact
///    base and rounded once: `round(base × m₁ × m₂ × …)`;
/// 4. every **flat fee** (convenience fee), added;
/// 5. the **cap** (the lowest of all caps: a multiple of base or an absolute maximum), last.
///
/// So wrapping order cannot change a total: multiplication and addition commute, and rounding
/// happens once. It can change only the order of breakdown lines and how the rounding cent of
/// the multiplied subtotal is attributed between multiplier lines.
///
/// # Example
///
/// ```
/// use boxoffice::{Currency, Money, PeakHourPricing, PricingStrategy, SeatKind, SeatKindPricing, SeatLayout, ShowId, ShowInfo, WeekendPricing};
/// use chrono::{FixedOffset, TimeZone, Utc};
/// use rust_decimal::Decimal;
///
/// let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
/// let base = SeatKindPricing::new(eur("10.00"))?.with_kind(SeatKind::Premium, eur("12.00"))?;
/// let pricing = PeakHourPricing::new(
///     WeekendPricing::new(base, Decimal::new(125, 2))?,
///     Decimal::new(120, 2),
///     18..23,
/// )?;
/// // Saturday 2026-12-05, 19:00 in Paris (UTC+1).
/// let show = ShowInfo::builder(
///     ShowId::new(1),
///     Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap(),
///     FixedOffset::east_opt(3600).unwrap(),
///     Currency::EUR,
/// ).build();
/// let layout = SeatLayout::builder().row("A", "PP").build()?;
/// let quote = pricing.quote(&show, &layout.seats()[0])?;
/// assert_eq!(
///     quote.to_string(),
///     "Base (premium) 12.00; Weekend ×1.25 +3.00; Peak hour ×1.20 +3.00; = 18.00 EUR"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Example: a custom decorator
///
/// A student discount:
///
/// ```
/// use boxoffice::{PriceDraft, PricingError, PricingStrategy, Seat, ShowInfo};
/// use rust_decimal::Decimal;
///
/// #[derive(Debug)]
/// struct Student<S>(S);
///
/// impl<S: PricingStrategy> PricingStrategy for Student<S> {
///     fn apply(&self, show: &ShowInfo, seat: &Seat, draft: &mut PriceDraft) -> Result<(), PricingError> {
///         self.0.apply(show, seat, draft)?;
///         draft.multiply("Student", Decimal::new(80, 2));
///         Ok(())
///     }
/// }
/// ```
pub trait PricingStrategy: Send + Sync + fmt::Debug {
    /// Records this strategy's rules for `seat` at `show` on `draft`.
    ///
    /// # Errors
    ///
    /// [`PricingError`] when the rule cannot price this seat.
    fn apply(
        &self,
        show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError>;

    /// The price of `seat` at `show`, with its breakdown.
    ///
    /// # Errors
    ///
    /// [`PricingError`] from [`apply`](Self::apply) or [`PriceDraft::finish`].
    fn quote(&self, show: &ShowInfo, seat: &Seat) -> Result<PriceQuote, PricingError> {
        let mut draft = PriceDraft::new(show.currency());
        self.apply(show, seat, &mut draft)?;
        draft.finish()
    }
}

impl<P: PricingStrategy + ?Sized> PricingStrategy for Arc<P> {
    fn apply(
        &self,
        show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError> {
        (**self).apply(show, seat, draft)
    }
}

impl<P: PricingStrategy + ?Sized> PricingStrategy for Box<P> {
    fn apply(
        &self,
        show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError> {
        (**self).apply(show, seat, draft)
    }
}

fn positive(rule: &'static str, money: Money) -> Result<Money, PricingError> {
    if money.is_negative() || money.is_zero() {
        return Err(PricingError::InvalidRule {
            rule,
            reason: "the amount must be above zero",
        });
    }
    Ok(money)
}

fn factor(rule: &'static str, factor: Decimal) -> Result<Decimal, PricingError> {
    if factor <= Decimal::ZERO || factor > MULTIPLIER_MAX {
        return Err(PricingError::InvalidRule {
            rule,
            reason: "the multiplier must be above 0 and at most 10",
        });
    }
    Ok(factor)
}

/// The leaf of most chains: a base price per seat kind, with a default for kinds not listed.
///
/// # Examples
///
/// ```
/// use boxoffice::{Currency, Money, PricingError, SeatKind, SeatKindPricing};
///
/// let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
/// let pricing = SeatKindPricing::new(eur("10"))?.with_kind(SeatKind::Vip, eur("25"))?;
/// assert!(matches!(SeatKindPricing::new(eur("0")), Err(PricingError::InvalidRule { .. })));
/// # Ok::<(), PricingError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatKindPricing {
    default: Money,
    by_kind: Vec<(SeatKind, Money)>,
}

impl SeatKindPricing {
    /// Every kind costs `default` until [`with_kind`](Self::with_kind) says otherwise.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] when `default` is zero or negative.
    pub fn new(default: Money) -> Result<Self, PricingError> {
        Ok(SeatKindPricing {
            default: positive("seat kind", default)?,
            by_kind: Vec::new(),
        })
    }

    /// Sets the base price of one kind.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] when `price` is zero or negative;
    /// [`PricingError::Money`] when it is in another currency than the default.
    pub fn with_kind(mut self, kind: SeatKind, price: Money) -> Result<Self, PricingError> {
        let price = positive("seat kind", price)?;
        self.default.checked_sub(price)?;
        self.by_kind.retain(|(k, _)| *k != kind);
        self.by_kind.push((kind, price));
        Ok(self)
    }
}

impl PricingStrategy for SeatKindPricing {
    fn apply(
        &self,
        _show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError> {
        let price = self
            .by_kind
            .iter()
            .find(|(kind, _)| *kind == seat.kind())
            .map_or(self.default, |(_, price)| *price);
        let label = match seat.kind() {
            SeatKind::Premium => "Base (premium)",
            SeatKind::Vip => "Base (vip)",
            SeatKind::Recliner => "Base (recliner)",
            _ => "Base (regular)",
        };
        draft.set_base(label, price);
        Ok(())
    }
}

macro_rules! multiplier_rule {
    (
        $(#[$meta:meta])*
        $name:ident, $label:literal,
        { $($field:ident : $ty:ty),* },
        |$self_:ident, $show:ident| $applies:expr
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name<S> {
            inner: S,
            factor: Decimal,
            $($field: $ty),*
        }

        impl<S: PricingStrategy> PricingStrategy for $name<S> {
            fn apply(
                &self,
                show: &ShowInfo,
                seat: &Seat,
                draft: &mut PriceDraft,
            ) -> Result<(), PricingError> {
                self.inner.apply(show, seat, draft)?;
                let applies = {
                    let $self_ = self;
                    let $show = show;
                    $applies
                };
                if applies {
                    draft.multiply($label, self.factor);
                }
                Ok(())
            }
        }
    };
}

multiplier_rule!(
    /// Multiplies the price on weekend days (Saturday and Sunday, local time, by default).
    ///
    /// # Examples
    ///
    /// See [`PricingStrategy`].
    WeekendPricing, "Weekend",
    { days: Vec<Weekday> },
    |rule, show| rule.days.contains(&show.local_start().weekday())
);

impl<S> WeekendPricing<S> {
    /// Weekend is Saturday and Sunday.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] unless `0 < factor ≤ 10`.
    pub fn new(inner: S, factor: Decimal) -> Result<Self, PricingError> {
        WeekendPricing::with_days(inner, factor, &[Weekday::Sat, Weekday::Sun])
    }

    /// Weekend is the given days (e.g. Friday and Saturday).
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] unless `0 < factor ≤ 10`.
    pub fn with_days(inner: S, factor: Decimal, days: &[Weekday]) -> Result<Self, PricingError> {
        Ok(WeekendPricing {
            inner,
            factor: self::factor("weekend", factor)?,
            days: days.to_vec(),
        })
    }
}

multiplier_rule!(
    /// Multiplies the price of shows starting within the peak hours (local time).
    ///
    /// # Examples
    ///
    /// See [`PricingStrategy`].
    PeakHourPricing, "Peak hour",
    { hours: Range<u32> },
    |rule, show| rule.hours.contains(&show.local_start().hour())
);

impl<S> PeakHourPricing<S> {
    /// Peak is `hours` (e.g. `18..23`: from 18:00 up to 22:59, local).
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] unless `0 < factor ≤ 10` and `hours` is a non-empty
    /// range within `0..24`.
    pub fn new(inner: S, factor: Decimal, hours: Range<u32>) -> Result<Self, PricingError> {
        if hours.is_empty() || hours.end > 24 {
            return Err(PricingError::InvalidRule {
                rule: "peak hour",
                reason: "hours must be a non-empty range within 0..24",
            });
        }
        Ok(PeakHourPricing {
            inner,
            factor: self::factor("peak hour", factor)?,
            hours,
        })
    }
}

multiplier_rule!(
    /// Multiplies the price on listed holidays (local dates).
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::{Currency, HolidayPricing, Money, SeatKindPricing};
    /// use chrono::NaiveDate;
    /// use rust_decimal::Decimal;
    ///
    /// let base = SeatKindPricing::new(Money::parse("10", Currency::EUR)?)?;
    /// let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
    /// let pricing = HolidayPricing::new(base, Decimal::new(13, 1), &[christmas])?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    HolidayPricing, "Holiday",
    { dates: BTreeSet<NaiveDate> },
    |rule, show| rule.dates.contains(&show.local_date())
);

impl<S> HolidayPricing<S> {
    /// Holidays are `dates`.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] unless `0 < factor ≤ 10` and there are at most
    /// [`HOLIDAY_DATES_MAX`] dates.
    pub fn new(inner: S, factor: Decimal, dates: &[NaiveDate]) -> Result<Self, PricingError> {
        if dates.len() > HOLIDAY_DATES_MAX {
            return Err(PricingError::InvalidRule {
                rule: "holiday",
                reason: "at most 1000 dates",
            });
        }
        Ok(HolidayPricing {
            inner,
            factor: self::factor("holiday", factor)?,
            dates: dates.iter().copied().collect(),
        })
    }
}

multiplier_rule!(
    /// Multiplies the price of a movie's shows during its first days after release.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::{Currency, Money, NewReleasePricing, SeatKindPricing};
    /// use rust_decimal::Decimal;
    ///
    /// let base = SeatKindPricing::new(Money::parse("10", Currency::EUR)?)?;
    /// let pricing = NewReleasePricing::new(base, Decimal::new(13, 1), 14)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    NewReleasePricing, "New release",
    { window_days: i64 },
    |rule, show| show.movie_release_date().is_some_and(|release| {
        let age = (show.local_date() - release).num_days();
        (0..rule.window_days).contains(&age)
    })
);

impl<S> NewReleasePricing<S> {
    /// Applies to shows whose local date is within `window_days` days from the release date
    /// (release day included).
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] unless `0 < factor ≤ 10` and `1 ≤ window_days ≤ 365`.
    pub fn new(inner: S, factor: Decimal, window_days: u16) -> Result<Self, PricingError> {
        if !(1..=365).contains(&window_days) {
            return Err(PricingError::InvalidRule {
                rule: "new release",
                reason: "the window must be 1 to 365 days",
            });
        }
        Ok(NewReleasePricing {
            inner,
            factor: self::factor("new release", factor)?,
            window_days: i64::from(window_days),
        })
    }
}

/// Adds a flat fee per ticket, after every multiplier.
///
/// # Examples
///
/// ```
/// use boxoffice::{ConvenienceFee, Currency, Money, SeatKindPricing};
///
/// let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
/// let pricing = ConvenienceFee::new(SeatKindPricing::new(eur("10"))?, eur("1.50"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConvenienceFee<S> {
    inner: S,
    fee: Money,
}

impl<S> ConvenienceFee<S> {
    /// A fee of `fee` per ticket.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] when `fee` is zero or negative.
    pub fn new(inner: S, fee: Money) -> Result<Self, PricingError> {
        Ok(ConvenienceFee {
            inner,
            fee: positive("convenience fee", fee)?,
        })
    }
}

impl<S: PricingStrategy> PricingStrategy for ConvenienceFee<S> {
    fn apply(
        &self,
        show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError> {
        self.inner.apply(show, seat, draft)?;
        draft.add_fee("Convenience fee", self.fee);
        Ok(())
    }
}

/// Caps the final price (fees included): at a multiple of the base price, or at an absolute
/// amount. Applied last, whatever the wrapping order; with several caps the lowest wins.
///
/// # Examples
///
/// ```
/// use boxoffice::{Currency, Money, PriceCap, SeatKindPricing, WeekendPricing};
/// use rust_decimal::Decimal;
///
/// let base = SeatKindPricing::new(Money::parse("10", Currency::EUR)?)?;
/// let capped = PriceCap::multiple_of_base(WeekendPricing::new(base, Decimal::new(3, 0))?, Decimal::new(2, 0))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct PriceCap<S> {
    inner: S,
    cap: Cap,
}

impl<S> PriceCap<S> {
    /// At most `factor` × the base price.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] unless `1 ≤ factor ≤ 10`.
    pub fn multiple_of_base(inner: S, factor: Decimal) -> Result<Self, PricingError> {
        if factor < Decimal::ONE {
            return Err(PricingError::InvalidRule {
                rule: "price cap",
                reason: "a cap below the base price would be a discount",
            });
        }
        Ok(PriceCap {
            inner,
            cap: Cap::MultipleOfBase(self::factor("price cap", factor)?),
        })
    }

    /// At most `limit`.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] when `limit` is zero or negative.
    pub fn absolute(inner: S, limit: Money) -> Result<Self, PricingError> {
        Ok(PriceCap {
            inner,
            cap: Cap::Absolute(positive("price cap", limit)?),
        })
    }
}

impl<S: PricingStrategy> PricingStrategy for PriceCap<S> {
    fn apply(
        &self,
        show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError> {
        self.inner.apply(show, seat, draft)?;
        draft.cap("Price cap", self.cap);
        Ok(())
    }
}

/// "Tuesday: every ticket 5.00 flat": on the listed local weekdays, every ticket costs exactly
/// `price`, whatever the seat, time or fee. It short-circuits the chain: the wrapped
/// strategy is not consulted, and rules wrapped around it change nothing.
///
/// # Examples
///
/// ```
/// use boxoffice::{Currency, FlatDayOverride, Money, SeatKindPricing};
/// use chrono::Weekday;
///
/// let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
/// let pricing = FlatDayOverride::new(SeatKindPricing::new(eur("10"))?, &[Weekday::Tue], eur("5.00"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FlatDayOverride<S> {
    inner: S,
    days: Vec<Weekday>,
    price: Money,
}

impl<S> FlatDayOverride<S> {
    /// Every ticket costs `price` on `days`. A zero price (free screenings) is allowed.
    ///
    /// # Errors
    ///
    /// [`PricingError::InvalidRule`] when `price` is negative or `days` is empty.
    pub fn new(inner: S, days: &[Weekday], price: Money) -> Result<Self, PricingError> {
        if price.is_negative() || days.is_empty() {
            return Err(PricingError::InvalidRule {
                rule: "flat day override",
                reason: "needs at least one day and a price of zero or more",
            });
        }
        Ok(FlatDayOverride {
            inner,
            days: days.to_vec(),
            price,
        })
    }
}

impl<S: PricingStrategy> PricingStrategy for FlatDayOverride<S> {
    fn apply(
        &self,
        show: &ShowInfo,
        seat: &Seat,
        draft: &mut PriceDraft,
    ) -> Result<(), PricingError> {
        let day = show.local_start().weekday();
        if self.days.contains(&day) {
            draft.override_price(format!("Override: {day} flat"), self.price);
            return Ok(());
        }
        self.inner.apply(show, seat, draft)
    }
}
