//! Seat inventory micro-benchmarks. The IDs are stable: they are tracked over time.
//!
//! - `seat_hold/hold4_confirm/300`: hold 4 of 300 seats, then confirm (two clock reads).
//! - `seat_hold/hold4_release/300`: hold 4 seats, then release.
//! - `seat_hold/snapshot/{300,50000}`: copy a show's seat map.
//! - `seat_hold/expire_sweep/10000`: expire 10,000 due holds in one sweep.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::{HoldId, HoldPolicy, SeatId, SeatLayout, ShowId, ShowSeatManager, UserId};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn manager(rows: usize, per_row: usize, policy: HoldPolicy) -> ShowSeatManager {
    let layout = Arc::new(SeatLayout::grid(rows, per_row).expect("valid grid"));
    ShowSeatManager::new(ShowId::new(1), layout, policy)
}

fn seats4(group: usize) -> [SeatId; 4] {
    let base = (group * 4) as u32;
    [base, base + 1, base + 2, base + 3].map(SeatId::new)
}

fn hold4_confirm(c: &mut Criterion) {
    let show = manager(30, 10, HoldPolicy::default());
    let groups = 300 / 4;
    c.bench_with_input(
        BenchmarkId::new("seat_hold/hold4_confirm", 300),
        &300,
        |b, _| {
            b.iter_custom(|iters| {
                let mut measured = Duration::ZERO;
                let mut confirmed: Vec<(HoldId, UserId)> = Vec::with_capacity(groups);
                let mut done = 0;
                while done < iters {
                    let chunk = (iters - done).min(groups as u64) as usize;
                    let start = Instant::now();
                    for group in 0..chunk {
                        let user = UserId::new(group as u64);
                        let hold = show
                            .hold(user, &seats4(group), Instant::now())
                            .expect("seats are free");
                        let done = show
                            .confirm(hold.id(), user, Instant::now())
                            .expect("hold is live");
                        confirmed.push((black_box(done).hold(), user));
                    }
                    measured += start.elapsed();
                    // Put the seats back on sale, outside the measurement.
                    let now = Instant::now();
                    for (hold, user) in confirmed.drain(..) {
                        show.release_booked(hold, user, now).expect("confirmed");
                    }
                    done += chunk as u64;
                }
                measured
            });
        },
    );
}

fn hold4_release(c: &mut Criterion) {
    let show = manager(30, 10, HoldPolicy::default());
    let user = UserId::new(1);
    let seats = seats4(10);
    c.bench_with_input(
        BenchmarkId::new("seat_hold/hold4_release", 300),
        &300,
        |b, _| {
            b.iter(|| {
                let hold = show
                    .hold(user, &seats, Instant::now())
                    .expect("seats are free");
                show.release(hold.id(), user, Instant::now())
                    .expect("hold is live");
            });
        },
    );
}

fn snapshot(c: &mut Criterion) {
    for (rows, per_row) in [(30, 10), (100, 500)] {
        let capacity = rows * per_row;
        let policy = HoldPolicy::builder()
            .seats_per_user_max(200_000)
            .build()
            .expect("valid policy");
        let show = manager(rows, per_row, policy);
        let now = Instant::now();
        // A realistic mix: a quarter held, a quarter booked.
        for group in 0..capacity / 8 {
            let user = UserId::new(group as u64);
            let hold = show.hold(user, &seats4(group), now).expect("free");
            if group % 2 == 0 {
                show.confirm(hold.id(), user, now).expect("live");
            }
        }
        c.bench_with_input(
            BenchmarkId::new("seat_hold/snapshot", capacity),
            &capacity,
            |b, _| b.iter(|| black_box(show.seat_map(now))),
        );
    }
}

fn expire_sweep(c: &mut Criterion) {
    const HOLDS: usize = 10_000;
    let policy = HoldPolicy::builder()
        .live_holds_max(HOLDS as u32)
        .build()
        .expect("valid policy");
    let mut group = c.benchmark_group("seat_hold/expire_sweep");
    group.sample_size(20);
    group.bench_with_input(BenchmarkId::from_parameter(HOLDS), &HOLDS, |b, _| {
        b.iter_custom(|iters| {
            let mut measured = Duration::ZERO;
            for _ in 0..iters {
                let show = manager(100, 100, policy.clone());
                let t0 = Instant::now();
                for seat in 0..HOLDS {
                    show.hold(UserId::new(seat as u64), &[SeatId::new(seat as u32)], t0)
                        .expect("free");
                }
                let due = t0 + policy.hold_ttl();
                let start = Instant::now();
                let expired = show.expire_due(due);
                measured += start.elapsed();
                assert_eq!(expired.len(), HOLDS);
            }
            measured
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    hold4_confirm,
    hold4_release,
    snapshot,
    expire_sweep
);
criterion_main!(benches);
