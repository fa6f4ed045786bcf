//! Best-available selection and scheduling. Stable IDs:
//!
//! - `best_available/4_of_300`: the best 4 seats of a 300-seat show, a third sold at random.
//! - `best_available/4_of_50000`: the same on a 50,000-seat arena.
//! - `schedule/add_show/1000`: schedule one more show on a screen holding 1,000.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::{
    BestAvailableRequest, Catalog, CityId, Currency, HoldPolicy, InMemorySeatStore, MovieId,
    MovieSpec, ScheduleOverride, ScreenId, SeatLayout, SeatStatus, ShowId, ShowSpec, TheaterId,
    TheaterSpec, Timings, best_available,
};
use chrono::{FixedOffset, NaiveDate, TimeDelta, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A deterministic third of the seats sold.
fn statuses(capacity: usize) -> Vec<SeatStatus> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    (0..capacity)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if state.is_multiple_of(3) {
                SeatStatus::Booked
            } else {
                SeatStatus::Available
            }
        })
        .collect()
}

fn best(c: &mut Criterion) {
    for (rows, per_row) in [(15, 20), (100, 500)] {
        let layout = SeatLayout::grid(rows, per_row).expect("grid");
        let statuses = statuses(layout.capacity());
        let request = BestAvailableRequest::new(4);
        let id = format!("4_of_{}", layout.capacity());
        c.bench_function(&format!("best_available/{id}"), |b| {
            b.iter(|| black_box(best_available(&layout, &statuses, &request).expect("seats")));
        });
    }
}

fn add_show(c: &mut Criterion) {
    const SHOWS: u64 = 1_000;
    let mut catalog = Catalog::new();
    catalog.add_city(CityId::new(1), "City").expect("city");
    catalog
        .add_theater(TheaterSpec {
            id: TheaterId::new(1),
            city: CityId::new(1),
            name: "Theater".into(),
            utc_offset: FixedOffset::east_opt(0).expect("offset"),
            currency: Currency::EUR,
            timings: Timings::default(),
            turnover: TimeDelta::minutes(10),
        })
        .expect("theater");
    let layout = Arc::new(SeatLayout::grid(10, 10).expect("grid"));
    catalog
        .add_screen(ScreenId::new(1), TheaterId::new(1), "Screen", layout)
        .expect("screen");
    catalog
        .add_movie(MovieSpec {
            id: MovieId::new(1),
            title: "Movie".into(),
            runtime: TimeDelta::minutes(100),
            language: "en".into(),
            certificate: "PG".into(),
            genres: Vec::new(),
            release_date: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
            trailer: None,
            intermission: None,
            cleaning: None,
        })
        .expect("movie");
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    // Shows every 6 hours: 2h10 blocks with room for one more between any two.
    let slot = |i: u64| now + TimeDelta::hours(1 + 6 * i as i64);
    for i in 0..SHOWS {
        catalog
            .add_show(
                ShowSpec {
                    id: ShowId::new(i + 1),
                    movie: MovieId::new(1),
                    screen: ScreenId::new(1),
                    starts_at: slot(i),
                    format: "2D".into(),
                },
                ScheduleOverride::None,
                now,
            )
            .expect("free slot");
    }
    let seats = InMemorySeatStore::new(HoldPolicy::default());
    c.bench_with_input(
        BenchmarkId::new("schedule/add_show", SHOWS),
        &SHOWS,
        |b, _| {
            b.iter_custom(|iters| {
                let mut measured = Duration::ZERO;
                for i in 0..iters {
                    // In the middle of the schedule, between two existing shows.
                    let spec = ShowSpec {
                        id: ShowId::new(1_000_000 + i),
                        movie: MovieId::new(1),
                        screen: ScreenId::new(1),
                        starts_at: slot(SHOWS / 2) + TimeDelta::minutes(2 * 60 + 35),
                        format: "2D".into(),
                    };
                    let start = Instant::now();
                    let added = catalog
                        .add_show(
                            spec,
                            ScheduleOverride::AcceptSoftConflicts {
                                note: String::new(),
                            },
                            now,
                        )
                        .map(|show| show.id());
                    measured += start.elapsed();
                    let id = added.expect("fits");
                    catalog
                        .remove_show(id, &seats, Instant::now())
                        .expect("removable");
                }
                measured
            });
        },
    );
}

criterion_group!(benches, best, add_show);
criterion_main!(benches);
