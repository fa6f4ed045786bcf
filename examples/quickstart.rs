//! A whole booking flow in one screenful:
//!
//! 1. a theater screen with a real layout, and a show on it;
//! 2. Alice holds two seats and sees the itemised price;
//! 3. Bob wants one of them at the same moment and is refused;
//! 4. Alice pays and her booking is confirmed;
//! 5. Carol holds seats and walks away: her hold expires on the clock;
//! 6. Alice cancels a few hours before the show and gets half back; Bob buys the seats;
//! 7. the seat map, the notifications and Alice's history.
//!
//! Run it with `cargo run --example quickstart`.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use boxoffice::{
    BookingObserver, BookingRecord, BookingService, Clock, ConvenienceFee, Currency, HoldPolicy,
    InMemoryBookingRepository, InMemoryPaymentGateway, InMemorySeatStore, ManualClock, Money,
    ObserverError, PaymentMethod, PeakHourPricing, Rejection, SeatError, SeatKind, SeatKindPricing,
    SeatLayout, SeatStore, ShowId, ShowInfo, UserId, WeekendPricing,
};
use chrono::{FixedOffset, TimeZone, Utc};
use rust_decimal::Decimal;

/// Stands in for an e-mail sender.
#[derive(Debug)]
struct Mailer;

impl BookingObserver for Mailer {
    fn on_confirmed(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        println!(
            "  mail to user {}: booking {} confirmed",
            booking.user(),
            booking.id()
        );
        Ok(())
    }

    fn on_cancelled(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        println!(
            "  mail to user {}: booking {} cancelled",
            booking.user(),
            booking.id()
        );
        Ok(())
    }

    fn on_expired(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        println!(
            "  mail to user {}: booking {} expired",
            booking.user(),
            booking.id()
        );
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    // It is Friday 4 December 2026, 10:00 UTC. The clock only moves when we say so.
    let clock = Arc::new(ManualClock::starting_at(
        Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap(),
    ));

    // 1. Screen 1: R regular, P premium, V VIP, A wheelchair space, C companion, `_` aisle.
    let layout = Arc::new(
        SeatLayout::builder()
            .row("A", "AC_RRRRRR_CA")
            .row("B", "RR_RRRRRR_RR")
            .row("C", "RR_PPPPPP_RR")
            .row("D", "RR_PPPPPP_RR")
            .row("E", "VV_VVVVVV_VV")
            .build()?,
    );
    let show = ShowId::new(1);
    let store = Arc::new(InMemorySeatStore::new(HoldPolicy::default()));
    store.add_show(show, layout.clone())?;

    // Pricing: base by seat kind, weekend and evening surcharges, then a booking fee.
    let eur = |amount: &str| Money::parse(amount, Currency::EUR);
    let pricing = ConvenienceFee::new(
        PeakHourPricing::new(
            WeekendPricing::new(
                SeatKindPricing::new(eur("10.00")?)?
                    .with_kind(SeatKind::Premium, eur("12.00")?)?
                    .with_kind(SeatKind::Vip, eur("18.00")?)?,
                Decimal::new(125, 2),
            )?,
            Decimal::new(120, 2),
            18..23,
        )?,
        eur("1.00")?,
    )?;
    let service = BookingService::builder(
        store.clone(),
        InMemoryPaymentGateway::new(),
        InMemoryBookingRepository::new(),
        clock.clone(),
    )
    .observer(Arc::new(Mailer))
    .build(pricing);

    // Saturday 5 December, 19:30 in Paris (UTC+1).
    let paris = FixedOffset::east_opt(3600).unwrap();
    let starts = paris
        .with_ymd_and_hms(2026, 12, 5, 19, 30, 0)
        .unwrap()
        .with_timezone(&Utc);
    service.add_show(ShowInfo::builder(show, starts, paris, Currency::EUR).build())?;
    let seats = |labels: &[&str]| -> Vec<_> {
        labels
            .iter()
            .map(|l| layout.seat_id(l).expect("seat exists"))
            .collect()
    };
    let (alice, bob, carol) = (UserId::new(1), UserId::new(2), UserId::new(3));

    // Browse: what is on, and what is free.
    let info = service.show(show).expect("registered");
    let map = store.seat_map(show, clock.now())?;
    println!(
        "show {show}: {} local, {} of {} seats free\n",
        info.local_start(),
        map.counts().available(),
        layout.capacity()
    );

    // 2. Alice holds D4 and D5; the price is fixed now, with its breakdown.
    let pending = service.start_booking(alice, show, &seats(&["D4", "D5"]))?;
    println!(
        "alice holds D4 D5 (booking {}):\n{}\n",
        pending.id(),
        pending.quote()
    );

    // 3. Bob wants D5 and D6 at the same moment: all or nothing, so he gets neither.
    match service.start_booking(bob, show, &seats(&["D5", "D6"])) {
        Err(err) => {
            if let Some(Rejection::Seats(SeatError::Unavailable { conflicts })) = err.rejection() {
                for conflict in conflicts {
                    let label = layout.label(conflict.seat()).expect("seat exists");
                    println!("bob cannot have {label}: it is {}", conflict.status());
                }
            }
        }
        Ok(booking) => return Err(format!("bob got {booking:?}").into()),
    }

    // 4. Two minutes later Alice pays. A double click (same key) would not charge twice.
    clock.advance(Duration::from_secs(120));
    let key = "alice-checkout-1".parse()?;
    let confirmed =
        service.complete_booking(pending.id(), alice, PaymentMethod::new("tok_visa"), key)?;
    println!(
        "alice paid {} and is confirmed",
        confirmed.payment().expect("charged").amount()
    );

    // 5. Carol holds B5 and B6, then walks away. Ten minutes later her hold has expired.
    let carols = service.start_booking(carol, show, &seats(&["B5", "B6"]))?;
    clock.advance(Duration::from_secs(600));
    let sweep = service.expire_due()?;
    println!(
        "expiry sweep: {} booking(s) expired (carol's {})",
        sweep.expired,
        carols.id()
    );

    // 6. Saturday 14:00 UTC, 4.5 hours before the show: the default policy refunds half.
    clock.advance(Duration::from_secs(28 * 3600 - 720));
    let cancelled = service.cancel_booking(confirmed.id(), alice)?;
    let refund = &cancelled.refunds()[0];
    println!(
        "alice cancelled at {}: refund {} {}, seats back on sale: {}",
        clock.wall_now(),
        refund.amount(),
        refund.status(),
        cancelled.seats_released()
    );

    // The seats are back on sale: Bob finally gets D5 and D6.
    let bobs = service.start_booking(bob, show, &seats(&["D5", "D6"]))?;
    service.complete_booking(
        bobs.id(),
        bob,
        PaymentMethod::new("tok_mc"),
        "bob-1".parse()?,
    )?;
    println!("bob bought D5 D6 (booking {})", bobs.id());

    // 7. Notifications go out after commit, from the outbox; then the map and the history.
    println!("\nnotifications:");
    service.deliver_notifications();
    println!("\n{}\n", store.seat_map(show, clock.now())?);
    println!("alice's history, newest first:");
    for booking in service.bookings_for(alice)? {
        println!(
            "  booking {}: {} seats, {}, total {}",
            booking.id(),
            booking.seats().len(),
            booking.status(),
            booking.quote().total()
        );
    }
    Ok(())
}
