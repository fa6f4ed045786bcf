//! Contention, scaling and read-path benchmarks on real OS threads. Stable IDs:
//!
//! - `contention/same_show/{1,2,4,8}`: N threads doing "hold 2 seats, then confirm (and put
//!   them back on sale) or release" on ONE 500-seat show. Throughput is total operations/s.
//! - `contention/distinct_shows/{1,2,4,8}`: the same, each thread on its own show.
//! - `contention/std_mutex_vs_parking_lot/<lock>-{2,8}`: the same-show case; `<lock>` is
//!   `parking_lot` in a normal build and `std_mutex` when built with
//!   `RUSTFLAGS="--cfg boxoffice_std_mutex"` (the swap is internal: no public API changes).
//! - `scaling/seats/{100,1000,10000,100000}`: hold 4 + confirm as the show grows.
//! - `scaling/live_holds/{10,1000,100000}`: hold 2 + release with that many live holds.
//! - `scaling/expire/{100,10000}`: one sweep expiring that many holds.
//! - `reads/seat_map/{300,50000}`: `snapshot()` while another thread writes 20,000 times a
//!   second; `reads/seat_map_cached/{300,50000}`: `snapshot()` when nothing changed.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use boxoffice::{HoldId, HoldPolicy, SeatId, SeatLayout, ShowId, ShowSeatManager, UserId};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const LOCK: &str = if cfg!(boxoffice_std_mutex) {
    "std_mutex"
} else {
    "parking_lot"
};

fn policy() -> HoldPolicy {
    HoldPolicy::builder()
        .seats_per_user_max(200_000)
        .live_holds_max(1_000_000)
        .build()
        .expect("valid policy")
}

fn manager(id: u64, rows: usize, per_row: usize) -> ShowSeatManager {
    let layout = Arc::new(SeatLayout::grid(rows, per_row).expect("grid"));
    ShowSeatManager::new(ShowId::new(id), layout, policy())
}

/// One "operation": hold a pair, then confirm and put it back on sale, or release it.
fn operate(show: &ShowSeatManager, user: UserId, pair: u32, confirm: bool) {
    let seats = [SeatId::new(2 * pair), SeatId::new(2 * pair + 1)];
    let hold = show
        .hold(user, &seats, Instant::now())
        .expect("each thread owns its pairs");
    if confirm {
        show.confirm(hold.id(), user, Instant::now())
            .expect("live hold");
        show.release_booked(hold.id(), user, Instant::now())
            .expect("confirmed");
    } else {
        show.release(hold.id(), user, Instant::now())
            .expect("live hold");
    }
}

/// Runs `iters` operations spread over `threads`, each on `show_of(thread)`, and returns the
/// wall time from a common start to the last thread's end.
fn race(
    threads: u32,
    iters: u64,
    show_of: &(dyn Fn(u32) -> Arc<ShowSeatManager> + Sync),
) -> Duration {
    let per_thread = iters.div_ceil(u64::from(threads)).max(1);
    let barrier = Barrier::new(threads as usize + 1);
    thread::scope(|scope| {
        for t in 0..threads {
            let show = show_of(t);
            let barrier = &barrier;
            scope.spawn(move || {
                // A 500-seat show has 250 pairs; each thread cycles through its own share.
                let pairs = 250 / 8;
                let user = UserId::new(u64::from(t));
                barrier.wait();
                for i in 0..per_thread {
                    let pair = t * pairs + (i % u64::from(pairs)) as u32;
                    operate(&show, user, pair, i % 2 == 0);
                }
            });
        }
        barrier.wait();
        let start = Instant::now();
        // The scope joins every thread before returning.
        start
    })
    .elapsed()
}

fn contention(c: &mut Criterion) {
    let mut group = c.benchmark_group("contention");
    group.throughput(Throughput::Elements(1));
    for threads in [1_u32, 2, 4, 8] {
        let shared = Arc::new(manager(1, 25, 20));
        group.bench_with_input(
            BenchmarkId::new("same_show", threads),
            &threads,
            |b, &threads| b.iter_custom(|iters| race(threads, iters, &|_| shared.clone())),
        );
        let own: Vec<Arc<ShowSeatManager>> = (0..threads)
            .map(|t| Arc::new(manager(u64::from(t), 25, 20)))
            .collect();
        group.bench_with_input(
            BenchmarkId::new("distinct_shows", threads),
            &threads,
            |b, &threads| b.iter_custom(|iters| race(threads, iters, &|t| own[t as usize].clone())),
        );
    }
    for threads in [2_u32, 8] {
        let shared = Arc::new(manager(1, 25, 20));
        group.bench_with_input(
            BenchmarkId::new("std_mutex_vs_parking_lot", format!("{LOCK}-{threads}")),
            &threads,
            |b, &threads| b.iter_custom(|iters| race(threads, iters, &|_| shared.clone())),
        );
    }
    group.finish();
}

fn scaling_seats(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling/seats");
    for (rows, per_row) in [(10, 10), (10, 100), (100, 100), (200, 500)] {
        let capacity = rows * per_row;
        let show = manager(1, rows, per_row);
        let groups = (capacity / 4) as u32;
        // Spread the holds over the whole show, so larger shows touch more memory.
        // A multiplier coprime with `groups` makes any `groups` consecutive `i` distinct.
        let group_at = |i: u32| ((u64::from(i) * 2_654_435_761 % u64::from(groups)) * 4) as u32;
        group.bench_with_input(BenchmarkId::from_parameter(capacity), &capacity, |b, _| {
            b.iter_custom(|iters| {
                let mut measured = Duration::ZERO;
                let mut done = 0_u64;
                let mut confirmed: Vec<(HoldId, UserId)> = Vec::with_capacity(64);
                let mut next = 0_u32;
                while done < iters {
                    // At most one full cycle of groups per chunk, so no group repeats.
                    let chunk = (iters - done).min(64).min(u64::from(groups));
                    let start = Instant::now();
                    for _ in 0..chunk {
                        let base = group_at(next);
                        next = next.wrapping_add(1);
                        let user = UserId::new(u64::from(next));
                        let seats = [base, base + 1, base + 2, base + 3].map(SeatId::new);
                        let hold = show.hold(user, &seats, Instant::now()).expect("free");
                        show.confirm(hold.id(), user, Instant::now()).expect("live");
                        confirmed.push((hold.id(), user));
                    }
                    measured += start.elapsed();
                    for (hold, user) in confirmed.drain(..) {
                        show.release_booked(hold, user, Instant::now())
                            .expect("booked");
                    }
                    done += chunk;
                }
                measured
            });
        });
    }
    group.finish();
}

fn scaling_live_holds(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling/live_holds");
    for live in [10_usize, 1_000, 100_000] {
        let rows = live / 500 + 1;
        let show = manager(1, rows, 500);
        let now = Instant::now();
        for seat in 0..live {
            show.hold(UserId::new(seat as u64), &[SeatId::new(seat as u32)], now)
                .expect("free");
        }
        // Two free seats past the held ones.
        let seats = [SeatId::new(live as u32), SeatId::new(live as u32 + 1)];
        let user = UserId::new(u64::MAX);
        group.bench_with_input(BenchmarkId::from_parameter(live), &live, |b, _| {
            b.iter(|| {
                let hold = show.hold(user, &seats, Instant::now()).expect("free");
                show.release(hold.id(), user, Instant::now()).expect("live");
            });
        });
        assert_eq!(show.stats().live_holds as usize, live);
    }
    group.finish();
}

fn scaling_expire(c: &mut Criterion) {
    let mut group = c.benchmark_group("scaling/expire");
    group.sample_size(20);
    for holds in [100_usize, 10_000] {
        group.bench_with_input(BenchmarkId::from_parameter(holds), &holds, |b, &holds| {
            b.iter_custom(|iters| {
                let mut measured = Duration::ZERO;
                for _ in 0..iters {
                    let show = manager(1, 100, 100);
                    let t0 = Instant::now();
                    for seat in 0..holds {
                        show.hold(UserId::new(seat as u64), &[SeatId::new(seat as u32)], t0)
                            .expect("free");
                    }
                    let due = t0 + show.policy().hold_ttl();
                    let start = Instant::now();
                    let expired = show.expire_due(due);
                    measured += start.elapsed();
                    assert_eq!(expired.len(), holds);
                }
                measured
            });
        });
    }
    group.finish();
}

fn reads(c: &mut Criterion) {
    let mut group = c.benchmark_group("reads");
    for (rows, per_row) in [(15, 20), (100, 500)] {
        let capacity = rows * per_row;
        let show = Arc::new(manager(1, rows, per_row));
        // A quarter of the house sold, so the map is not trivial.
        let now = Instant::now();
        for group in 0..(capacity / 16) as u32 {
            let seats = [4 * group, 4 * group + 1, 4 * group + 2, 4 * group + 3].map(SeatId::new);
            let user = UserId::new(u64::from(group));
            let hold = show.hold(user, &seats, now).expect("free");
            show.confirm(hold.id(), user, now).expect("live");
        }
        group.bench_with_input(
            BenchmarkId::new("seat_map_cached", capacity),
            &capacity,
            |b, _| b.iter(|| black_box(show.snapshot(Instant::now()))),
        );
        // A writer changes the show 20,000 times a second while readers read.
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (show, stop) = (show.clone(), stop.clone());
            let last = (capacity - 2) as u32;
            thread::spawn(move || {
                let user = UserId::new(u64::MAX);
                let seats = [SeatId::new(last), SeatId::new(last + 1)];
                while !stop.load(Ordering::Relaxed) {
                    let hold = show.hold(user, &seats, Instant::now()).expect("free");
                    show.release(hold.id(), user, Instant::now()).expect("live");
                    thread::sleep(Duration::from_micros(50));
                }
            })
        };
        group.bench_with_input(BenchmarkId::new("seat_map", capacity), &capacity, |b, _| {
            b.iter(|| black_box(show.snapshot(Instant::now())));
        });
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("writer");
    }
    group.finish();
}

criterion_group!(
    benches,
    contention,
    scaling_seats,
    scaling_live_holds,
    scaling_expire,
    reads
);
criterion_main!(benches);
