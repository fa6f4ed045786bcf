//! Newtype identifiers.
//!
//! Every id is a small `Copy` newtype so that a `ShowId` can never be passed where a `UserId`
//! is expected. Each one implements `Display` and `FromStr`, so a host can route on it
//! (`/shows/42/seats`).

use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

/// The error returned when a string does not parse as an identifier.
///
/// # Examples
///
/// ```
/// use boxoffice::ShowId;
///
/// let err = "forty-two".parse::<ShowId>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid show id: \"forty-two\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id: {input:?}")]
pub struct ParseIdError {
    kind: &'static str,
    input: String,
}

impl ParseIdError {
    pub(crate) fn new(kind: &'static str, input: &str) -> Self {
        // Keep the error bounded even if the input is not.
        let input: String = input.chars().take(64).collect();
        ParseIdError { kind, input }
    }

    /// Which kind of id failed to parse, e.g. `"show"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::UserId;
    ///
    /// assert_eq!("x".parse::<UserId>().unwrap_err().kind(), "user");
    /// ```
    #[must_use]
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

macro_rules! u64_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw number.
            #[must_use]
            pub const fn new(raw: u64) -> Self {
                $name(raw)
            }

            /// The raw number.
            #[must_use]
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(raw: u64) -> Self {
                $name(raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<u64>()
                    .map($name)
                    .map_err(|_| ParseIdError::new($kind, s))
            }
        }
    };
}

u64_id!(
    /// Identifies one show: a movie on a screen at a time. Seat state belongs to a show.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::ShowId;
    ///
    /// let show: ShowId = "42".parse()?;
    /// assert_eq!(show, ShowId::new(42));
    /// assert_eq!(show.to_string(), "42");
    /// # Ok::<(), boxoffice::ParseIdError>(())
    /// ```
    ShowId,
    "show"
);
u64_id!(
    /// Identifies a user (a buyer). Hosts map their own account ids onto it.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::UserId;
    ///
    /// assert_eq!("7".parse::<UserId>()?, UserId::new(7));
    /// # Ok::<(), boxoffice::ParseIdError>(())
    /// ```
    UserId,
    "user"
);
u64_id!(
    /// Identifies a booking.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::BookingId;
    ///
    /// assert_eq!(BookingId::new(3).to_string(), "3");
    /// ```
    BookingId,
    "booking"
);
u64_id!(
    /// Identifies a city in the catalog.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::CityId;
    ///
    /// assert_eq!(CityId::new(1).get(), 1);
    /// ```
    CityId,
    "city"
);
u64_id!(
    /// Identifies a theater (a venue with one or more screens).
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::TheaterId;
    ///
    /// assert_eq!(TheaterId::new(1).get(), 1);
    /// ```
    TheaterId,
    "theater"
);
u64_id!(
    /// Identifies a screen (an auditorium with a seat layout).
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::ScreenId;
    ///
    /// assert_eq!(ScreenId::new(1).get(), 1);
    /// ```
    ScreenId,
    "screen"
);
u64_id!(
    /// Identifies a movie.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::MovieId;
    ///
    /// assert_eq!(MovieId::new(1).get(), 1);
    /// ```
    MovieId,
    "movie"
);

/// Identifies one seat within a [`SeatLayout`](crate::SeatLayout): a dense index, numbered
/// from zero in row order, left to right.
///
/// A `SeatId` means something only together with its layout. Use
/// [`SeatLayout::seat_id`](crate::SeatLayout::seat_id) to turn a printed label such as `A5`
/// into an id.
///
/// # Examples
///
/// ```
/// use boxoffice::SeatId;
///
/// let seat: SeatId = "12".parse()?;
/// assert_eq!(seat.index(), 12);
/// # Ok::<(), boxoffice::ParseIdError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct SeatId(u32);

impl SeatId {
    /// Wraps a raw seat index.
    #[must_use]
    pub const fn new(index: u32) -> Self {
        SeatId(index)
    }

    /// The seat's index in its layout.
    #[must_use]
    pub const fn index(self) -> u32 {
        self.0
    }

    pub(crate) const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for SeatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for SeatId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<u32>()
            .map(SeatId)
            .map_err(|_| ParseIdError::new("seat", s))
    }
}

/// Identifies a seat hold. It is also the hold's **fencing token**.
///
/// A `HoldId` names the show it belongs to and a token that is strictly increasing per show and
/// never reused. A manager refuses a `HoldId` of another show, and a hold whose token is not
/// the one that currently owns its seats can never confirm them.
///
/// It prints as `show-token`, e.g. `42-17`, and parses back from that form.
///
/// # Examples
///
/// ```
/// use boxoffice::{HoldId, ShowId};
///
/// let hold: HoldId = "42-17".parse()?;
/// assert_eq!(hold.show(), ShowId::new(42));
/// assert_eq!(hold.token().get(), 17);
/// assert_eq!(hold.to_string(), "42-17");
/// # Ok::<(), boxoffice::ParseIdError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HoldId {
    show: ShowId,
    token: FencingToken,
}

impl HoldId {
    /// Builds a hold id from its parts. Only a seat store mints real ones; this exists so that
    /// hosts can rebuild an id they stored.
    #[must_use]
    pub const fn new(show: ShowId, token: FencingToken) -> Self {
        HoldId { show, token }
    }

    /// The show this hold belongs to.
    #[must_use]
    pub const fn show(self) -> ShowId {
        self.show
    }

    /// The fencing token: strictly increasing per show.
    #[must_use]
    pub const fn token(self) -> FencingToken {
        self.token
    }
}

impl fmt::Display for HoldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.show, self.token)
    }
}

impl FromStr for HoldId {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseIdError::new("hold", s);
        let (show, token) = s.split_once('-').ok_or_else(err)?;
        let show = show.parse::<u64>().map_err(|_| err())?;
        let token = token.parse::<FencingToken>().map_err(|_| err())?;
        Ok(HoldId::new(ShowId::new(show), token))
    }
}

/// A strictly increasing, never reused, non-zero number minted per show for every hold.
///
/// The token that currently owns a seat is stored with the seat. Confirm, extend and release
/// compare the caller's token with the stored one, so a holder that was paused past its expiry
/// can never act on seats another hold has taken since (Kleppmann's fencing argument).
///
/// # Examples
///
/// ```
/// use boxoffice::FencingToken;
///
/// let a = FencingToken::new(1).unwrap();
/// let b = FencingToken::new(2).unwrap();
/// assert!(a < b);
/// assert!(FencingToken::new(0).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct FencingToken(NonZeroU64);

impl FencingToken {
    /// Wraps a raw token; `None` for zero, which no store ever mints.
    #[must_use]
    pub const fn new(raw: u64) -> Option<Self> {
        match NonZeroU64::new(raw) {
            Some(raw) => Some(FencingToken(raw)),
            None => None,
        }
    }

    /// The raw token.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for FencingToken {
    type Err = ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<NonZeroU64>()
            .map(FencingToken)
            .map_err(|_| ParseIdError::new("fencing token", s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings() {
        for raw in [0_u64, 1, 42, u64::MAX] {
            let show = ShowId::new(raw);
            assert_eq!(show.to_string().parse::<ShowId>(), Ok(show));
        }
        let hold = HoldId::new(ShowId::new(9), FencingToken::new(u64::MAX).unwrap());
        assert_eq!(hold.to_string().parse::<HoldId>(), Ok(hold));
    }

    #[test]
    fn bad_id_strings_are_typed_errors() {
        for bad in ["", "-1", "1.5", "abc", "18446744073709551616"] {
            assert_eq!(bad.parse::<ShowId>().unwrap_err().kind(), "show", "{bad}");
        }
        for bad in ["", "1", "1-", "-1", "1-0", "1-x", "x-1", "1-2-3"] {
            assert_eq!(bad.parse::<HoldId>().unwrap_err().kind(), "hold", "{bad}");
        }
        let long = "x".repeat(10_000);
        let err = long.parse::<UserId>().unwrap_err();
        assert!(err.to_string().len() < 120, "error text stays bounded");
    }
}
