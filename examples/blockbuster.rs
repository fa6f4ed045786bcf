//! An opening-night on-sale: thousands of simulated buyers on real threads race for a few
//! shows. They browse, ask for the best seats or pick their own, hold, pay (some cards are
//! declined), or walk away so their holds expire on the clock. At the end the run verifies that
//! no seat was sold twice, that every seat is accounted for, and that the money adds up; it
//! exits non-zero if any check fails.
//!
//! ```text
//! cargo run --release --example blockbuster -- --users 20000 --shows 4 --seats 500 \
//!     --threads 4 --abandon 0.2 --decline 0.05 --seed 7 --ttl-ms 100
//! ```
#![allow(dead_code)] // `main` is unused when the test suite includes this file as a module.

use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use boxoffice::{
    BestAvailableRequest, BookingError, BookingRecord, BookingRepository, BookingService,
    ChargeOutcome, ChargeRequest, Clock, ConvenienceFee, Currency, HoldPolicy, IdempotencyKey,
    InMemoryBookingRepository, InMemoryPaymentGateway, InMemorySeatStore, Money, PaymentGateway,
    PaymentMethod, RefundOutcome, RefundRequest, Rejection, SeatError, SeatKindPricing, SeatLayout,
    SeatStatus, SeatStore, ShowId, ShowInfo, SystemClock, UserId, VoidOutcome,
};
use chrono::{FixedOffset, TimeDelta};

/// The knobs of a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Simulated buyers.
    pub users: u64,
    /// Shows on sale.
    pub shows: u64,
    /// Seats per show (rounded down to whole rows of 20).
    pub seats: usize,
    /// Worker threads.
    pub threads: u64,
    /// Share of buyers who hold and walk away.
    pub abandon: f64,
    /// Share of payments declined.
    pub decline: f64,
    /// Random seed: the same seed makes the same buyers.
    pub seed: u64,
    /// Hold time-to-live, in milliseconds.
    pub ttl_ms: u64,
    /// Print progress lines.
    pub progress: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            users: 20_000,
            shows: 4,
            seats: 500,
            threads: 4,
            abandon: 0.2,
            decline: 0.05,
            seed: 7,
            ttl_ms: 100,
            progress: true,
        }
    }
}

impl Config {
    fn parse(args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut config = Config::default();
        let mut args = args.peekable();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            let bad = || format!("bad value {value:?} for {flag}");
            match flag.as_str() {
                "--users" => config.users = value.parse().map_err(|_| bad())?,
                "--shows" => config.shows = value.parse().map_err(|_| bad())?,
                "--seats" => config.seats = value.parse().map_err(|_| bad())?,
                "--threads" => config.threads = value.parse().map_err(|_| bad())?,
                "--abandon" => config.abandon = value.parse().map_err(|_| bad())?,
                "--decline" => config.decline = value.parse().map_err(|_| bad())?,
                "--seed" => config.seed = value.parse().map_err(|_| bad())?,
                "--ttl-ms" => config.ttl_ms = value.parse().map_err(|_| bad())?,
                other => return Err(format!("unknown flag {other}")),
            }
        }
        let ok = (1..=10_000_000).contains(&config.users)
            && (1..=1_000).contains(&config.shows)
            && (20..=100_000).contains(&config.seats)
            && (1..=64).contains(&config.threads)
            && (0.0..=1.0).contains(&config.abandon)
            && (0.0..=1.0).contains(&config.decline)
            && (1..=60_000).contains(&config.ttl_ms);
        if !ok {
            return Err(
                "out of range: users 1..=1e7, shows 1..=1000, seats 20..=100000, \
                        threads 1..=64, rates 0..=1, ttl-ms 1..=60000"
                    .into(),
            );
        }
        Ok(config)
    }
}

/// A deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64 > 1.0 - p
    }
}

/// The in-memory gateway, declining a seeded share of cards.
struct SimGateway {
    inner: InMemoryPaymentGateway,
    decline: f64,
    seed: u64,
}

impl PaymentGateway for SimGateway {
    fn charge(&self, request: &ChargeRequest) -> ChargeOutcome {
        let mut rng = Rng::new(self.seed ^ request.booking.get());
        if rng.chance(self.decline) {
            return ChargeOutcome::Declined {
                reason: "card declined".into(),
            };
        }
        self.inner.charge(request)
    }

    fn refund(&self, request: &RefundRequest) -> RefundOutcome {
        self.inner.refund(request)
    }

    fn void(&self, key: &IdempotencyKey) -> VoidOutcome {
        self.inner.void(key)
    }
}

/// How often a buyer looks again when every remaining seat is only held.
const BROWSE_ATTEMPTS: u32 = 200;

type Service = BookingService<
    Arc<InMemorySeatStore>,
    Arc<SimGateway>,
    Arc<InMemoryBookingRepository>,
    SystemClock,
>;

#[derive(Debug, Default)]
struct Counters {
    users_done: AtomicU64,
    sold: AtomicUsize,
    conflicts: AtomicU64,
    declined: AtomicU64,
    abandoned: AtomicU64,
    turned_away: AtomicU64,
    expired: AtomicU64,
    operations: AtomicU64,
}

/// What a run measured and verified.
#[derive(Debug)]
pub struct Report {
    /// Tickets sold.
    pub sold: usize,
    /// Seats on sale.
    pub capacity: usize,
    /// From the first buyer to the last seat sold, if everything sold.
    pub sold_out_after: Option<Duration>,
    /// The whole run.
    pub elapsed: Duration,
    /// Seat-store and booking-service calls per second while buyers were active.
    pub ops_per_sec: f64,
    /// Holds refused because a seat was already taken.
    pub conflicts: u64,
    /// Bookings expired because the buyer walked away.
    pub expired: u64,
    /// Declined payments.
    pub declined: u64,
    /// Bookings refunded.
    pub refunds: usize,
    /// Median and 99th percentile hold latency.
    pub hold_latency: (Duration, Duration),
    /// Each verification and whether it held.
    pub checks: Vec<(&'static str, bool)>,
}

impl Report {
    /// Whether every verification held.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|(_, ok)| *ok)
    }
}

fn buyer(
    service: &Service,
    config: &Config,
    user: u64,
    counters: &Counters,
    latencies: &mut Vec<u32>,
) {
    let mut rng = Rng::new(config.seed ^ user.wrapping_mul(0xA24B_AED4_963E_E407));
    // Browse: look for a show with free seats, starting from a random one. When everything
    // left is only held, wait in line a little: abandoned holds expire and free up.
    let first = rng.below(config.shows);
    let mut show = None;
    for _ in 0..BROWSE_ATTEMPTS {
        let now = Instant::now();
        let mut held = 0;
        show = (0..config.shows)
            .map(|i| ShowId::new((first + i) % config.shows + 1))
            .find(|show| {
                counters.operations.fetch_add(1, Ordering::Relaxed);
                let counts = service.store().counts(*show, now);
                held += counts.as_ref().map_or(0, |c| c.held());
                counts.is_ok_and(|c| c.available() > 0)
            });
        if show.is_some() || held == 0 {
            break;
        }
        thread::sleep(Duration::from_millis(2));
    }
    let Some(show) = show else {
        counters.turned_away.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let want = 1 + rng.below(4) as u16;
    let user_id = UserId::new(user);
    let started = Instant::now();
    let attempt = if rng.chance(0.6) {
        let request = BestAvailableRequest::new(want).allow_scatter(true);
        service
            .start_booking_best_available(user_id, show, &request)
            .map(|(booking, _)| booking)
    } else {
        // Pick seats by hand from the (cached) seat map: a run from a random free seat.
        let map = service
            .store()
            .manager(show)
            .map(|m| m.snapshot(started))
            .expect("show exists");
        let free: Vec<u32> = map
            .statuses()
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == SeatStatus::Available)
            .map(|(i, _)| i as u32)
            .collect();
        if free.is_empty() {
            counters.turned_away.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let start = rng.below(free.len() as u64) as usize;
        let seats: Vec<boxoffice::SeatId> = free[start..]
            .iter()
            .take(usize::from(want))
            .map(|s| boxoffice::SeatId::new(*s))
            .collect();
        service.start_booking(user_id, show, &seats)
    };
    latencies.push(u32::try_from(started.elapsed().as_nanos()).unwrap_or(u32::MAX));
    counters.operations.fetch_add(1, Ordering::Relaxed);
    let pending = match attempt {
        Ok(pending) => pending,
        Err(err) => {
            if matches!(
                err.rejection(),
                Some(Rejection::Seats(SeatError::Unavailable { .. }))
            ) {
                counters.conflicts.fetch_add(1, Ordering::Relaxed);
            } else {
                counters.turned_away.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
    };
    if rng.chance(config.abandon) {
        counters.abandoned.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let key = IdempotencyKey::new(format!("buyer-{user}")).expect("short key");
    counters.operations.fetch_add(1, Ordering::Relaxed);
    match service.complete_booking(pending.id(), user_id, PaymentMethod::new("tok"), key) {
        Ok(confirmed) => {
            counters
                .sold
                .fetch_add(confirmed.seats().len(), Ordering::Relaxed);
        }
        Err(BookingError::Rejected(Rejection::PaymentDeclined { .. })) => {
            counters.declined.fetch_add(1, Ordering::Relaxed);
        }
        Err(_) => {
            counters.turned_away.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs one on-sale and verifies it.
pub fn run(config: &Config, out: &mut dyn Write) -> Report {
    let per_row = 20;
    let rows = config.seats / per_row;
    let layout = Arc::new(SeatLayout::grid(rows, per_row).expect("valid grid"));
    let policy = HoldPolicy::builder()
        .hold_ttl(Duration::from_millis(config.ttl_ms))
        .hold_lifetime_max(Duration::from_millis(config.ttl_ms * 2))
        .build()
        .expect("valid policy");
    let store = Arc::new(InMemorySeatStore::new(policy));
    let gateway = Arc::new(SimGateway {
        inner: InMemoryPaymentGateway::new(),
        decline: config.decline,
        seed: config.seed,
    });
    let repo = Arc::new(InMemoryBookingRepository::new());
    let eur = |s: &str| Money::parse(s, Currency::EUR).expect("amount");
    let pricing = ConvenienceFee::new(
        SeatKindPricing::new(eur("12.00")).expect("price"),
        eur("1.00"),
    )
    .expect("fee");
    let service: Arc<Service> = Arc::new(
        BookingService::builder(store.clone(), gateway.clone(), repo.clone(), SystemClock)
            .build(pricing),
    );
    let offset = FixedOffset::east_opt(0).expect("offset");
    let starts = SystemClock.wall_now() + TimeDelta::days(7);
    for show in 1..=config.shows {
        store
            .add_show(ShowId::new(show), layout.clone())
            .expect("new show");
        service
            .add_show(ShowInfo::builder(ShowId::new(show), starts, offset, Currency::EUR).build())
            .expect("show");
    }
    let capacity = layout.capacity() * config.shows as usize;
    let counters = Arc::new(Counters::default());
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(config.users as usize)));
    let stop = Arc::new(AtomicBool::new(false));
    let sold_out_at: Arc<Mutex<Option<Duration>>> = Arc::new(Mutex::new(None));
    let began = Instant::now();

    // The host's timer: expire abandoned bookings as their holds come due.
    let sweeper = {
        let (service, counters, stop) = (service.clone(), counters.clone(), stop.clone());
        let (sold_out_at, capacity) = (sold_out_at.clone(), capacity);
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(sweep) = service.expire_due() {
                    counters
                        .expired
                        .fetch_add(sweep.expired as u64, Ordering::Relaxed);
                }
                let mut at = sold_out_at.lock().expect("not poisoned");
                if at.is_none() && counters.sold.load(Ordering::Relaxed) >= capacity {
                    *at = Some(began.elapsed());
                }
                drop(at);
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let workers: Vec<_> = (0..config.threads)
        .map(|t| {
            let (service, counters, latencies) =
                (service.clone(), counters.clone(), latencies.clone());
            let config = config.clone();
            thread::spawn(move || {
                let mut mine = Vec::new();
                let mut user = t;
                while user < config.users {
                    buyer(&service, &config, user, &counters, &mut mine);
                    counters.users_done.fetch_add(1, Ordering::Relaxed);
                    user += config.threads;
                }
                latencies.lock().expect("not poisoned").extend(mine);
            })
        })
        .collect();
    let mut last_progress = Instant::now();
    while workers.iter().any(|w| !w.is_finished()) {
        thread::sleep(Duration::from_millis(10));
        if config.progress && last_progress.elapsed() >= Duration::from_millis(100) {
            last_progress = Instant::now();
            let _ = writeln!(
                out,
                "progress: {}/{} buyers, {} sold, {} conflicts, {} expired",
                counters.users_done.load(Ordering::Relaxed),
                config.users,
                counters.sold.load(Ordering::Relaxed),
                counters.conflicts.load(Ordering::Relaxed),
                counters.expired.load(Ordering::Relaxed),
            );
        }
    }
    for worker in workers {
        worker.join().expect("buyer thread");
    }
    let buying = began.elapsed();
    // Let the last abandoned holds come due, then sweep once more.
    thread::sleep(Duration::from_millis(config.ttl_ms * 2 + 20));
    stop.store(true, Ordering::Relaxed);
    sweeper.join().expect("sweeper");
    if let Ok(sweep) = service.expire_due() {
        counters
            .expired
            .fetch_add(sweep.expired as u64, Ordering::Relaxed);
    }
    let elapsed = began.elapsed();

    // Verify.
    let records: Vec<BookingRecord> = repo.all();
    let mut seen: HashSet<(ShowId, boxoffice::SeatId)> = HashSet::new();
    let mut sold_twice = false;
    let mut confirmed_total = Money::zero(Currency::EUR);
    let mut booked_by_records = 0;
    for record in &records {
        if let BookingRecord::Confirmed(booking) = record {
            confirmed_total = confirmed_total
                .checked_add(booking.quote().total())
                .expect("one currency");
            for seat in booking.seats() {
                booked_by_records += 1;
                sold_twice |= !seen.insert((booking.show(), *seat));
            }
        }
    }
    let mut accounted = true;
    let mut booked_in_store = 0;
    for show in 1..=config.shows {
        let counts = store
            .seat_map(ShowId::new(show), Instant::now())
            .expect("show")
            .counts();
        accounted &= counts.held() == 0
            && (counts.booked() + counts.available() + counts.blocked()) as usize
                == layout.capacity();
        booked_in_store += counts.booked() as usize;
    }
    let kept = gateway
        .inner
        .charged_total(Currency::EUR)
        .checked_sub(gateway.inner.refunded_total(Currency::EUR))
        .expect("one currency");
    let refunds = records.iter().filter(|r| !r.refunds().is_empty()).count();
    let sold = counters.sold.load(Ordering::Relaxed);
    let checks = vec![
        ("no seat was sold twice", !sold_twice),
        (
            "booked seats in the store match confirmed bookings",
            booked_in_store == booked_by_records && booked_by_records == sold,
        ),
        (
            "sold + available + blocked = capacity, nothing held",
            accounted,
        ),
        (
            "money charged - refunded = sum of confirmed bookings",
            kept == confirmed_total,
        ),
        (
            "no idempotency key charged twice",
            gateway.inner.max_captures_per_key() <= 1,
        ),
        (
            "every pending booking resolved",
            repo.list_by_user(UserId::new(0), 1).is_ok()
                && records
                    .iter()
                    .all(|r| r.status() != boxoffice::BookingStatus::Pending),
        ),
    ];
    let mut latencies = std::mem::take(&mut *latencies.lock().expect("not poisoned"));
    latencies.sort_unstable();
    let pct = |p: usize| {
        latencies
            .get(latencies.len().saturating_sub(1) * p / 100)
            .map_or(Duration::ZERO, |n| Duration::from_nanos(u64::from(*n)))
    };
    Report {
        sold,
        capacity,
        sold_out_after: *sold_out_at.lock().expect("not poisoned"),
        elapsed,
        ops_per_sec: counters.operations.load(Ordering::Relaxed) as f64 / buying.as_secs_f64(),
        conflicts: counters.conflicts.load(Ordering::Relaxed),
        expired: counters.expired.load(Ordering::Relaxed),
        declined: counters.declined.load(Ordering::Relaxed),
        refunds,
        hold_latency: (pct(50), pct(99)),
        checks,
    }
}

fn main() {
    let config = match Config::parse(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("blockbuster: {err}");
            std::process::exit(2);
        }
    };
    println!("on-sale: {config:?}");
    let mut stdout = std::io::stdout();
    let report = run(&config, &mut stdout);
    println!(
        "\ntickets sold:        {} of {}",
        report.sold, report.capacity
    );
    match report.sold_out_after {
        Some(after) => println!("time to sell out:    {after:?}"),
        None => println!("time to sell out:    not sold out"),
    }
    println!("run time:            {:?}", report.elapsed);
    println!(
        "operations/s:        {:.0} (browse, hold, pay calls)",
        report.ops_per_sec
    );
    println!(
        "conflicts:           {} (seat already taken)",
        report.conflicts
    );
    println!("expired holds:       {}", report.expired);
    println!("declined payments:   {}", report.declined);
    println!("refunds:             {}", report.refunds);
    println!(
        "hold latency:        p50 {:?}, p99 {:?}",
        report.hold_latency.0, report.hold_latency.1
    );
    println!("\nverification:");
    for (check, ok) in &report.checks {
        println!("  [{}] {check}", if *ok { "ok" } else { "FAILED" });
    }
    if !report.ok() {
        std::process::exit(1);
    }
}
