//! The catalog: cities, theaters, screens, movies and shows; browsing by city, theater, movie,
//! local date and time; and scheduling shows on screens without overlaps.
//!
//! # Local time
//!
//! Every date and time a person sees is the theater's local time: a theater has a UTC offset,
//! and a show belongs to the local date of its start. A show at 23:30 in New York is on that
//! local date even though UTC has moved to the next day.
//!
//! # Scheduling
//!
//! A show occupies a **block** on its screen:
//! `block_start = start − trailer`, `block_end = start + runtime + intermission + cleaning`,
//! with trailer, intermission and cleaning set per theater and overridable per movie.
//!
//! - A block that overlaps another on the same screen is a **hard conflict**: rejected, naming
//!   the other show and the overlap. Blocks that touch (one ends when the next starts) are
//!   allowed.
//! - A gap shorter than the theater's recommended turnover is a **soft conflict**: rejected with
//!   warnings unless the admin overrides, and the override is recorded on the show.
//! - Per-screen schedules are `BTreeMap`s keyed by block start, so adding or checking a show
//!   looks at its two neighbours: O(log n) in the shows on that screen.
//!
//! # Index complexity
//!
//! | query | cost |
//! |---|---|
//! | movies in a city on a date | O(log N + k), k = shows in that city that day |
//! | shows of a movie in a city on a date, by theater then start | O(log N + k) |
//! | shows at a theater on a date | O(log N + k) |
//! | add / check a show | O(log n), n = shows on its screen |
//! | change a movie's runtime | O(m log n), m = that movie's future shows |
//!
//! N is every show in the catalog; nothing scans all of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Timelike, Utc};

use crate::id::{CityId, MovieId, ScreenId, ShowId, TheaterId};
use crate::inventory::SeatCounts;
use crate::layout::SeatLayout;
use crate::money::Currency;
use crate::show::ShowInfo;
use crate::store::{SeatStore, StoreError};

/// The most cities, theaters, screens or movies a catalog holds.
pub const CATALOG_ENTITIES_MAX: usize = 100_000;
/// The most shows a catalog holds.
pub const CATALOG_SHOWS_MAX: usize = 1_000_000;
/// The longest name or title, in characters.
pub const NAME_LEN_MAX: usize = 200;
/// The most genres a movie may list.
pub const GENRES_MAX: usize = 16;
/// The longest movie runtime.
pub const RUNTIME_MAX: TimeDelta = TimeDelta::hours(10);
/// The longest trailer, intermission, cleaning or turnover time.
pub const TIMING_MAX: TimeDelta = TimeDelta::hours(2);
/// The most movies one auto-schedule call considers.
pub const AUTO_SCHEDULE_MOVIES_MAX: usize = 64;

/// Why a catalog operation was refused. Nothing changes on error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// An id is already taken.
    #[error("{kind} {id} already exists")]
    Duplicate {
        /// What kind of entity.
        kind: &'static str,
        /// The id.
        id: u64,
    },
    /// An id refers to nothing.
    #[error("{kind} {id} is unknown")]
    Unknown {
        /// What kind of entity.
        kind: &'static str,
        /// The id.
        id: u64,
    },
    /// A field is out of range.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A limit was reached.
    #[error("the catalog holds {max} {what}, its limit")]
    Full {
        /// What is full.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// The show would start at or before now.
    #[error("a show cannot start in the past")]
    InPast,
    /// The show's block overlaps another show's block on the same screen.
    #[error("show overlaps show {other} on this screen by {} minutes", overlap.num_minutes())]
    HardConflict {
        /// The show in the way.
        other: ShowId,
        /// How much the blocks overlap.
        overlap: TimeDelta,
    },
    /// The gaps around the show are shorter than the theater recommends; add it again with
    /// [`ScheduleOverride::AcceptSoftConflicts`] to keep it anyway.
    #[error("{} soft scheduling conflicts", warnings.len())]
    SoftConflict {
        /// Each short gap.
        warnings: Vec<ScheduleWarning>,
    },
    /// A runtime change would make future shows conflict; apply it with `force` to keep them
    /// anyway (they are then flagged).
    #[error("the runtime change creates {} conflicts", conflicts.len())]
    RuntimeConflicts {
        /// What would conflict.
        conflicts: Vec<RuntimeConflict>,
    },
    /// The show has held or booked seats: cancel its bookings first.
    #[error("show {show} has {held} held and {booked} booked seats; cancel them first")]
    ShowHasBookings {
        /// The show.
        show: ShowId,
        /// Seats held.
        held: u32,
        /// Seats booked.
        booked: u32,
    },
    /// The seat store failed while checking a show.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check_name(field: &'static str, name: &str) -> Result<(), CatalogError> {
    if name.trim().is_empty() || name.chars().count() > NAME_LEN_MAX {
        return Err(CatalogError::Invalid {
            field,
            reason: "must be 1 to 200 characters",
        });
    }
    Ok(())
}

fn check_timing(field: &'static str, timing: TimeDelta) -> Result<(), CatalogError> {
    if timing < TimeDelta::zero() || timing > TIMING_MAX {
        return Err(CatalogError::Invalid {
            field,
            reason: "must be between 0 and 2 hours",
        });
    }
    Ok(())
}

/// Trailer, intermission and cleaning times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    /// Ads and trailers before the movie starts.
    pub trailer: TimeDelta,
    /// The break in the middle (common for long films in Indian cinema).
    pub intermission: TimeDelta,
    /// Cleaning after the show.
    pub cleaning: TimeDelta,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            trailer: TimeDelta::minutes(15),
            intermission: TimeDelta::zero(),
            cleaning: TimeDelta::minutes(15),
        }
    }
}

impl Timings {
    fn check(&self) -> Result<(), CatalogError> {
        check_timing("trailer", self.trailer)?;
        check_timing("intermission", self.intermission)?;
        check_timing("cleaning", self.cleaning)
    }
}

/// A city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct City {
    id: CityId,
    name: String,
}

impl City {
    /// Its id.
    #[must_use]
    pub fn id(&self) -> CityId {
        self.id
    }

    /// Its name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// What [`Catalog::add_theater`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TheaterSpec {
    /// The theater's id.
    pub id: TheaterId,
    /// Its city (must exist).
    pub city: CityId,
    /// Its name.
    pub name: String,
    /// Its UTC offset: local dates and times are computed with it.
    pub utc_offset: FixedOffset,
    /// The currency it sells in.
    pub currency: Currency,
    /// Default trailer, intermission and cleaning times.
    pub timings: Timings,
    /// The gap between blocks below which scheduling warns (a soft conflict).
    pub turnover: TimeDelta,
}

/// A theater.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theater {
    spec: TheaterSpec,
}

impl Theater {
    /// Its id.
    #[must_use]
    pub fn id(&self) -> TheaterId {
        self.spec.id
    }

    /// Its city.
    #[must_use]
    pub fn city(&self) -> CityId {
        self.spec.city
    }

    /// Its name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Its UTC offset.
    #[must_use]
    pub fn utc_offset(&self) -> FixedOffset {
        self.spec.utc_offset
    }

    /// Its currency.
    #[must_use]
    pub fn currency(&self) -> Currency {
        self.spec.currency
    }

    /// Its default timings.
    #[must_use]
    pub fn timings(&self) -> Timings {
        self.spec.timings
    }

    /// Its recommended turnover gap.
    #[must_use]
    pub fn turnover(&self) -> TimeDelta {
        self.spec.turnover
    }
}

/// A screen: an auditorium with a seat layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    id: ScreenId,
    theater: TheaterId,
    name: String,
    layout: Arc<SeatLayout>,
}

impl Screen {
    /// Its id.
    #[must_use]
    pub fn id(&self) -> ScreenId {
        self.id
    }

    /// Its theater.
    #[must_use]
    pub fn theater(&self) -> TheaterId {
        self.theater
    }

    /// Its name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its seat layout, shared by every show on it.
    #[must_use]
    pub fn layout(&self) -> &Arc<SeatLayout> {
        &self.layout
    }
}

/// What [`Catalog::add_movie`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovieSpec {
    /// The movie's id.
    pub id: MovieId,
    /// Its title.
    pub title: String,
    /// Its runtime.
    pub runtime: TimeDelta,
    /// Its language, e.g. `"en"`.
    pub language: String,
    /// Its certificate or rating, e.g. `"PG-13"`.
    pub certificate: String,
    /// Its genres (at most [`GENRES_MAX`]).
    pub genres: Vec<String>,
    /// Its release date.
    pub release_date: NaiveDate,
    /// Timings that replace the theater's for this movie (e.g. a long intermission).
    pub trailer: Option<TimeDelta>,
    /// Intermission override.
    pub intermission: Option<TimeDelta>,
    /// Cleaning override.
    pub cleaning: Option<TimeDelta>,
}

/// A movie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movie {
    spec: MovieSpec,
}

impl Movie {
    /// Its id.
    #[must_use]
    pub fn id(&self) -> MovieId {
        self.spec.id
    }

    /// Its title.
    #[must_use]
    pub fn title(&self) -> &str {
        &self.spec.title
    }

    /// Its runtime.
    #[must_use]
    pub fn runtime(&self) -> TimeDelta {
        self.spec.runtime
    }

    /// Its language.
    #[must_use]
    pub fn language(&self) -> &str {
        &self.spec.language
    }

    /// Its certificate.
    #[must_use]
    pub fn certificate(&self) -> &str {
        &self.spec.certificate
    }

    /// Its genres.
    #[must_use]
    pub fn genres(&self) -> &[String] {
        &self.spec.genres
    }

    /// Its release date.
    #[must_use]
    pub fn release_date(&self) -> NaiveDate {
        self.spec.release_date
    }

    fn timings(&self, theater: Timings) -> Timings {
        Timings {
            trailer: self.spec.trailer.unwrap_or(theater.trailer),
            intermission: self.spec.intermission.unwrap_or(theater.intermission),
            cleaning: self.spec.cleaning.unwrap_or(theater.cleaning),
        }
    }
}

/// What [`Catalog::add_show`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowSpec {
    /// The show's id.
    pub id: ShowId,
    /// The movie.
    pub movie: MovieId,
    /// The screen.
    pub screen: ScreenId,
    /// When the movie starts (after the trailers), in UTC.
    pub starts_at: DateTime<Utc>,
    /// The format, e.g. `"2D"`, `"3D"`, `"IMAX"`.
    pub format: String,
}

/// Whether to keep a show despite soft conflicts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ScheduleOverride {
    /// Refuse soft conflicts (the default).
    #[default]
    None,
    /// Keep the show despite short gaps; the note is recorded on the show.
    AcceptSoftConflicts {
        /// Who overrode and why.
        note: String,
    },
}

/// A gap around a show shorter than its theater recommends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleWarning {
    /// The neighbouring show.
    pub neighbour: ShowId,
    /// The gap between the blocks.
    pub gap: TimeDelta,
    /// The recommended turnover.
    pub recommended: TimeDelta,
}

/// A future show that a runtime change would push into a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConflict {
    /// The show whose block grows.
    pub show: ShowId,
    /// The show it would overlap or crowd.
    pub neighbour: ShowId,
    /// Overlap (hard) when positive; when zero or negative, the shortened gap (soft).
    pub overlap: TimeDelta,
    /// Whether blocks would overlap (else: a gap below the recommended turnover).
    pub hard: bool,
}

/// A scheduled show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Show {
    spec: ShowSpec,
    theater: TheaterId,
    city: CityId,
    local_date: NaiveDate,
    block: (DateTime<Utc>, DateTime<Utc>),
    override_note: Option<String>,
    flagged: Vec<RuntimeConflict>,
}

impl Show {
    /// Its id.
    #[must_use]
    pub fn id(&self) -> ShowId {
        self.spec.id
    }

    /// The movie.
    #[must_use]
    pub fn movie(&self) -> MovieId {
        self.spec.movie
    }

    /// The screen.
    #[must_use]
    pub fn screen(&self) -> ScreenId {
        self.spec.screen
    }

    /// The theater.
    #[must_use]
    pub fn theater(&self) -> TheaterId {
        self.theater
    }

    /// The city.
    #[must_use]
    pub fn city(&self) -> CityId {
        self.city
    }

    /// When the movie starts, in UTC.
    #[must_use]
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.spec.starts_at
    }

    /// The local date the show belongs to.
    #[must_use]
    pub fn local_date(&self) -> NaiveDate {
        self.local_date
    }

    /// The format.
    #[must_use]
    pub fn format(&self) -> &str {
        &self.spec.format
    }

    /// The block it occupies on its screen: `[start − trailer, start + runtime + intermission
    /// + cleaning)`.
    #[must_use]
    pub fn block(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        self.block
    }

    /// The note of an admin who accepted soft conflicts for it.
    #[must_use]
    pub fn override_note(&self) -> Option<&str> {
        self.override_note.as_deref()
    }

    /// Conflicts a forced runtime change left on it, to be resolved by an admin.
    #[must_use]
    pub fn flagged_conflicts(&self) -> &[RuntimeConflict] {
        &self.flagged
    }
}

/// Optional filters for show listings.
///
/// # Examples
///
/// ```
/// use boxoffice::ShowFilter;
/// use chrono::NaiveTime;
///
/// let evening = ShowFilter {
///     from: NaiveTime::from_hms_opt(18, 0, 0),
///     seats_available: true,
///     ..ShowFilter::default()
/// };
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowFilter {
    /// Only movies in this language.
    pub language: Option<String>,
    /// Only this format.
    pub format: Option<String>,
    /// Only shows starting at or after this local time.
    pub from: Option<NaiveTime>,
    /// Only shows starting before this local time.
    pub until: Option<NaiveTime>,
    /// Only shows with at least one available seat.
    pub seats_available: bool,
}

/// A show in a listing, with its live seat counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShowListing {
    /// The show.
    pub show: ShowId,
    /// Its local start time.
    pub local_start: NaiveTime,
    /// Its seat counts right now.
    pub counts: SeatCounts,
}

/// A theater's shows in a listing, sorted by start time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TheaterListing {
    /// The theater.
    pub theater: TheaterId,
    /// Its shows, earliest first.
    pub shows: Vec<ShowListing>,
}

/// Expected demand for a movie by local start hour, for [`Catalog::auto_schedule`].
#[derive(Debug, Clone, PartialEq)]
pub struct DemandCurve {
    /// The movie.
    pub movie: MovieId,
    /// Expected tickets for a show starting in each local hour (0 = midnight).
    pub by_hour: [f64; 24],
}

/// A show proposed by [`Catalog::auto_schedule`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedShow {
    /// The movie.
    pub movie: MovieId,
    /// When it starts, in UTC.
    pub starts_at: DateTime<Utc>,
    /// Its expected demand.
    pub demand: f64,
}

/// One screen's blocks: (block start, show) → block end.
type ScreenSchedule = BTreeMap<(DateTime<Utc>, ShowId), DateTime<Utc>>;

type CityDateKey = (CityId, NaiveDate, MovieId, TheaterId, DateTime<Utc>, ShowId);

/// Cities, theaters, screens, movies and shows, with indexes for browsing and per-screen
/// schedules. A plain value: hosts share it behind their own lock.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use boxoffice::*;
/// use chrono::{FixedOffset, NaiveDate, TimeDelta, TimeZone, Utc};
///
/// let mut catalog = Catalog::new();
/// catalog.add_city(CityId::new(1), "Paris")?;
/// catalog.add_theater(TheaterSpec {
///     id: TheaterId::new(1),
///     city: CityId::new(1),
///     name: "Grand Rex".into(),
///     utc_offset: FixedOffset::east_opt(3600).unwrap(),
///     currency: Currency::EUR,
///     timings: Timings::default(),
///     turnover: TimeDelta::minutes(10),
/// })?;
/// catalog.add_screen(ScreenId::new(1), TheaterId::new(1), "Salle 1", Arc::new(SeatLayout::grid(10, 20)?))?;
/// catalog.add_movie(MovieSpec {
///     id: MovieId::new(1),
///     title: "Dune".into(),
///     runtime: TimeDelta::minutes(155),
///     language: "en".into(),
///     certificate: "PG-13".into(),
///     genres: vec!["sci-fi".into()],
///     release_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
///     trailer: None,
///     intermission: None,
///     cleaning: None,
/// })?;
/// let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
/// let starts = Utc.with_ymd_and_hms(2026, 12, 5, 19, 0, 0).unwrap();
/// catalog.add_show(
///     ShowSpec { id: ShowId::new(1), movie: MovieId::new(1), screen: ScreenId::new(1), starts_at: starts, format: "2D".into() },
///     ScheduleOverride::None,
///     now,
/// )?;
/// let date = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
/// assert_eq!(catalog.movies_in_city(CityId::new(1), date), [MovieId::new(1)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    cities: HashMap<CityId, City>,
    theaters: HashMap<TheaterId, Theater>,
    screens: HashMap<ScreenId, Screen>,
    movies: HashMap<MovieId, Movie>,
    shows: HashMap<ShowId, Show>,
    by_city_date: BTreeSet<CityDateKey>,
    by_theater_date: BTreeSet<(TheaterId, NaiveDate, DateTime<Utc>, ShowId)>,
    by_movie: BTreeSet<(MovieId, DateTime<Utc>, ShowId)>,
    /// Per screen: block start → (block end, show).
    by_screen: HashMap<ScreenId, ScreenSchedule>,
}

fn full(len: usize, max: usize, what: &'static str) -> Result<(), CatalogError> {
    if len >= max {
        return Err(CatalogError::Full { what, max });
    }
    Ok(())
}

impl Catalog {
    /// An empty catalog.
    #[must_use]
    pub fn new() -> Self {
        Catalog::default()
    }

    /// Adds a city.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Duplicate`], [`CatalogError::Invalid`] name, [`CatalogError::Full`].
    pub fn add_city(&mut self, id: CityId, name: &str) -> Result<(), CatalogError> {
        check_name("city name", name)?;
        full(self.cities.len(), CATALOG_ENTITIES_MAX, "cities")?;
        if self.cities.contains_key(&id) {
            return Err(CatalogError::Duplicate {
                kind: "city",
                id: id.get(),
            });
        }
        self.cities.insert(
            id,
            City {
                id,
                name: name.to_owned(),
            },
        );
        Ok(())
    }

    /// Adds a theater.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Duplicate`], [`CatalogError::Unknown`] city, [`CatalogError::Invalid`]
    /// name or timings, [`CatalogError::Full`].
    pub fn add_theater(&mut self, spec: TheaterSpec) -> Result<(), CatalogError> {
        check_name("theater name", &spec.name)?;
        spec.timings.check()?;
        check_timing("turnover", spec.turnover)?;
        full(self.theaters.len(), CATALOG_ENTITIES_MAX, "theaters")?;
        self.city(spec.city)?;
        if self.theaters.contains_key(&spec.id) {
            return Err(CatalogError::Duplicate {
                kind: "theater",
                id: spec.id.get(),
            });
        }
        self.theaters.insert(spec.id, Theater { spec });
        Ok(())
    }

    /// Adds a screen with its layout.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Duplicate`], [`CatalogError::Unknown`] theater,
    /// [`CatalogError::Invalid`] name, [`CatalogError::Full`].
    pub fn add_screen(
        &mut self,
        id: ScreenId,
        theater: TheaterId,
        name: &str,
        layout: Arc<SeatLayout>,
    ) -> Result<(), CatalogError> {
        check_name("screen name", name)?;
        full(self.screens.len(), CATALOG_ENTITIES_MAX, "screens")?;
        self.theater(theater)?;
        if self.screens.contains_key(&id) {
            return Err(CatalogError::Duplicate {
                kind: "screen",
                id: id.get(),
            });
        }
        self.screens.insert(
            id,
            Screen {
                id,
                theater,
                name: name.to_owned(),
                layout,
            },
        );
        Ok(())
    }

    /// Adds a movie.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Duplicate`], [`CatalogError::Invalid`] (title, runtime of 1 minute to
    /// 10 hours, language, certificate, genres, timings), [`CatalogError::Full`].
    pub fn add_movie(&mut self, spec: MovieSpec) -> Result<(), CatalogError> {
        check_name("title", &spec.title)?;
        check_name("language", &spec.language)?;
        check_name("certificate", &spec.certificate)?;
        check_runtime(spec.runtime)?;
        if spec.genres.len() > GENRES_MAX {
            return Err(CatalogError::Invalid {
                field: "genres",
                reason: "at most 16",
            });
        }
        for genre in &spec.genres {
            check_name("genre", genre)?;
        }
        for (field, timing) in [
            ("trailer", spec.trailer),
            ("intermission", spec.intermission),
            ("cleaning", spec.cleaning),
        ] {
            if let Some(timing) = timing {
                check_timing(field, timing)?;
            }
        }
        full(self.movies.len(), CATALOG_ENTITIES_MAX, "movies")?;
        if self.movies.contains_key(&spec.id) {
            return Err(CatalogError::Duplicate {
                kind: "movie",
                id: spec.id.get(),
            });
        }
        self.movies.insert(spec.id, Movie { spec });
        Ok(())
    }

    /// A city.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`].
    pub fn city(&self, id: CityId) -> Result<&City, CatalogError> {
        self.cities.get(&id).ok_or(CatalogError::Unknown {
            kind: "city",
            id: id.get(),
        })
    }

    /// A theater.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`].
    pub fn theater(&self, id: TheaterId) -> Result<&Theater, CatalogError> {
        self.theaters.get(&id).ok_or(CatalogError::Unknown {
            kind: "theater",
            id: id.get(),
        })
    }

    /// A screen.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`].
    pub fn screen(&self, id: ScreenId) -> Result<&Screen, CatalogError> {
        self.screens.get(&id).ok_or(CatalogError::Unknown {
            kind: "screen",
            id: id.get(),
        })
    }

    /// A movie.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`].
    pub fn movie(&self, id: MovieId) -> Result<&Movie, CatalogError> {
        self.movies.get(&id).ok_or(CatalogError::Unknown {
            kind: "movie",
            id: id.get(),
        })
    }

    /// A show.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`].
    pub fn show(&self, id: ShowId) -> Result<&Show, CatalogError> {
        self.shows.get(&id).ok_or(CatalogError::Unknown {
            kind: "show",
            id: id.get(),
        })
    }

    /// What the booking side needs to know about a show.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`].
    pub fn show_info(&self, id: ShowId) -> Result<ShowInfo, CatalogError> {
        let show = self.show(id)?;
        let theater = self.theater(show.theater)?;
        let movie = self.movie(show.movie())?;
        Ok(ShowInfo::builder(
            id,
            show.starts_at(),
            theater.utc_offset(),
            theater.currency(),
        )
        .movie(movie.id())
        .venue(theater.id(), show.screen())
        .movie_release_date(movie.release_date())
        .build())
    }

    /// The block a show of `movie` starting at `starts_at` would occupy in `theater`.
    fn block_of(
        &self,
        movie: &Movie,
        theater: &Theater,
        starts_at: DateTime<Utc>,
        runtime: TimeDelta,
    ) -> Result<(DateTime<Utc>, DateTime<Utc>), CatalogError> {
        let timings = movie.timings(theater.timings());
        let start = starts_at.checked_sub_signed(timings.trailer);
        let end = starts_at
            .checked_add_signed(runtime)
            .and_then(|t| t.checked_add_signed(timings.intermission))
            .and_then(|t| t.checked_add_signed(timings.cleaning));
        match (start, end) {
            (Some(start), Some(end)) => Ok((start, end)),
            _ => Err(CatalogError::Invalid {
                field: "starts_at",
                reason: "too close to the end of representable time",
            }),
        }
    }

    /// Checks a block against its neighbours on `screen`, ignoring `except`. Returns the
    /// soft warnings, or the hard conflict.
    fn check_block(
        &self,
        screen: ScreenId,
        block: (DateTime<Utc>, DateTime<Utc>),
        turnover: TimeDelta,
        except: Option<ShowId>,
    ) -> Result<Vec<ScheduleWarning>, CatalogError> {
        let Some(schedule) = self.by_screen.get(&screen) else {
            return Ok(Vec::new());
        };
        let (start, end) = block;
        let low = (DateTime::<Utc>::MIN_UTC, ShowId::new(0));
        let high = (DateTime::<Utc>::MAX_UTC, ShowId::new(u64::MAX));
        let before = schedule
            .range(low..(start, ShowId::new(u64::MAX)))
            .rev()
            .find(|((_, id), _)| Some(*id) != except);
        let after = schedule
            .range((start, ShowId::new(0))..high)
            .find(|((_, id), _)| Some(*id) != except);
        let mut warnings = Vec::new();
        if let Some(((_, other), other_end)) = before {
            if *other_end > start {
                return Err(CatalogError::HardConflict {
                    other: *other,
                    overlap: (*other_end).min(end) - start,
                });
            }
            let gap = start - *other_end;
            if gap < turnover {
                warnings.push(ScheduleWarning {
                    neighbour: *other,
                    gap,
                    recommended: turnover,
                });
            }
        }
        if let Some(((other_start, other), other_end)) = after {
            if *other_start < end {
                return Err(CatalogError::HardConflict {
                    other: *other,
                    overlap: end.min(*other_end) - *other_start,
                });
            }
            let gap = *other_start - end;
            if gap < turnover {
                warnings.push(ScheduleWarning {
                    neighbour: *other,
                    gap,
                    recommended: turnover,
                });
            }
        }
        Ok(warnings)
    }

    /// Schedules a show. O(log n) in the shows on its screen.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Duplicate`], [`CatalogError::Unknown`] movie or screen,
    /// [`CatalogError::InPast`] when it would start at or before `now`,
    /// [`CatalogError::HardConflict`] naming the other show and the overlap,
    /// [`CatalogError::SoftConflict`] unless overridden, [`CatalogError::Invalid`] format,
    /// [`CatalogError::Full`].
    pub fn add_show(
        &mut self,
        spec: ShowSpec,
        override_: ScheduleOverride,
        now: DateTime<Utc>,
    ) -> Result<&Show, CatalogError> {
        check_name("format", &spec.format)?;
        full(self.shows.len(), CATALOG_SHOWS_MAX, "shows")?;
        if self.shows.contains_key(&spec.id) {
            return Err(CatalogError::Duplicate {
                kind: "show",
                id: spec.id.get(),
            });
        }
        let show = self.plan(spec, override_, now, None)?;
        let id = show.id();
        self.index(show);
        self.show(id)
    }

    /// Validates a show against the schedule and builds it (without storing it).
    fn plan(
        &self,
        spec: ShowSpec,
        override_: ScheduleOverride,
        now: DateTime<Utc>,
        except: Option<ShowId>,
    ) -> Result<Show, CatalogError> {
        if spec.starts_at <= now {
            return Err(CatalogError::InPast);
        }
        let movie = self.movie(spec.movie)?;
        let screen = self.screen(spec.screen)?;
        let theater = self.theater(screen.theater)?;
        let block = self.block_of(movie, theater, spec.starts_at, movie.runtime())?;
        let warnings = self.check_block(spec.screen, block, theater.turnover(), except)?;
        let override_note = match (warnings.is_empty(), override_) {
            (true, _) => None,
            (false, ScheduleOverride::AcceptSoftConflicts { note }) => Some(note),
            (false, ScheduleOverride::None) => {
                return Err(CatalogError::SoftConflict { warnings });
            }
        };
        let local_date = spec
            .starts_at
            .with_timezone(&theater.utc_offset())
            .date_naive();
        Ok(Show {
            theater: theater.id(),
            city: theater.city(),
            local_date,
            block,
            override_note,
            flagged: Vec::new(),
            spec,
        })
    }

    fn index(&mut self, show: Show) {
        let id = show.id();
        self.by_city_date.insert((
            show.city,
            show.local_date,
            show.movie(),
            show.theater,
            show.starts_at(),
            id,
        ));
        self.by_theater_date
            .insert((show.theater, show.local_date, show.starts_at(), id));
        self.by_movie.insert((show.movie(), show.starts_at(), id));
        self.by_screen
            .entry(show.screen())
            .or_default()
            .insert((show.block.0, id), show.block.1);
        self.shows.insert(id, show);
    }

    fn unindex(&mut self, id: ShowId) -> Option<Show> {
        let show = self.shows.remove(&id)?;
        self.by_city_date.remove(&(
            show.city,
            show.local_date,
            show.movie(),
            show.theater,
            show.starts_at(),
            id,
        ));
        self.by_theater_date
            .remove(&(show.theater, show.local_date, show.starts_at(), id));
        self.by_movie.remove(&(show.movie(), show.starts_at(), id));
        if let Some(schedule) = self.by_screen.get_mut(&show.screen()) {
            schedule.remove(&(show.block.0, id));
        }
        Some(show)
    }

    fn check_no_bookings(
        show: ShowId,
        seats: &dyn SeatStore,
        now: Instant,
    ) -> Result<(), CatalogError> {
        let counts = match seats.counts(show, now) {
            Ok(counts) => counts,
            Err(StoreError::UnknownShow { .. }) => return Ok(()),
            Err(other) => return Err(other.into()),
        };
        if counts.held() > 0 || counts.booked() > 0 {
            return Err(CatalogError::ShowHasBookings {
                show,
                held: counts.held(),
                booked: counts.booked(),
            });
        }
        Ok(())
    }

    /// Removes a show that has no held or booked seats.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`]; [`CatalogError::ShowHasBookings`]: cancel its bookings
    /// first (e.g. [`BookingService::cancel_booking`](crate::BookingService::cancel_booking)),
    /// then remove it; [`CatalogError::Store`].
    pub fn remove_show(
        &mut self,
        id: ShowId,
        seats: &dyn SeatStore,
        now: Instant,
    ) -> Result<Show, CatalogError> {
        self.show(id)?;
        Catalog::check_no_bookings(id, seats, now)?;
        Ok(self
            .unindex(id)
            .unwrap_or_else(|| unreachable!("checked above")))
    }

    /// Moves a show that has no held or booked seats to a new start time, with the same checks
    /// as [`add_show`](Self::add_show).
    ///
    /// # Errors
    ///
    /// Those of [`add_show`](Self::add_show) and [`remove_show`](Self::remove_show).
    pub fn move_show(
        &mut self,
        id: ShowId,
        starts_at: DateTime<Utc>,
        override_: ScheduleOverride,
        seats: &dyn SeatStore,
        now: (Instant, DateTime<Utc>),
    ) -> Result<&Show, CatalogError> {
        let spec = ShowSpec {
            starts_at,
            ..self.show(id)?.spec.clone()
        };
        Catalog::check_no_bookings(id, seats, now.0)?;
        let moved = self.plan(spec, override_, now.1, Some(id))?;
        self.unindex(id);
        self.index(moved);
        self.show(id)
    }

    /// Changes a movie's runtime. Every future show of the movie is re-validated:
    /// - no conflicts: applied, `Ok(vec![])`;
    /// - conflicts and `force == false`: nothing changes, `Err(RuntimeConflicts)` lists them;
    /// - conflicts and `force == true`: applied, the conflicts are returned and flagged on the
    ///   shows for an admin to resolve.
    ///
    /// Past shows keep the runtime they had. Cost: O(m log n) for m future shows.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`] movie, [`CatalogError::Invalid`] runtime,
    /// [`CatalogError::RuntimeConflicts`].
    pub fn change_runtime(
        &mut self,
        movie: MovieId,
        runtime: TimeDelta,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<RuntimeConflict>, CatalogError> {
        check_runtime(runtime)?;
        let film = self.movie(movie)?.clone();
        let future: Vec<ShowId> = self
            .by_movie
            .range((movie, now, ShowId::new(0))..(movie, DateTime::<Utc>::MAX_UTC, ShowId::new(0)))
            .map(|(_, _, id)| *id)
            .collect();
        let mut conflicts = Vec::new();
        let mut blocks = Vec::with_capacity(future.len());
        for id in &future {
            let show = &self.shows[id];
            let theater = self.theater(show.theater)?;
            let block = self.block_of(&film, theater, show.starts_at(), runtime)?;
            match self.check_block(show.screen(), block, theater.turnover(), Some(*id)) {
                Ok(warnings) => conflicts.extend(warnings.into_iter().map(|w| RuntimeConflict {
                    show: *id,
                    neighbour: w.neighbour,
                    overlap: -w.gap,
                    hard: false,
                })),
                Err(CatalogError::HardConflict { other, overlap }) => {
                    conflicts.push(RuntimeConflict {
                        show: *id,
                        neighbour: other,
                        overlap,
                        hard: true,
                    });
                }
                Err(other) => return Err(other),
            }
            blocks.push((*id, block));
        }
        // Soft warnings that were already accepted by an override are not news.
        conflicts.retain(|c| c.hard || self.shows[&c.show].override_note.is_none());
        if !conflicts.is_empty() && !force {
            return Err(CatalogError::RuntimeConflicts { conflicts });
        }
        if let Some(stored) = self.movies.get_mut(&movie) {
            stored.spec.runtime = runtime;
        }
        for (id, block) in blocks {
            let Some(show) = self.shows.get_mut(&id) else {
                continue;
            };
            if let Some(schedule) = self.by_screen.get_mut(&show.spec.screen) {
                schedule.remove(&(show.block.0, id));
                schedule.insert((block.0, id), block.1);
            }
            show.block = block;
            show.flagged = conflicts.iter().filter(|c| c.show == id).cloned().collect();
        }
        Ok(conflicts)
    }

    /// Movies with at least one show in `city` on local date `date`, by id.
    #[must_use]
    pub fn movies_in_city(&self, city: CityId, date: NaiveDate) -> Vec<MovieId> {
        let low = (
            city,
            date,
            MovieId::new(0),
            TheaterId::new(0),
            DateTime::<Utc>::MIN_UTC,
            ShowId::new(0),
        );
        let mut movies: Vec<MovieId> = self
            .by_city_date
            .range(low..)
            .take_while(|key| key.0 == city && key.1 == date)
            .map(|key| key.2)
            .collect();
        movies.dedup();
        movies
    }

    fn listing(
        &self,
        id: ShowId,
        filter: &ShowFilter,
        seats: &dyn SeatStore,
        now: Instant,
    ) -> Result<Option<ShowListing>, CatalogError> {
        let show = &self.shows[&id];
        let theater = self.theater(show.theater)?;
        let local_start = show.starts_at().with_timezone(&theater.utc_offset()).time();
        let movie = self.movie(show.movie())?;
        let keep = filter
            .language
            .as_ref()
            .is_none_or(|l| l == movie.language())
            && filter.format.as_ref().is_none_or(|f| f == show.format())
            && filter.from.is_none_or(|from| local_start >= from)
            && filter.until.is_none_or(|until| local_start < until);
        if !keep {
            return Ok(None);
        }
        let counts = seats.counts(id, now)?;
        if filter.seats_available && counts.available() == 0 {
            return Ok(None);
        }
        Ok(Some(ShowListing {
            show: id,
            local_start: local_start.with_nanosecond(0).unwrap_or(local_start),
            counts,
        }))
    }

    /// The shows of `movie` in `city` on local date `date`, grouped by theater and sorted by
    /// start time, with live seat counts from `seats`.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Store`] when a show is missing from the seat store or it fails.
    pub fn shows_of_movie(
        &self,
        city: CityId,
        date: NaiveDate,
        movie: MovieId,
        filter: &ShowFilter,
        seats: &dyn SeatStore,
        now: Instant,
    ) -> Result<Vec<TheaterListing>, CatalogError> {
        let low = (
            city,
            date,
            movie,
            TheaterId::new(0),
            DateTime::<Utc>::MIN_UTC,
            ShowId::new(0),
        );
        let mut out: Vec<TheaterListing> = Vec::new();
        for key in self
            .by_city_date
            .range(low..)
            .take_while(|key| key.0 == city && key.1 == date && key.2 == movie)
        {
            let Some(listing) = self.listing(key.5, filter, seats, now)? else {
                continue;
            };
            match out.last_mut() {
                Some(group) if group.theater == key.3 => group.shows.push(listing),
                _ => out.push(TheaterListing {
                    theater: key.3,
                    shows: vec![listing],
                }),
            }
        }
        Ok(out)
    }

    /// The shows at `theater` on local date `date`, sorted by start time.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Store`] when a show is missing from the seat store or it fails.
    pub fn shows_at_theater(
        &self,
        theater: TheaterId,
        date: NaiveDate,
        filter: &ShowFilter,
        seats: &dyn SeatStore,
        now: Instant,
    ) -> Result<Vec<ShowListing>, CatalogError> {
        let low = (theater, date, DateTime::<Utc>::MIN_UTC, ShowId::new(0));
        let mut out = Vec::new();
        for key in self
            .by_theater_date
            .range(low..)
            .take_while(|key| key.0 == theater && key.1 == date)
        {
            if let Some(listing) = self.listing(key.3, filter, seats, now)? {
                out.push(listing);
            }
        }
        Ok(out)
    }

    /// Fills a screen's local day between `open` and `close` with shows that respect every
    /// constraint (no overlap with each other or with shows already on the screen, gaps of at
    /// least the theater's turnover, blocks inside opening hours, nothing in the past).
    ///
    /// **Objective**: maximise the total expected demand, the sum over planned shows of the
    /// movie's demand at its local start hour. Demand of one show is assumed independent of the
    /// others. Solved exactly by dynamic programming over a 5-minute grid: O(slots × movies),
    /// at most 288 × [`AUTO_SCHEDULE_MOVIES_MAX`]. High-demand movies land in their peak hours
    /// because that is where the objective pays most.
    ///
    /// The plan is returned, not applied: add the shows with [`add_show`](Self::add_show).
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unknown`] screen or movie; [`CatalogError::Invalid`] hours (close not
    /// after open), demand (negative or not finite), or too many movies.
    pub fn auto_schedule(
        &self,
        screen: ScreenId,
        date: NaiveDate,
        open: NaiveTime,
        close: NaiveTime,
        demand: &[DemandCurve],
        now: DateTime<Utc>,
    ) -> Result<Vec<PlannedShow>, CatalogError> {
        const STEP_MINUTES: i64 = 5;
        let screen_info = self.screen(screen)?;
        let theater = self.theater(screen_info.theater)?;
        if close <= open {
            return Err(CatalogError::Invalid {
                field: "opening hours",
                reason: "close must be after open",
            });
        }
        if demand.len() > AUTO_SCHEDULE_MOVIES_MAX
            || demand
                .iter()
                .any(|d| d.by_hour.iter().any(|v| !v.is_finite() || *v < 0.0))
        {
            return Err(CatalogError::Invalid {
                field: "demand",
                reason: "at most 64 movies, with finite non-negative demand",
            });
        }
        let offset = theater.utc_offset();
        let to_utc = |time: NaiveTime| -> Result<DateTime<Utc>, CatalogError> {
            date.and_time(time)
                .and_local_timezone(offset)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .ok_or(CatalogError::Invalid {
                    field: "opening hours",
                    reason: "not a valid local time",
                })
        };
        let (open_utc, close_utc) = (to_utc(open)?, to_utc(close)?);
        let step = TimeDelta::minutes(STEP_MINUTES);
        let slots = ((close_utc - open_utc).num_minutes() / STEP_MINUTES) as usize;
        let movies: Vec<(&Movie, &DemandCurve)> = demand
            .iter()
            .map(|d| self.movie(d.movie).map(|m| (m, d)))
            .collect::<Result<_, _>>()?;
        // best[i]: the best total from slot i to close; choice[i]: the movie started there.
        let mut best = vec![0.0_f64; slots + 1];
        let mut choice: Vec<Option<(usize, usize)>> = vec![None; slots + 1];
        let turnover = theater.turnover();
        for i in (0..slots).rev() {
            best[i] = best[i + 1];
            let block_start = open_utc + step * i as i32;
            for (m, (movie, curve)) in movies.iter().enumerate() {
                let timings = movie.timings(theater.timings());
                let starts_at = block_start + timings.trailer;
                let (_, block_end) = self.block_of(movie, theater, starts_at, movie.runtime())?;
                if block_end > close_utc || starts_at <= now {
                    continue;
                }
                // Existing shows on the screen count as hard constraints, turnover included.
                let existing = self.check_block(screen, (block_start, block_end), turnover, None);
                if !matches!(existing, Ok(ref w) if w.is_empty()) {
                    continue;
                }
                let next_minutes = (block_end + turnover - open_utc).num_minutes();
                let next = usize::try_from((next_minutes + STEP_MINUTES - 1) / STEP_MINUTES)
                    .unwrap_or(usize::MAX)
                    .min(slots);
                let hour = starts_at.with_timezone(&offset).hour() as usize;
                let value = curve.by_hour[hour] + best[next];
                if value > best[i] {
                    best[i] = value;
                    choice[i] = Some((m, next));
                }
            }
        }
        let mut plan = Vec::new();
        let mut i = 0;
        while i < slots {
            match choice[i] {
                Some((m, next)) if best[i] > best[i + 1] => {
                    let (movie, curve) = movies[m];
                    let starts_at =
                        open_utc + step * i as i32 + movie.timings(theater.timings()).trailer;
                    let hour = starts_at.with_timezone(&offset).hour() as usize;
                    plan.push(PlannedShow {
                        movie: movie.id(),
                        starts_at,
                        demand: curve.by_hour[hour],
                    });
                    i = next.max(i + 1);
                }
                _ => i += 1,
            }
        }
        Ok(plan)
    }
}

fn check_runtime(runtime: TimeDelta) -> Result<(), CatalogError> {
    if runtime < TimeDelta::minutes(1) || runtime > RUNTIME_MAX {
        return Err(CatalogError::Invalid {
            field: "runtime",
            reason: "must be 1 minute to 10 hours",
        });
    }
    Ok(())
}
