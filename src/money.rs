//! Money: a decimal amount in one currency, rounded to the currency's minor unit.
//!
//! # Rounding
//!
//! Amounts are rounded to the currency's minor unit **half away from zero** ("commercial"
//! rounding: 2.345 → 2.35). We round once per ticket price, not per step, so the statistical
//! bias that banker's rounding removes does not accumulate; half-up is what buyers, receipts and
//! most tax rules expect.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// An ISO 4217-style currency: a three-letter code and the number of minor-unit digits.
///
/// # Examples
///
/// ```
/// use boxoffice::Currency;
///
/// assert_eq!(Currency::EUR.code(), "EUR");
/// assert_eq!(Currency::JPY.minor_units(), 0);
/// let kwd = Currency::new("KWD", 3)?;
/// assert_eq!(kwd.to_string(), "KWD");
/// # Ok::<(), boxoffice::MoneyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u8,
}

impl Currency {
    /// US dollar.
    pub const USD: Currency = Currency::known(*b"USD", 2);
    /// Euro.
    pub const EUR: Currency = Currency::known(*b"EUR", 2);
    /// Pound sterling.
    pub const GBP: Currency = Currency::known(*b"GBP", 2);
    /// Indian rupee.
    pub const INR: Currency = Currency::known(*b"INR", 2);
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency::known(*b"JPY", 0);

    const fn known(code: [u8; 3], minor_units: u8) -> Currency {
        Currency { code, minor_units }
    }

    /// A currency from a three-letter upper-case code and 0 to 4 minor-unit digits.
    ///
    /// # Errors
    ///
    /// [`MoneyError::InvalidCurrency`] for any other code or digit count.
    pub fn new(code: &str, minor_units: u8) -> Result<Currency, MoneyError> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) || minor_units > 4 {
            return Err(MoneyError::InvalidCurrency {
                code: code.chars().take(8).collect(),
            });
        }
        Ok(Currency {
            code: [bytes[0], bytes[1], bytes[2]],
            minor_units,
        })
    }

    /// The three-letter code.
    #[must_use]
    pub fn code(&self) -> &str {
        // The constructor admits only ASCII upper-case letters.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Digits after the decimal point in this currency's minor unit.
    #[must_use]
    pub fn minor_units(&self) -> u8 {
        self.minor_units
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(feature = "serde")]
mod currency_serde {
    use super::Currency;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Repr {
        code: String,
        minor_units: u8,
    }

    impl serde::Serialize for Currency {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Repr {
                code: self.code().to_owned(),
                minor_units: self.minor_units,
            }
            .serialize(serializer)
        }
    }

    impl<'de> serde::Deserialize<'de> for Currency {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let repr = Repr::deserialize(deserializer)?;
            Currency::new(&repr.code, repr.minor_units).map_err(serde::de::Error::custom)
        }
    }
}

/// Why a money operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch {
        /// The left operand's currency.
        left: Currency,
        /// The right operand's currency.
        right: Currency,
    },
    /// The result does not fit in a decimal.
    #[error("amount overflow")]
    Overflow,
    /// A currency code or digit count is not valid.
    #[error("invalid currency {code:?}")]
    InvalidCurrency {
        /// The code given (truncated).
        code: String,
    },
    /// A string did not parse as an amount.
    #[error("invalid amount {input:?}")]
    InvalidAmount {
        /// The input (truncated).
        input: String,
    },
}

/// An amount of money in one currency, always rounded to the currency's minor unit.
///
/// Arithmetic is only defined within one currency: mixing currencies is a
/// [`MoneyError::CurrencyMismatch`], never a silent sum.
///
/// # Examples
///
/// ```
/// use boxoffice::{Currency, Money, MoneyError};
///
/// let ticket = Money::parse("12.50", Currency::EUR)?;
/// let fee = Money::parse("1.005", Currency::EUR)?; // rounds half away from zero
/// assert_eq!(fee.to_string(), "1.01 EUR");
/// assert_eq!(ticket.checked_add(fee)?.to_string(), "13.51 EUR");
///
/// let dollars = Money::parse("1", Currency::USD)?;
/// assert!(matches!(ticket.checked_add(dollars), Err(MoneyError::CurrencyMismatch { .. })));
/// # Ok::<(), MoneyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(from = "RawMoney"))]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// `amount` in `currency`, rounded to the minor unit (half away from zero).
    #[must_use]
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money {
            amount: round(amount, currency),
            currency,
        }
    }

    /// Zero in `currency`.
    #[must_use]
    pub fn zero(currency: Currency) -> Money {
        Money {
            amount: Decimal::new(0, u32::from(currency.minor_units)),
            currency,
        }
    }

    /// An amount counted in minor units, e.g. cents: `from_minor(1250, EUR)` is 12.50 EUR.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::{Currency, Money};
    ///
    /// assert_eq!(Money::from_minor(1250, Currency::EUR).to_string(), "12.50 EUR");
    /// assert_eq!(Money::from_minor(1250, Currency::JPY).to_string(), "1250 JPY");
    /// ```
    #[must_use]
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money::new(
            Decimal::new(minor, u32::from(currency.minor_units)),
            currency,
        )
    }

    /// Parses a decimal amount such as `"12.50"`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::InvalidAmount`] when `text` is not a decimal number.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let amount = Decimal::from_str(text.trim()).map_err(|_| MoneyError::InvalidAmount {
            input: text.chars().take(32).collect(),
        })?;
        Ok(Money::new(amount, currency))
    }

    /// The amount, with exactly the currency's minor-unit digits.
    #[must_use]
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    #[must_use]
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is zero.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same_currency(&self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        // Both operands carry exactly the minor-unit digits, so the sum does too.
        Ok(Money {
            amount: sum,
            currency: self.currency,
        })
    }

    /// `self - other`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let difference = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money {
            amount: difference,
            currency: self.currency,
        })
    }

    /// `self × factor`, rounded to the minor unit.
    ///
    /// # Errors
    ///
    /// [`MoneyError::Overflow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::{Currency, Money};
    /// use rust_decimal::Decimal;
    ///
    /// let price = Money::parse("12.00", Currency::EUR)?;
    /// assert_eq!(price.checked_mul(Decimal::new(125, 2))?.to_string(), "15.00 EUR");
    /// # Ok::<(), boxoffice::MoneyError>(())
    /// ```
    pub fn checked_mul(self, factor: Decimal) -> Result<Money, MoneyError> {
        let product = self
            .amount
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(product, self.currency))
    }

    /// The smaller of two amounts in the same currency.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`].
    pub fn checked_min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(if other.amount < self.amount {
            other
        } else {
            self
        })
    }

    /// Adds up amounts that must all be in `currency`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn sum<I: IntoIterator<Item = Money>>(
        currency: Currency,
        amounts: I,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }
}

/// Deserialized money is rounded like any other.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RawMoney {
    amount: Decimal,
    currency: Currency,
}

#[cfg(feature = "serde")]
impl From<RawMoney> for Money {
    fn from(raw: RawMoney) -> Money {
        Money::new(raw.amount, raw.currency)
    }
}

fn round(amount: Decimal, currency: Currency) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(
        u32::from(currency.minor_units),
        RoundingStrategy::MidpointAwayFromZero,
    );
    // Always carry exactly the minor-unit digits, so 12 EUR prints as 12.00.
    rounded.rescale(u32::from(currency.minor_units));
    rounded
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero_to_the_minor_unit() {
        let check = |input: &str, currency: Currency, expected: &str| {
            assert_eq!(
                Money::parse(input, currency).unwrap().amount().to_string(),
                expected,
                "{input}"
            );
        };
        check("2.345", Currency::EUR, "2.35");
        check("2.344", Currency::EUR, "2.34");
        check("-2.345", Currency::EUR, "-2.35");
        check("2.5", Currency::JPY, "3");
        check("12", Currency::EUR, "12.00");
    }

    #[test]
    fn bad_currencies_and_amounts_are_typed_errors() {
        for code in ["", "EU", "EURO", "eur", "E1R"] {
            assert!(matches!(
                Currency::new(code, 2),
                Err(MoneyError::InvalidCurrency { .. })
            ));
        }
        assert!(Currency::new("EUR", 5).is_err());
        assert!(matches!(
            Money::parse("12,50", Currency::EUR),
            Err(MoneyError::InvalidAmount { .. })
        ));
        let max = Money::new(Decimal::MAX, Currency::JPY);
        assert_eq!(max.checked_add(max), Err(MoneyError::Overflow));
        assert_eq!(
            Money::zero(Currency::EUR).checked_sub(Money::zero(Currency::USD)),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::USD
            })
        );
    }
}
