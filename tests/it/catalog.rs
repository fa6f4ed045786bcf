//! Catalog browsing in local time, scheduling without overlaps, runtime cascades and the
//! auto-scheduler.

use std::sync::Arc;
use std::time::Instant;

use boxoffice::*;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};

const PARIS: CityId = CityId::new(1);
const NEW_YORK: CityId = CityId::new(2);
const REX: TheaterId = TheaterId::new(1);
const ODEON: TheaterId = TheaterId::new(2);
const METRO: TheaterId = TheaterId::new(3);
const DUNE: MovieId = MovieId::new(1);
const AMELIE: MovieId = MovieId::new(2);
const RRR: MovieId = MovieId::new(3);

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

/// A local time in Paris (UTC+1) on December `day`, as UTC.
fn paris(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(3600)
        .unwrap()
        .with_ymd_and_hms(2026, 12, day, hour, minute, 0)
        .unwrap()
        .with_timezone(&Utc)
}

struct World {
    catalog: Catalog,
    seats: InMemorySeatStore,
    next_show: u64,
}

fn movie(id: MovieId, title: &str, minutes: i64, language: &str) -> MovieSpec {
    MovieSpec {
        id,
        title: title.into(),
        runtime: TimeDelta::minutes(minutes),
        language: language.into(),
        certificate: "PG".into(),
        genres: vec!["drama".into()],
        release_date: date(1),
        trailer: None,
        intermission: None,
        cleaning: None,
    }
}

fn theater(id: TheaterId, city: CityId, offset_hours: i32, turnover: i64) -> TheaterSpec {
    TheaterSpec {
        id,
        city,
        name: format!("theater {id}"),
        utc_offset: FixedOffset::east_opt(offset_hours * 3600).unwrap(),
        currency: Currency::EUR,
        timings: Timings {
            trailer: TimeDelta::minutes(15),
            intermission: TimeDelta::zero(),
            cleaning: TimeDelta::minutes(15),
        },
        turnover: TimeDelta::minutes(turnover),
    }
}

impl World {
    fn new() -> World {
        let mut catalog = Catalog::new();
        catalog.add_city(PARIS, "Paris").unwrap();
        catalog.add_city(NEW_YORK, "New York").unwrap();
        catalog.add_theater(theater(REX, PARIS, 1, 10)).unwrap();
        catalog.add_theater(theater(ODEON, PARIS, 1, 0)).unwrap();
        catalog
            .add_theater(theater(METRO, NEW_YORK, -5, 10))
            .unwrap();
        let layout = Arc::new(SeatLayout::grid(2, 5).unwrap());
        for (screen, theater) in [(1, REX), (2, REX), (3, ODEON), (4, METRO)] {
            catalog
                .add_screen(ScreenId::new(screen), theater, "screen", layout.clone())
                .unwrap();
        }
        catalog.add_movie(movie(DUNE, "Dune", 155, "en")).unwrap();
        catalog
            .add_movie(movie(AMELIE, "Amélie", 120, "fr"))
            .unwrap();
        catalog
            .add_movie(MovieSpec {
                intermission: Some(TimeDelta::minutes(20)),
                ..movie(RRR, "RRR", 180, "te")
            })
            .unwrap();
        World {
            catalog,
            seats: InMemorySeatStore::new(HoldPolicy::default()),
            next_show: 1,
        }
    }

    fn try_add(
        &mut self,
        movie: MovieId,
        screen: u64,
        starts_at: DateTime<Utc>,
        format: &str,
        override_: ScheduleOverride,
    ) -> Result<ShowId, CatalogError> {
        let id = ShowId::new(self.next_show);
        let spec = ShowSpec {
            id,
            movie,
            screen: ScreenId::new(screen),
            starts_at,
            format: format.into(),
        };
        self.catalog.add_show(spec, override_, now())?;
        self.next_show += 1;
        let layout = self
            .catalog
            .screen(ScreenId::new(screen))
            .unwrap()
            .layout()
            .clone();
        self.seats.add_show(id, layout).unwrap();
        Ok(id)
    }

    fn add(&mut self, movie: MovieId, screen: u64, starts_at: DateTime<Utc>) -> ShowId {
        self.try_add(movie, screen, starts_at, "2D", ScheduleOverride::None)
            .unwrap()
    }
}

#[test]
fn browsing_by_city_movie_theater_and_date() {
    let mut w = World::new();
    let dune_late = w.add(DUNE, 1, paris(5, 21, 30));
    let dune_early = w.add(DUNE, 2, paris(5, 14, 0));
    let dune_odeon = w.add(DUNE, 3, paris(5, 18, 0));
    let amelie = w.add(AMELIE, 1, paris(5, 14, 0));
    w.add(RRR, 1, paris(6, 14, 0));

    assert_eq!(w.catalog.movies_in_city(PARIS, date(5)), [DUNE, AMELIE]);
    assert_eq!(w.catalog.movies_in_city(PARIS, date(6)), [RRR]);
    assert!(w.catalog.movies_in_city(NEW_YORK, date(5)).is_empty());

    let now = Instant::now();
    let all = ShowFilter::default();
    let listing = w
        .catalog
        .shows_of_movie(PARIS, date(5), DUNE, &all, &w.seats, now)
        .unwrap();
    let grouped: Vec<(TheaterId, Vec<ShowId>)> = listing
        .iter()
        .map(|t| (t.theater, t.shows.iter().map(|s| s.show).collect()))
        .collect();
    assert_eq!(
        grouped,
        [
            (REX, vec![dune_early, dune_late]),
            (ODEON, vec![dune_odeon])
        ]
    );
    assert_eq!(
        listing[0].shows[1].local_start,
        NaiveTime::from_hms_opt(21, 30, 0).unwrap()
    );
    assert_eq!(listing[0].shows[0].counts.available(), 10);

    let at_rex: Vec<ShowId> = w
        .catalog
        .shows_at_theater(REX, date(5), &all, &w.seats, now)
        .unwrap()
        .iter()
        .map(|s| s.show)
        .collect();
    assert_eq!(at_rex.len(), 3);
    assert!(at_rex.contains(&amelie));
}

#[test]
fn filters_by_language_format_time_window_and_free_seats() {
    let mut w = World::new();
    let matinee = w.add(DUNE, 1, paris(5, 14, 0));
    let evening = w
        .try_add(DUNE, 2, paris(5, 19, 0), "IMAX", ScheduleOverride::None)
        .unwrap();
    let sold_out = w.add(DUNE, 3, paris(5, 20, 0));
    let now = Instant::now();
    let manager = w.seats.manager(sold_out).unwrap();
    let everything: Vec<SeatId> = (0..10).map(SeatId::new).collect();
    manager.block(&everything, now).unwrap();

    let shows = |filter: ShowFilter| -> Vec<ShowId> {
        w.catalog
            .shows_of_movie(PARIS, date(5), DUNE, &filter, &w.seats, now)
            .unwrap()
            .into_iter()
            .flat_map(|t| t.shows.into_iter().map(|s| s.show))
            .collect()
    };
    assert_eq!(shows(ShowFilter::default()).len(), 3);
    let imax = ShowFilter {
        format: Some("IMAX".into()),
        ..ShowFilter::default()
    };
    assert_eq!(shows(imax), [evening]);
    let french = ShowFilter {
        language: Some("fr".into()),
        ..ShowFilter::default()
    };
    assert!(shows(french).is_empty());
    let afternoon = ShowFilter {
        from: NaiveTime::from_hms_opt(12, 0, 0),
        until: NaiveTime::from_hms_opt(18, 0, 0),
        ..ShowFilter::default()
    };
    assert_eq!(shows(afternoon), [matinee]);
    let with_seats = ShowFilter {
        seats_available: true,
        ..ShowFilter::default()
    };
    assert_eq!(shows(with_seats), [matinee, evening]);
}

#[test]
fn a_show_at_2330_local_belongs_to_that_local_date() {
    let mut w = World::new();
    // 23:30 on December 5 in New York is 04:30 on December 6 in UTC.
    let starts = FixedOffset::west_opt(5 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 12, 5, 23, 30, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(starts.date_naive(), date(6));
    let late = w.add(DUNE, 4, starts);
    assert_eq!(w.catalog.show(late).unwrap().local_date(), date(5));
    assert_eq!(w.catalog.movies_in_city(NEW_YORK, date(5)), [DUNE]);
    assert!(w.catalog.movies_in_city(NEW_YORK, date(6)).is_empty());
    let listed = w
        .catalog
        .shows_at_theater(
            METRO,
            date(5),
            &ShowFilter::default(),
            &w.seats,
            Instant::now(),
        )
        .unwrap();
    assert_eq!(
        listed[0].local_start,
        NaiveTime::from_hms_opt(23, 30, 0).unwrap()
    );
    let info = w.catalog.show_info(late).unwrap();
    assert_eq!(info.local_date(), date(5));
}

#[test]
fn blocks_that_touch_are_allowed_and_overlaps_are_hard_conflicts() {
    let mut w = World::new();
    // Odeon (no turnover): Dune at 18:00 occupies 17:45–20:50 (15 + 155 + 15).
    let first = w.add(DUNE, 3, paris(5, 18, 0));
    assert_eq!(
        w.catalog.show(first).unwrap().block(),
        (paris(5, 17, 45), paris(5, 20, 50))
    );
    // A show whose trailer starts at 20:49 overlaps by one minute.
    let err = w
        .try_add(AMELIE, 3, paris(5, 21, 4), "2D", ScheduleOverride::None)
        .unwrap_err();
    assert_eq!(
        err,
        CatalogError::HardConflict {
            other: first,
            overlap: TimeDelta::minutes(1)
        }
    );
    // Even an override cannot accept a hard conflict.
    let forced = w.try_add(
        AMELIE,
        3,
        paris(5, 21, 4),
        "2D",
        ScheduleOverride::AcceptSoftConflicts {
            note: "please".into(),
        },
    );
    assert!(matches!(forced, Err(CatalogError::HardConflict { .. })));
    // Starting the trailers at 20:50 exactly is fine.
    w.add(AMELIE, 3, paris(5, 21, 5));
    // And a show before it that ends exactly at 17:45 is fine too.
    w.add(AMELIE, 3, paris(5, 15, 15));
}

#[test]
fn a_short_gap_is_a_soft_conflict_that_an_admin_may_override() {
    let mut w = World::new();
    // Rex recommends 10 minutes of turnover.
    let first = w.add(DUNE, 1, paris(5, 18, 0));
    let err = w
        .try_add(AMELIE, 1, paris(5, 21, 10), "2D", ScheduleOverride::None)
        .unwrap_err();
    assert_eq!(
        err,
        CatalogError::SoftConflict {
            warnings: vec![ScheduleWarning {
                neighbour: first,
                gap: TimeDelta::minutes(5),
                recommended: TimeDelta::minutes(10),
            }]
        }
    );
    let kept = w
        .try_add(
            AMELIE,
            1,
            paris(5, 21, 10),
            "2D",
            ScheduleOverride::AcceptSoftConflicts {
                note: "manager: quick clean".into(),
            },
        )
        .unwrap();
    assert_eq!(
        w.catalog.show(kept).unwrap().override_note(),
        Some("manager: quick clean")
    );
}

#[test]
fn a_runtime_change_revalidates_future_shows_and_never_applies_silently() {
    let mut w = World::new();
    let evening = w.add(DUNE, 3, paris(5, 18, 0)); // block to 20:50
    let late = w.add(AMELIE, 3, paris(5, 21, 20)); // block from 21:05
    let other_day = w.add(DUNE, 3, paris(7, 18, 0));

    // 30 more minutes pushes the evening block to 21:20: 15 minutes into the late show.
    let err = w
        .catalog
        .change_runtime(DUNE, TimeDelta::minutes(185), false, now())
        .unwrap_err();
    let CatalogError::RuntimeConflicts { conflicts } = err else {
        panic!("expected conflicts, got {err:?}");
    };
    assert_eq!(
        conflicts,
        [RuntimeConflict {
            show: evening,
            neighbour: late,
            overlap: TimeDelta::minutes(15),
            hard: true
        }]
    );
    // Nothing changed.
    assert_eq!(
        w.catalog.movie(DUNE).unwrap().runtime(),
        TimeDelta::minutes(155)
    );
    assert_eq!(w.catalog.show(evening).unwrap().block().1, paris(5, 20, 50));

    // A small change fits and applies.
    assert!(
        w.catalog
            .change_runtime(DUNE, TimeDelta::minutes(160), false, now())
            .unwrap()
            .is_empty()
    );
    assert_eq!(w.catalog.show(evening).unwrap().block().1, paris(5, 20, 55));

    // Forced: applied, and the conflict is flagged on the show.
    let flagged = w
        .catalog
        .change_runtime(DUNE, TimeDelta::minutes(185), true, now())
        .unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(
        w.catalog.show(evening).unwrap().flagged_conflicts(),
        &flagged[..]
    );
    assert!(
        w.catalog
            .show(other_day)
            .unwrap()
            .flagged_conflicts()
            .is_empty()
    );
    assert_eq!(
        w.catalog.show(other_day).unwrap().block().1,
        paris(7, 21, 20)
    );
}

#[test]
fn past_shows_keep_their_runtime_when_the_movie_changes() {
    let mut w = World::new();
    let show = w.add(DUNE, 3, paris(5, 18, 0));
    // Seen from after the show, nothing is "future": the runtime changes, the block does not.
    let later = paris(6, 0, 0);
    assert!(
        w.catalog
            .change_runtime(DUNE, TimeDelta::minutes(200), false, later)
            .unwrap()
            .is_empty()
    );
    assert_eq!(w.catalog.show(show).unwrap().block().1, paris(5, 20, 50));
}

#[test]
fn shows_with_bookings_cannot_be_removed_or_moved() {
    let mut w = World::new();
    let show = w.add(DUNE, 1, paris(5, 18, 0));
    let now = Instant::now();
    let manager = w.seats.manager(show).unwrap();
    let hold = manager
        .hold(UserId::new(1), &[SeatId::new(0)], now)
        .unwrap();
    manager.confirm(hold.id(), UserId::new(1), now).unwrap();
    let err = w.catalog.remove_show(show, &w.seats, now).unwrap_err();
    assert_eq!(
        err,
        CatalogError::ShowHasBookings {
            show,
            held: 0,
            booked: 1
        }
    );
    let moved = w.catalog.move_show(
        show,
        paris(5, 20, 0),
        ScheduleOverride::None,
        &w.seats,
        (now, crate_now()),
    );
    assert!(matches!(moved, Err(CatalogError::ShowHasBookings { .. })));
    assert_eq!(w.catalog.show(show).unwrap().starts_at(), paris(5, 18, 0));

    // The explicit path: cancel (here, return the booked seats), then move and remove.
    manager
        .release_booked(hold.id(), UserId::new(1), now)
        .unwrap();
    w.catalog
        .move_show(
            show,
            paris(5, 20, 0),
            ScheduleOverride::None,
            &w.seats,
            (now, crate_now()),
        )
        .unwrap();
    assert_eq!(w.catalog.show(show).unwrap().starts_at(), paris(5, 20, 0));
    w.catalog.remove_show(show, &w.seats, now).unwrap();
    assert!(w.catalog.movies_in_city(PARIS, date(5)).is_empty());
}

fn crate_now() -> DateTime<Utc> {
    now()
}

#[test]
fn bad_catalog_input_is_a_typed_error() {
    let mut w = World::new();
    let check = |result: Result<(), CatalogError>| {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                CatalogError::Invalid { .. }
                    | CatalogError::Duplicate { .. }
                    | CatalogError::Unknown { .. }
                    | CatalogError::InPast
            ),
            "{err:?}"
        );
    };
    check(w.catalog.add_city(PARIS, "Paris again"));
    check(w.catalog.add_city(CityId::new(9), ""));
    check(
        w.catalog
            .add_city(CityId::new(9), &"x".repeat(NAME_LEN_MAX + 1)),
    );
    check(
        w.catalog
            .add_theater(theater(TheaterId::new(9), CityId::new(99), 0, 0)),
    );
    check(
        w.catalog
            .add_theater(theater(TheaterId::new(9), PARIS, 0, 500)),
    );
    check(w.catalog.add_movie(movie(MovieId::new(9), "Zero", 0, "en")));
    check(
        w.catalog
            .add_movie(movie(MovieId::new(9), "Epic", 11 * 60, "en")),
    );
    check(w.catalog.add_movie(MovieSpec {
        genres: vec!["g".into(); GENRES_MAX + 1],
        ..movie(MovieId::new(9), "Many", 90, "en")
    }));
    check(w.catalog.add_screen(
        ScreenId::new(9),
        TheaterId::new(99),
        "x",
        w.catalog.screen(ScreenId::new(1)).unwrap().layout().clone(),
    ));
    check(
        w.try_add(
            MovieId::new(99),
            1,
            paris(5, 18, 0),
            "2D",
            ScheduleOverride::None,
        )
        .map(drop),
    );
    check(
        w.try_add(DUNE, 99, paris(5, 18, 0), "2D", ScheduleOverride::None)
            .map(drop),
    );
    check(
        w.try_add(
            DUNE,
            1,
            now() - TimeDelta::hours(1),
            "2D",
            ScheduleOverride::None,
        )
        .map(drop),
    );
    check(
        w.try_add(DUNE, 1, paris(5, 18, 0), "", ScheduleOverride::None)
            .map(drop),
    );
    check(
        w.catalog
            .change_runtime(DUNE, TimeDelta::zero(), false, now())
            .map(drop),
    );
}

fn demand(movie: MovieId, base: f64, peak: f64, peak_hours: std::ops::Range<usize>) -> DemandCurve {
    let mut by_hour = [base; 24];
    for hour in peak_hours {
        by_hour[hour] = peak;
    }
    DemandCurve { movie, by_hour }
}

/// The naive plan to beat: movies in list order, each as early as it fits.
fn in_order_fill(
    catalog: &Catalog,
    open: DateTime<Utc>,
    close: DateTime<Utc>,
    curves: &[DemandCurve],
) -> Vec<PlannedShow> {
    let rex = catalog.theater(REX).unwrap();
    let mut cursor = open;
    let mut plan = Vec::new();
    for curve in curves.iter().cycle().take(64) {
        let movie = catalog.movie(curve.movie).unwrap();
        let starts_at = cursor + rex.timings().trailer;
        let end = starts_at + movie.runtime() + rex.timings().intermission + rex.timings().cleaning;
        if end > close {
            break;
        }
        let hour = starts_at
            .with_timezone(&rex.utc_offset())
            .format("%H")
            .to_string();
        let hour: usize = hour.parse().unwrap();
        plan.push(PlannedShow {
            movie: curve.movie,
            starts_at,
            demand: curve.by_hour[hour],
        });
        cursor = end + rex.turnover();
    }
    plan
}

#[test]
fn auto_schedule_respects_every_constraint_and_beats_an_in_order_fill() {
    let mut w = World::new();
    // An existing late show the plan must work around.
    w.add(AMELIE, 2, paris(5, 22, 0));
    let curves = [
        demand(AMELIE, 40.0, 40.0, 0..0),
        demand(RRR, 30.0, 30.0, 0..0),
        demand(DUNE, 20.0, 250.0, 18..22),
    ];
    let open = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let close = NaiveTime::from_hms_opt(23, 59, 0).unwrap();
    let plan = w
        .catalog
        .auto_schedule(ScreenId::new(2), date(5), open, close, &curves, now())
        .unwrap();
    let total: f64 = plan.iter().map(|p| p.demand).sum();

    // Every planned show can be added with no override: no hard or soft conflict.
    for planned in &plan {
        w.try_add(
            planned.movie,
            2,
            planned.starts_at,
            "2D",
            ScheduleOverride::None,
        )
        .unwrap_or_else(|err| panic!("{planned:?} violates a constraint: {err}"));
        let start_local = planned
            .starts_at
            .with_timezone(&FixedOffset::east_opt(3600).unwrap());
        assert!(start_local.time() >= open);
    }
    // The high-demand movie lands in its peak hours.
    assert!(plan.iter().any(|p| {
        let hour: u32 = p
            .starts_at
            .with_timezone(&FixedOffset::east_opt(3600).unwrap())
            .format("%H")
            .to_string()
            .parse()
            .unwrap();
        p.movie == DUNE && (18..22).contains(&hour)
    }));

    // The naive plan, on an empty copy of the screen, scores lower.
    let fresh = World::new();
    let naive = in_order_fill(&fresh.catalog, paris(5, 10, 0), paris(5, 22, 0), &curves);
    let naive_total: f64 = naive.iter().map(|p| p.demand).sum();
    assert!(
        total > naive_total,
        "auto {total} vs in-order {naive_total}: {plan:?}"
    );
}

#[test]
fn auto_schedule_rejects_bad_input() {
    let w = World::new();
    let open = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    let err = w
        .catalog
        .auto_schedule(ScreenId::new(1), date(5), open, open, &[], now())
        .unwrap_err();
    assert!(matches!(err, CatalogError::Invalid { .. }));
    let bad = [demand(DUNE, f64::NAN, 1.0, 0..0)];
    let close = NaiveTime::from_hms_opt(23, 0, 0).unwrap();
    let err = w
        .catalog
        .auto_schedule(ScreenId::new(1), date(5), open, close, &bad, now())
        .unwrap_err();
    assert!(matches!(err, CatalogError::Invalid { .. }));
}
