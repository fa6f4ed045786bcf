//! The Redis seat store on a real server (`--features redis`, `BOXOFFICE_REDIS_URL`). IDs:
//!
//! - `redis/hold4_confirm`: one client, hold 4 seats then confirm: two scripts, two round trips.
//! - `redis/hold4_confirm/concurrent16`: 16 threads doing the same; throughput is total
//!   hold + confirm pairs per second.
//!
//! Without `BOXOFFICE_REDIS_URL` it prints one line and measures nothing.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use boxoffice::{
    HoldId, HoldPolicy, RedisSeatStore, SeatId, SeatLayout, SeatStore, ShowId, UserId,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SHOW: ShowId = ShowId::new(1);
const THREADS: u32 = 16;

/// A fresh key prefix for this run; its keys are deleted afterwards.
fn prefix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("bxbench_{nanos}_")
}

fn store(url: &str, prefix: &str) -> Arc<RedisSeatStore> {
    let policy = HoldPolicy::builder()
        .seats_per_user_max(200_000)
        .live_holds_max(1_000_000)
        .build()
        .expect("policy");
    let store = RedisSeatStore::connect(url, prefix, policy).expect("redis");
    // 16 threads × 16 groups of 4 seats, recycled.
    store
        .add_show(SHOW, Arc::new(SeatLayout::grid(32, 32).expect("grid")))
        .expect("show");
    Arc::new(store)
}

/// `n` hold + confirm pairs on groups `first..first + 16`, putting seats back on sale between
/// rounds (outside the measured time).
fn pairs(store: &RedisSeatStore, thread: u32, n: u64) -> Duration {
    let mut measured = Duration::ZERO;
    let mut done = 0;
    let user = UserId::new(u64::from(thread));
    let mut booked: Vec<HoldId> = Vec::with_capacity(16);
    while done < n {
        let chunk = (n - done).min(16);
        let start = Instant::now();
        for group in 0..chunk as u32 {
            let base = (thread * 16 + group) * 4;
            let seats = [base, base + 1, base + 2, base + 3].map(SeatId::new);
            let hold = store
                .hold(SHOW, user, &seats, Instant::now())
                .expect("free");
            black_box(
                store
                    .confirm(hold.id(), user, Instant::now())
                    .expect("live"),
            );
            booked.push(hold.id());
        }
        measured += start.elapsed();
        for hold in booked.drain(..) {
            store
                .release_booked(hold, user, Instant::now())
                .expect("booked");
        }
        done += chunk;
    }
    measured
}

fn redis(c: &mut Criterion) {
    let Ok(url) = std::env::var("BOXOFFICE_REDIS_URL") else {
        println!("skipped: BOXOFFICE_REDIS_URL is not set; nothing measured");
        return;
    };
    let prefix = prefix();
    let one = store(&url, &format!("{prefix}1_"));
    c.bench_function("redis/hold4_confirm", |b| {
        b.iter_custom(|n| pairs(&one, 0, n))
    });
    let shared = store(&url, &format!("{prefix}2_"));
    let mut group = c.benchmark_group("redis/hold4_confirm");
    group.throughput(Throughput::Elements(1));
    group.bench_function("concurrent16", |b| {
        b.iter_custom(|n| {
            let per_thread = n.div_ceil(u64::from(THREADS)).max(1);
            let barrier = Barrier::new(THREADS as usize + 1);
            let start = thread::scope(|scope| {
                for t in 0..THREADS {
                    let (store, barrier) = (&shared, &barrier);
                    scope.spawn(move || {
                        barrier.wait();
                        pairs(store, t, per_thread)
                    });
                }
                barrier.wait();
                Instant::now()
            });
            // Wall time of the whole batch, scaled to the requested iterations.
            start
                .elapsed()
                .mul_f64(n as f64 / (per_thread * u64::from(THREADS)) as f64)
        });
    });
    group.finish();
    for store in [one, shared] {
        store.delete_all_keys().expect("cleanup");
    }
}

criterion_group!(benches, redis);
criterion_main!(benches);
