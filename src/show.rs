//! What the booking side needs to know about a show: when it starts (in UTC and in the
//! theater's local time), what it shows, and in which currency it sells.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::id::{MovieId, ScreenId, ShowId, TheaterId};
use crate::money::Currency;

/// The facts about one show that pricing and cancellation use.
///
/// Local time is the theater's: `utc_offset` is the offset in force at the show's start (so a
/// host that knows its time zone's daylight-saving rules passes the right one per show).
///
/// # Examples
///
/// ```
/// use boxoffice::{Currency, ShowId, ShowInfo};
/// use chrono::{FixedOffset, TimeZone, Utc};
///
/// // 23:30 in New York (UTC-5) is already 04:30 the next day in UTC.
/// let starts = Utc.with_ymd_and_hms(2026, 12, 5, 4, 30, 0).unwrap();
/// let ny = FixedOffset::west_opt(5 * 3600).unwrap();
/// let show = ShowInfo::builder(ShowId::new(1), starts, ny, Currency::USD).build();
/// assert_eq!(show.local_start().to_string(), "2026-12-04 23:30:00");
/// assert_eq!(show.local_date().to_string(), "2026-12-04");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ShowInfo {
    id: ShowId,
    movie: MovieId,
    theater: TheaterId,
    screen: ScreenId,
    starts_at: DateTime<Utc>,
    #[cfg_attr(feature = "serde", serde(with = "offset_seconds"))]
    utc_offset: FixedOffset,
    currency: Currency,
    movie_release_date: Option<NaiveDate>,
}

impl ShowInfo {
    /// Starts describing a show.
    #[must_use]
    pub fn builder(
        id: ShowId,
        starts_at: DateTime<Utc>,
        utc_offset: FixedOffset,
        currency: Currency,
    ) -> ShowInfoBuilder {
        ShowInfoBuilder {
            info: ShowInfo {
                id,
                movie: MovieId::new(0),
                theater: TheaterId::new(0),
                screen: ScreenId::new(0),
                starts_at,
                utc_offset,
                currency,
                movie_release_date: None,
            },
        }
    }

    /// The show.
    #[must_use]
    pub fn id(&self) -> ShowId {
        self.id
    }

    /// The movie shown.
    #[must_use]
    pub fn movie(&self) -> MovieId {
        self.movie
    }

    /// The theater.
    #[must_use]
    pub fn theater(&self) -> TheaterId {
        self.theater
    }

    /// The screen.
    #[must_use]
    pub fn screen(&self) -> ScreenId {
        self.screen
    }

    /// When the show starts, in UTC.
    #[must_use]
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    /// The theater's UTC offset at the show's start.
    #[must_use]
    pub fn utc_offset(&self) -> FixedOffset {
        self.utc_offset
    }

    /// When the show starts, in the theater's local time.
    #[must_use]
    pub fn local_start(&self) -> NaiveDateTime {
        self.starts_at.with_timezone(&self.utc_offset).naive_local()
    }

    /// The local calendar date the show belongs to.
    #[must_use]
    pub fn local_date(&self) -> NaiveDate {
        self.local_start().date()
    }

    /// The currency tickets are sold in.
    #[must_use]
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The movie's release date, if known (for new-release pricing).
    #[must_use]
    pub fn movie_release_date(&self) -> Option<NaiveDate> {
        self.movie_release_date
    }
}

/// Builds a [`ShowInfo`].
#[derive(Debug, Clone)]
pub struct ShowInfoBuilder {
    info: ShowInfo,
}

impl ShowInfoBuilder {
    /// Sets the movie.
    #[must_use]
    pub fn movie(mut self, movie: MovieId) -> Self {
        self.info.movie = movie;
        self
    }

    /// Sets the theater and screen.
    #[must_use]
    pub fn venue(mut self, theater: TheaterId, screen: ScreenId) -> Self {
        self.info.theater = theater;
        self.info.screen = screen;
        self
    }

    /// Sets the movie's release date.
    #[must_use]
    pub fn movie_release_date(mut self, date: NaiveDate) -> Self {
        self.info.movie_release_date = Some(date);
        self
    }

    /// Finishes the description.
    #[must_use]
    pub fn build(self) -> ShowInfo {
        self.info
    }
}

/// Serializes a `FixedOffset` as its seconds east of UTC.
#[cfg(feature = "serde")]
mod offset_seconds {
    use chrono::FixedOffset;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        offset: &FixedOffset,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_i32(offset.local_minus_utc())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<FixedOffset, D::Error> {
        let seconds = i32::deserialize(deserializer)?;
        FixedOffset::east_opt(seconds)
            .ok_or_else(|| serde::de::Error::custom("UTC offset out of range"))
    }
}
