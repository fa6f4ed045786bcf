//! A deterministic simulation of the whole booking flow under injected faults, TigerBeetle
//! style: a seed drives users, shows, a virtual clock and every fault; after every step the
//! invariants are checked, and a violation names the seed and the step.
//!
//! - `BOXOFFICE_SIM_SEEDS=<n>`: how many seeds to run (default 1,000).
//! - `BOXOFFICE_SIM_SEED=<n>`: replay one seed.
//!
//! No threads and no real sleeps: a seed replays exactly.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::*;
use chrono::{FixedOffset, TimeDelta, TimeZone, Utc};
use parking_lot::Mutex;

const STEPS: usize = 250;
const USERS: u64 = 6;
const SHOWS: u64 = 3;

/// A deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Per-seed fault probabilities, in percent.
#[derive(Debug, Clone)]
struct Faults {
    decline: u64,
    timeout_then_succeed: u64,
    timeout_without_charge: u64,
    slow_payment: u64,
    refund_failure: u64,
    repo_write: u64,
    repo_read: u64,
    observer_panic: u64,
    observer_error: u64,
    observer_slow: u64,
    wrong_user: u64,
}

impl Faults {
    fn draw(rng: &mut Rng) -> Faults {
        let mut p = |max: u64| rng.below(max + 1);
        Faults {
            decline: p(15),
            timeout_then_succeed: p(15),
            timeout_without_charge: p(8),
            slow_payment: p(15),
            refund_failure: p(30),
            repo_write: p(8),
            repo_read: p(8),
            observer_panic: p(20),
            observer_error: p(30),
            observer_slow: p(20),
            wrong_user: p(20),
        }
    }
}

/// An observer that fails, panics or is slow as the seed says, and records what it accepted.
#[derive(Debug)]
struct FlakyObserver {
    rng: Mutex<Rng>,
    faults: Faults,
    clock: Arc<ManualClock>,
    seen: Mutex<Vec<(BookingEvent, BookingId)>>,
}

impl FlakyObserver {
    fn handle(&self, event: BookingEvent, booking: &BookingRecord) -> Result<(), ObserverError> {
        let roll = self.rng.lock().below(100);
        if roll < self.faults.observer_panic {
            std::panic::panic_any(OBSERVER_PANIC);
        }
        if roll < self.faults.observer_panic + self.faults.observer_error {
            return Err(ObserverError::new("observer fails on purpose"));
        }
        if roll
            < self.faults.observer_panic + self.faults.observer_error + self.faults.observer_slow
        {
            // A slow observer: time passes while it works.
            self.clock.advance(Duration::from_millis(1_500));
        }
        self.seen.lock().push((event, booking.id()));
        Ok(())
    }
}

impl BookingObserver for FlakyObserver {
    fn on_confirmed(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        self.handle(BookingEvent::Confirmed, booking)
    }

    fn on_cancelled(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        self.handle(BookingEvent::Cancelled, booking)
    }

    fn on_expired(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        self.handle(BookingEvent::Expired, booking)
    }
}

/// A seat store the simulator can inspect: the real in-memory one, or a deliberately broken
/// wrapper around it.
pub(crate) trait SimStore: SeatStore + 'static {
    fn wrap(inner: InMemorySeatStore) -> Self;
    fn inner(&self) -> &InMemorySeatStore;
}

impl SimStore for InMemorySeatStore {
    fn wrap(inner: InMemorySeatStore) -> Self {
        inner
    }

    fn inner(&self) -> &InMemorySeatStore {
        self
    }
}

type Service<S> = BookingService<
    Arc<S>,
    Arc<InMemoryPaymentGateway>,
    Arc<InMemoryBookingRepository>,
    Arc<ManualClock>,
>;

/// A broken invariant, with where it broke.
#[derive(Debug)]
pub(crate) struct Violation {
    pub seed: u64,
    pub step: usize,
    pub message: String,
}

/// What one seed did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SimStats {
    pub steps: usize,
    pub faults_injected: usize,
    pub bookings: usize,
    pub confirmed: usize,
}

struct World<S: SimStore> {
    rng: Rng,
    faults: Faults,
    clock: Arc<ManualClock>,
    store: Arc<S>,
    gateway: Arc<InMemoryPaymentGateway>,
    repo: Arc<InMemoryBookingRepository>,
    observer: Arc<FlakyObserver>,
    service: Service<S>,
    bookings: Vec<BookingId>,
    stats: SimStats,
}

fn ensure(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message()) }
}

impl<S: SimStore> World<S> {
    fn new(seed: u64) -> World<S> {
        let mut rng = Rng::new(seed);
        let faults = Faults::draw(&mut rng);
        let wall = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::starting_at(wall));
        let policy = HoldPolicy::builder()
            .hold_ttl(Duration::from_secs(300))
            .hold_lifetime_max(Duration::from_secs(900))
            .seats_per_user_max(8)
            .build()
            .unwrap();
        let inner = InMemorySeatStore::new(policy);
        let layouts = [
            SeatLayout::builder()
                .row("A", "RRRR_RRRR")
                .row("B", "PPPP_PPPP")
                .build(),
            SeatLayout::grid(3, 5),
            SeatLayout::builder()
                .row("A", "AC_RR_CA")
                .row("B", "RRRRRRRR")
                .build(),
        ];
        for (i, layout) in layouts.into_iter().enumerate() {
            inner
                .add_show(ShowId::new(i as u64 + 1), Arc::new(layout.unwrap()))
                .unwrap();
        }
        let store = Arc::new(S::wrap(inner));
        let gateway = Arc::new(InMemoryPaymentGateway::with_clock(clock.clone()));
        let repo = Arc::new(InMemoryBookingRepository::new());
        let observer = Arc::new(FlakyObserver {
            rng: Mutex::new(Rng::new(seed ^ 0xABCD)),
            faults: faults.clone(),
            clock: clock.clone(),
            seen: Mutex::new(Vec::new()),
        });
        let eur = |s: &str| Money::parse(s, Currency::EUR).unwrap();
        let pricing = ConvenienceFee::new(
            SeatKindPricing::new(eur("10.00"))
                .unwrap()
                .with_kind(SeatKind::Premium, eur("15.00"))
                .unwrap(),
            eur("1.00"),
        )
        .unwrap();
        let service =
            BookingService::builder(store.clone(), gateway.clone(), repo.clone(), clock.clone())
                .observer(observer.clone())
                .config(ServiceConfig {
                    outbox: OutboxConfig {
                        capacity: 100_000,
                        ..OutboxConfig::default()
                    },
                    ..ServiceConfig::default()
                })
                .build(pricing);
        for show in 1..=SHOWS {
            let starts = wall + TimeDelta::days(1) + TimeDelta::hours(show as i64 * 5);
            let info = ShowInfo::builder(
                ShowId::new(show),
                starts,
                FixedOffset::east_opt(3600).unwrap(),
                Currency::EUR,
            )
            .build();
            service.add_show(info).unwrap();
        }
        World {
            rng,
            faults,
            clock,
            store,
            gateway,
            repo,
            observer,
            service,
            bookings: Vec::new(),
            stats: SimStats::default(),
        }
    }

    fn user(&mut self) -> UserId {
        UserId::new(1 + self.rng.below(USERS))
    }

    fn show(&mut self) -> ShowId {
        ShowId::new(1 + self.rng.below(SHOWS))
    }

    fn record(&self, booking: BookingId) -> BookingRecord {
        self.repo
            .all()
            .into_iter()
            .find(|r| r.id() == booking)
            .expect("tracked bookings exist")
    }

    fn pick_booking(&mut self) -> Option<BookingRecord> {
        if self.bookings.is_empty() {
            return None;
        }
        let id = self.bookings[self.rng.below(self.bookings.len() as u64) as usize];
        Some(self.record(id))
    }

    fn inject_repo_faults(&mut self) {
        if self.rng.chance(self.faults.repo_write) {
            self.repo.fail_next_writes(1);
            self.stats.faults_injected += 1;
        }
        if self.rng.chance(self.faults.repo_read) {
            self.repo.fail_next_reads(1);
            self.stats.faults_injected += 1;
        }
    }

    fn script_payment(&mut self) {
        let roll = self.rng.below(100);
        let f = &self.faults;
        let mut edge = f.decline;
        let behaviour = if roll < edge {
            ScriptedCharge::Decline("card declined".into())
        } else if roll < {
            edge += f.timeout_then_succeed;
            edge
        } {
            ScriptedCharge::TimeoutThenSucceed(1 + self.rng.below(4) as u32)
        } else if roll < {
            edge += f.timeout_without_charge;
            edge
        } {
            ScriptedCharge::TimeoutWithoutCharge
        } else if roll < edge + f.slow_payment {
            ScriptedCharge::Slow(Duration::from_secs(200 + self.rng.below(600)))
        } else {
            ScriptedCharge::Approve
        };
        if behaviour != ScriptedCharge::Approve {
            self.stats.faults_injected += 1;
        }
        self.gateway.script([behaviour]);
        if self.rng.chance(self.faults.refund_failure) {
            self.gateway.fail_next_refunds(1);
            self.stats.faults_injected += 1;
        }
    }

    fn key_of(booking: BookingId) -> IdempotencyKey {
        IdempotencyKey::new(format!("k-{booking}")).unwrap()
    }

    /// One random step. Returns whether it was an expiry sweep that fully succeeded.
    fn step(&mut self) -> Result<bool, String> {
        self.inject_repo_faults();
        let now = self.clock.now();
        match self.rng.below(100) {
            // Browse.
            0..=9 => {
                let show = self.show();
                let snapshot = self.store.inner().manager(show).unwrap().snapshot(now);
                let map = self.store.seat_map(show, now).map_err(|e| e.to_string())?;
                ensure(snapshot.statuses() == map.statuses(), || {
                    "the cached snapshot differs from the seat map".into()
                })?;
            }
            // Hold chosen seats.
            10..=24 => {
                let (user, show) = (self.user(), self.show());
                let capacity = self.store.layout(show).unwrap().capacity() as u32;
                let first = self.rng.below(u64::from(capacity)) as u32;
                let count = 1 + self.rng.below(3) as u32;
                let seats: Vec<SeatId> = (first..(first + count).min(capacity))
                    .map(SeatId::new)
                    .collect();
                if let Ok(booking) = self.service.start_booking(user, show, &seats) {
                    self.bookings.push(booking.id());
                }
            }
            // Hold the best available seats.
            25..=34 => {
                let (user, show) = (self.user(), self.show());
                let request = BestAvailableRequest::new(1 + self.rng.below(3) as u16)
                    .allow_scatter(self.rng.chance(50));
                if let Ok((booking, _)) = self
                    .service
                    .start_booking_best_available(user, show, &request)
                {
                    self.bookings.push(booking.id());
                }
            }
            // Extend.
            35..=39 => {
                if let Some(record) = self.pick_booking() {
                    let _ = self.service.extend_booking(record.id(), record.user());
                }
            }
            // Complete (or complete again: the same key every time).
            40..=59 => {
                if let Some(record) = self.pick_booking() {
                    self.script_payment();
                    let key = World::<S>::key_of(record.id());
                    let _ = self.service.complete_booking(
                        record.id(),
                        record.user(),
                        PaymentMethod::new("tok"),
                        key,
                    );
                }
            }
            // Cancel.
            60..=66 => {
                if let Some(record) = self.pick_booking() {
                    let _ = self.service.cancel_booking(record.id(), record.user());
                }
            }
            // Another user's booking: always refused, nothing changes.
            67..=71 => {
                if self.rng.chance(self.faults.wrong_user.max(1) * 5)
                    && let Some(record) = self.pick_booking()
                {
                    self.stats.faults_injected += 1;
                    let stranger = UserId::new(record.user().get() % USERS + 1);
                    let before = self.record(record.id());
                    let complete = self.service.complete_booking(
                        record.id(),
                        stranger,
                        PaymentMethod::new("tok"),
                        World::<S>::key_of(record.id()),
                    );
                    let cancel = self.service.cancel_booking(record.id(), stranger);
                    for result in [complete.map(drop), cancel.map(drop)] {
                        match result {
                            Err(BookingError::Rejected(Rejection::NotOwner { .. })) => {}
                            // A repository read fault may come first; nothing changes then either.
                            Err(BookingError::Adapter(_)) => {}
                            other => return Err(format!("a stranger got {other:?}")),
                        }
                    }
                    ensure(self.record(record.id()) == before, || {
                        "a stranger changed a booking".into()
                    })?;
                }
            }
            // Expiry sweep.
            72..=79 => {
                let sweep = self.service.expire_due().map_err(|e| e.to_string())?;
                return Ok(sweep.deferred == 0);
            }
            // Admin block or unblock.
            80..=84 => {
                let show = self.show();
                let manager = self.store.inner().manager(show).unwrap();
                let map = manager.seat_map(now);
                let want = if self.rng.chance(50) {
                    SeatStatus::Available
                } else {
                    SeatStatus::Blocked
                };
                let seats: Vec<SeatId> = map
                    .statuses()
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s == want)
                    .map(|(i, _)| SeatId::new(i as u32))
                    .take(1 + self.rng.below(2) as usize)
                    .collect();
                if !seats.is_empty() {
                    let result = if want == SeatStatus::Available {
                        manager.block(&seats, now)
                    } else {
                        manager.unblock(&seats, now)
                    };
                    result.map_err(|e| format!("admin: {e}"))?;
                }
            }
            // Deliver notifications, retry refunds.
            85..=89 => {
                self.service.deliver_notifications();
                let _ = self.service.retry_refunds();
            }
            // Time passes: usually a little, sometimes far past every expiry.
            _ => {
                let by = if self.rng.chance(20) {
                    Duration::from_secs(600 + self.rng.below(3_600))
                } else {
                    Duration::from_secs(self.rng.below(120))
                };
                self.clock.advance(by);
            }
        }
        Ok(false)
    }

    /// Every invariant, checked after every step.
    fn check(&self, after_clean_sweep: bool) -> Result<(), String> {
        let now = self.clock.now();
        let records = self.repo.all();
        let mut booked_by_bookings: HashMap<ShowId, HashSet<SeatId>> = HashMap::new();
        let mut in_flight: HashMap<ShowId, usize> = HashMap::new();
        let mut held_by_pending: HashMap<ShowId, usize> = HashMap::new();
        let mut expected_net = Money::zero(Currency::EUR);
        for record in &records {
            let captured = record
                .idempotency_key()
                .is_some_and(|key| self.gateway.captures(key) > 0);
            let done_refunds = Money::sum(
                Currency::EUR,
                record
                    .refunds()
                    .iter()
                    .filter(|r| r.is_done())
                    .map(RefundRecord::amount),
            )
            .map_err(|e| e.to_string())?;
            match record {
                BookingRecord::Confirmed(b) => {
                    let seats = booked_by_bookings.entry(b.show()).or_default();
                    for seat in b.seats() {
                        ensure(seats.insert(*seat), || {
                            format!("seat {seat} of show {} booked by two bookings", b.show())
                        })?;
                    }
                    let paid = b.payment().map(PaymentReceipt::amount);
                    ensure(paid == Some(b.quote().total()), || {
                        format!("confirmed booking {} paid {paid:?}", b.id())
                    })?;
                    expected_net = expected_net
                        .checked_add(b.quote().total())
                        .map_err(|e| e.to_string())?;
                }
                BookingRecord::Cancelled(b) => {
                    if let Some(payment) = b.payment() {
                        ensure(!b.refunds().is_empty(), || {
                            format!("cancelled booking {} was charged with no refund", b.id())
                        })?;
                        expected_net = expected_net
                            .checked_add(payment.amount())
                            .and_then(|m| m.checked_sub(done_refunds))
                            .map_err(|e| e.to_string())?;
                    } else {
                        ensure(!captured, || {
                            format!("cancelled booking {} lost track of a charge", b.id())
                        })?;
                    }
                }
                BookingRecord::Expired(b) => {
                    ensure(!captured, || {
                        format!("expired booking {} was charged", b.id())
                    })?;
                }
                BookingRecord::Pending(b) => {
                    if self.store.live_hold(b.hold(), b.user(), now).is_ok() {
                        *held_by_pending.entry(b.show()).or_default() += b.seats().len();
                    }
                    if captured {
                        // Charged; the booking is still being finished (a save failed).
                        expected_net = expected_net
                            .checked_add(b.quote().total())
                            .map_err(|e| e.to_string())?;
                        if let Ok(map) = self.store.seat_map(b.show(), now)
                            && b.seats()
                                .iter()
                                .all(|s| map.status(*s) == Some(SeatStatus::Booked))
                        {
                            *in_flight.entry(b.show()).or_default() += b.seats().len();
                        }
                    }
                    if after_clean_sweep {
                        let live = self.store.live_hold(b.hold(), b.user(), now);
                        ensure(live.is_ok(), || {
                            format!(
                                "pending booking {} is stuck after a sweep: {live:?}",
                                b.id()
                            )
                        })?;
                    }
                }
            }
        }
        for show in 1..=SHOWS {
            let show = ShowId::new(show);
            let manager = self.store.inner().manager(show).unwrap();
            manager.check_invariants()?;
            let map = manager.seat_map(now);
            ensure(
                map.counts().total() as usize == map.layout().capacity(),
                || "seat counts do not add up to capacity".into(),
            )?;
            let confirmed = booked_by_bookings.get(&show).map_or(0, HashSet::len);
            ensure(
                map.counts().booked() as usize
                    == confirmed + in_flight.get(&show).copied().unwrap_or(0),
                || {
                    format!(
                        "show {show}: {} seats booked in the store, {confirmed} by confirmed bookings",
                        map.counts().booked()
                    )
                },
            )?;
            let held = held_by_pending.get(&show).copied().unwrap_or(0);
            ensure(map.counts().held() as usize == held, || {
                format!(
                    "show {show}: {} seats held in the store, {held} by pending bookings",
                    map.counts().held()
                )
            })?;
            for seat in booked_by_bookings.get(&show).into_iter().flatten() {
                ensure(map.status(*seat) == Some(SeatStatus::Booked), || {
                    format!("seat {seat} of a confirmed booking is not booked in the store")
                })?;
            }
            if after_clean_sweep {
                ensure(manager.next_expiry().is_none_or(|at| at > now), || {
                    "a hold is live past its expiry after a sweep".into()
                })?;
            }
        }
        let net = self
            .gateway
            .charged_total(Currency::EUR)
            .checked_sub(self.gateway.refunded_total(Currency::EUR))
            .map_err(|e| e.to_string())?;
        ensure(net == expected_net, || {
            format!("money: charged - refunded = {net}, bookings account for {expected_net}")
        })?;
        ensure(self.gateway.max_captures_per_key() <= 1, || {
            "an idempotency key was charged twice".into()
        })?;
        Ok(())
    }

    /// After the run: drain everything, then every committed transition must have reached the
    /// observer exactly once.
    fn check_notifications(&self) -> Result<(), String> {
        for _ in 0..40 {
            self.clock.advance(Duration::from_secs(600));
            if self.service.deliver_notifications().pending == 0 {
                break;
            }
        }
        ensure(self.service.outbox_stats().pending == 0, || {
            "notifications still pending after draining".into()
        })?;
        let seen = self.observer.seen.lock().clone();
        let mut counts: HashMap<(BookingEvent, BookingId), usize> = HashMap::new();
        for event in &seen {
            *counts.entry(*event).or_default() += 1;
        }
        for record in self.repo.all() {
            let id = record.id();
            let expected: Vec<BookingEvent> = match &record {
                BookingRecord::Pending(_) => vec![],
                BookingRecord::Confirmed(_) => vec![BookingEvent::Confirmed],
                BookingRecord::Expired(_) => vec![BookingEvent::Expired],
                BookingRecord::Cancelled(b) => {
                    let was_confirmed =
                        *b.reason() == CancelReason::UserCancelled && b.payment().is_some();
                    if was_confirmed {
                        vec![BookingEvent::Confirmed, BookingEvent::Cancelled]
                    } else {
                        vec![BookingEvent::Cancelled]
                    }
                }
            };
            for event in [
                BookingEvent::Confirmed,
                BookingEvent::Cancelled,
                BookingEvent::Expired,
            ] {
                let got = counts.get(&(event, id)).copied().unwrap_or(0);
                let want = usize::from(expected.contains(&event));
                ensure(got == want, || {
                    format!("booking {id}: {event} delivered {got} times, expected {want}")
                })?;
            }
        }
        Ok(())
    }
}

/// Runs one seed; a violation names the step.
pub(crate) fn run_seed<S: SimStore>(seed: u64, steps: usize) -> Result<SimStats, Violation> {
    let mut world = World::<S>::new(seed);
    let violation = |step, message| Violation {
        seed,
        step,
        message,
    };
    for step in 0..steps {
        // Observers may panic on purpose; the service must contain it, never the simulator.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| world.step()));
        let clean_sweep = match outcome {
            Ok(Ok(clean)) => clean,
            Ok(Err(message)) => return Err(violation(step, message)),
            Err(_) => return Err(violation(step, "a panic escaped the library".into())),
        };
        world
            .check(clean_sweep)
            .map_err(|message| violation(step, message))?;
        world.stats.steps += 1;
    }
    world
        .check_notifications()
        .map_err(|message| violation(steps, message))?;
    world.stats.bookings = world.bookings.len();
    world.stats.confirmed = world
        .repo
        .all()
        .iter()
        .filter(|r| r.status() == BookingStatus::Confirmed)
        .count();
    Ok(world.stats)
}

const OBSERVER_PANIC: &str = "observer panics on purpose";

/// Installs, once, a panic hook that stays silent for the observers' deliberate panics (the
/// service catches them) and reports every other panic as usual.
fn quiet_observer_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&OBSERVER_PANIC) {
                default(info);
            }
        }));
    });
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn the_simulator_finds_no_invariant_violation() {
    quiet_observer_panics();
    let seeds: Vec<u64> = match env_u64("BOXOFFICE_SIM_SEED") {
        Some(seed) => vec![seed],
        None => (0..env_u64("BOXOFFICE_SIM_SEEDS").unwrap_or(1_000)).collect(),
    };
    let started = Instant::now();
    let mut total = SimStats::default();
    let mut failure = None;
    for &seed in &seeds {
        match run_seed::<InMemorySeatStore>(seed, STEPS) {
            Ok(stats) => {
                total.steps += stats.steps;
                total.faults_injected += stats.faults_injected;
                total.bookings += stats.bookings;
                total.confirmed += stats.confirmed;
            }
            Err(violation) => {
                failure = Some(violation);
                break;
            }
        }
    }
    if let Some(v) = failure {
        panic!(
            "invariant violated: seed {} step {}: {} (replay with BOXOFFICE_SIM_SEED={})",
            v.seed, v.step, v.message, v.seed
        );
    }
    println!(
        "simulated {} seeds, {} steps, 0 invariant violations ({} faults injected, {} bookings, {} confirmed, {:.1?})",
        seeds.len(),
        total.steps,
        total.faults_injected,
        total.bookings,
        total.confirmed,
        started.elapsed()
    );
}

impl SimStore for crate::wrapped_store::WrappedStore {
    /// The simulator's broken store: confirm ignores expiry.
    fn wrap(inner: InMemorySeatStore) -> Self {
        crate::wrapped_store::WrappedStore {
            inner,
            confirm_ignores_expiry: true,
        }
    }

    fn inner(&self) -> &InMemorySeatStore {
        &self.inner
    }
}

#[test]
fn the_simulator_catches_a_confirm_that_skips_the_expiry_check() {
    quiet_observer_panics();
    const SEEDS_MAX: u64 = 100;
    let caught = (0..SEEDS_MAX)
        .find_map(|seed| run_seed::<crate::wrapped_store::WrappedStore>(seed, STEPS).err());
    let violation = caught.expect("the injected bug went unnoticed for 100 seeds");
    println!(
        "injected bug caught at seed {} step {}: {}",
        violation.seed, violation.step, violation.message
    );
}
