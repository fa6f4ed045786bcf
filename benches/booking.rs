//! The whole booking path with the in-memory adapters. Stable ID:
//!
//! - `booking/start_complete/300`: hold 2 of 300 seats, price them, save a pending booking,
//!   charge, confirm, save, queue the notification.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::{
    BookingService, ConvenienceFee, Currency, HoldPolicy, IdempotencyKey,
    InMemoryBookingRepository, InMemoryPaymentGateway, InMemorySeatStore, Money, PaymentMethod,
    SeatId, SeatKindPricing, SeatLayout, ShowId, ShowInfo, SystemClock, UserId, WeekendPricing,
};
use chrono::{FixedOffset, TimeDelta, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

type Service = BookingService<
    Arc<InMemorySeatStore>,
    InMemoryPaymentGateway,
    InMemoryBookingRepository,
    SystemClock,
>;

fn service(layout: &Arc<SeatLayout>) -> Service {
    let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    store
        .add_show(ShowId::new(1), layout.clone())
        .expect("new show");
    let eur = |s: &str| Money::parse(s, Currency::EUR).expect("amount");
    let pricing = ConvenienceFee::new(
        WeekendPricing::new(
            SeatKindPricing::new(eur("10.00")).expect("price"),
            Decimal::new(125, 2),
        )
        .expect("rule"),
        eur("1.00"),
    )
    .expect("rule");
    let service = BookingService::builder(
        store,
        InMemoryPaymentGateway::new(),
        InMemoryBookingRepository::new(),
        SystemClock,
    )
    .build(pricing);
    let starts = Utc::now() + TimeDelta::days(2);
    let offset = FixedOffset::east_opt(0).expect("offset");
    service
        .add_show(ShowInfo::builder(ShowId::new(1), starts, offset, Currency::EUR).build())
        .expect("show");
    service
}

fn start_complete(c: &mut Criterion) {
    const SEATS: usize = 300;
    const BOOKINGS: usize = SEATS / 2;
    let layout = Arc::new(SeatLayout::grid(30, 10).expect("grid"));
    c.bench_with_input(
        BenchmarkId::new("booking/start_complete", SEATS),
        &SEATS,
        |b, _| {
            b.iter_custom(|iters| {
                let mut measured = Duration::ZERO;
                let mut done = 0;
                while done < iters {
                    // A fresh show every 150 bookings, built outside the measurement.
                    let chunk = (iters - done).min(BOOKINGS as u64) as usize;
                    let service = service(&layout);
                    let keys: Vec<IdempotencyKey> = (0..chunk)
                        .map(|i| IdempotencyKey::new(format!("k{i}")).expect("key"))
                        .collect();
                    let method = PaymentMethod::new("tok");
                    let start = Instant::now();
                    for (i, key) in keys.into_iter().enumerate() {
                        let user = UserId::new(i as u64);
                        let seats = [SeatId::new(2 * i as u32), SeatId::new(2 * i as u32 + 1)];
                        let pending = service
                            .start_booking(user, ShowId::new(1), &seats)
                            .expect("free seats");
                        let confirmed = service
                            .complete_booking(pending.id(), user, method.clone(), key)
                            .expect("approved");
                        black_box(confirmed);
                    }
                    measured += start.elapsed();
                    done += chunk as u64;
                }
                measured
            });
        },
    );
}

criterion_group!(benches, start_complete);
criterion_main!(benches);
