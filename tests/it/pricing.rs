//! Pricing: breakdowns, the documented order of rules, caps, overrides and local time.

use boxoffice::*;
use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn eur(amount: &str) -> Money {
    Money::parse(amount, Currency::EUR).unwrap()
}

/// A show at a local date and time, in a theater at `offset_hours` from UTC.
fn show_at(local: &str, offset_hours: i32) -> ShowInfo {
    let offset = FixedOffset::east_opt(offset_hours * 3600).unwrap();
    let local = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
    let starts = offset
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc);
    ShowInfo::builder(ShowId::new(1), starts, offset, Currency::EUR)
        .movie_release_date(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
        .build()
}

fn regular_seat() -> Seat {
    SeatLayout::builder().row("A", "R").build().unwrap().seats()[0].clone()
}

fn base() -> Box<dyn PricingStrategy> {
    Box::new(SeatKindPricing::new(eur("12.00")).unwrap())
}

#[derive(Debug, Clone)]
enum Rule {
    Weekend(Decimal),
    Peak(Decimal),
    Holiday(Decimal),
    NewRelease(Decimal),
    Fee(Money),
    CapMultiple(Decimal),
    CapAbsolute(Money),
}

fn wrap(rule: &Rule, inner: Box<dyn PricingStrategy>) -> Box<dyn PricingStrategy> {
    let christmas = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    match rule.clone() {
        Rule::Weekend(f) => Box::new(WeekendPricing::new(inner, f).unwrap()),
        Rule::Peak(f) => Box::new(PeakHourPricing::new(inner, f, 18..23).unwrap()),
        Rule::Holiday(f) => Box::new(HolidayPricing::new(inner, f, &[christmas]).unwrap()),
        Rule::NewRelease(f) => Box::new(NewReleasePricing::new(inner, f, 14).unwrap()),
        Rule::Fee(m) => Box::new(ConvenienceFee::new(inner, m).unwrap()),
        Rule::CapMultiple(f) => Box::new(PriceCap::multiple_of_base(inner, f).unwrap()),
        Rule::CapAbsolute(m) => Box::new(PriceCap::absolute(inner, m).unwrap()),
    }
}

fn chain(rules: &[Rule]) -> Box<dyn PricingStrategy> {
    rules.iter().fold(base(), |inner, rule| wrap(rule, inner))
}

fn rule_strategy() -> impl Strategy<Value = Rule> {
    let factor = (50_u32..300).prop_map(|p| Decimal::new(i64::from(p), 2));
    let cap_factor = (100_u32..400).prop_map(|p| Decimal::new(i64::from(p), 2));
    let money = (1_i64..5_000).prop_map(|c| Money::from_minor(c, Currency::EUR));
    prop_oneof![
        factor.clone().prop_map(Rule::Weekend),
        factor.clone().prop_map(Rule::Peak),
        factor.clone().prop_map(Rule::Holiday),
        factor.prop_map(Rule::NewRelease),
        money.clone().prop_map(Rule::Fee),
        cap_factor.prop_map(Rule::CapMultiple),
        money.prop_map(Rule::CapAbsolute),
    ]
}

proptest! {
    /// The documentation says totals do not depend on wrapping order: multipliers compound on
    /// the exact base and round once, fees add, the lowest cap applies last.
    #[test]
    fn wrapping_order_never_changes_a_total(
        (rules, shuffled) in prop::collection::vec(rule_strategy(), 0..7)
            .prop_flat_map(|rules| (Just(rules.clone()), Just(rules).prop_shuffle()))
    ) {
        // Saturday 2026-12-05 19:00: weekend, peak, holiday and new release all apply.
        let show = show_at("2026-12-05 19:00", 1);
        let seat = regular_seat();
        let a = chain(&rules).quote(&show, &seat).unwrap();
        let b = chain(&shuffled).quote(&show, &seat).unwrap();
        prop_assert_eq!(a.total(), b.total());
        // The breakdown always adds up to the total.
        let mut sum = Money::zero(Currency::EUR);
        for line in a.lines() {
            sum = sum.checked_add(line.amount()).unwrap();
        }
        prop_assert_eq!(sum, a.total());
    }
}

#[test]
fn the_breakdown_lists_every_rule_with_what_it_added() {
    let pricing = chain(&[
        Rule::Weekend(Decimal::new(125, 2)),
        Rule::Peak(Decimal::new(120, 2)),
        Rule::Fee(eur("1.50")),
    ]);
    let quote = pricing
        .quote(&show_at("2026-12-05 19:00", 1), &regular_seat())
        .unwrap();
    assert_eq!(
        quote.to_string(),
        "Base (regular) 12.00; Weekend ×1.25 +3.00; Peak hour ×1.20 +3.00; \
         Convenience fee +1.50; = 19.50 EUR"
    );
    assert_eq!(quote.fees(), eur("1.50"));
}

#[test]
fn a_cap_applies_last_and_shows_in_the_breakdown() {
    let pricing = chain(&[
        Rule::Weekend(Decimal::new(3, 0)),
        Rule::Fee(eur("2.00")),
        Rule::CapMultiple(Decimal::new(2, 0)),
        Rule::CapAbsolute(eur("30.00")),
    ]);
    let quote = pricing
        .quote(&show_at("2026-12-05 19:00", 1), &regular_seat())
        .unwrap();
    // 12 × 3 + 2 = 38, capped at min(2 × 12, 30) = 24.
    assert_eq!(quote.total(), eur("24.00"));
    let cap = quote.lines().last().unwrap();
    assert_eq!(cap.kind(), PriceLineKind::Cap);
    assert_eq!(cap.to_string(), "Price cap -14.00");
}

#[test]
fn a_flat_day_override_short_circuits_the_whole_chain() {
    let inner = chain(&[Rule::Peak(Decimal::new(150, 2))]);
    let tuesday = FlatDayOverride::new(inner, &[Weekday::Tue], eur("5.00")).unwrap();
    // Rules wrapped around the override change nothing on Tuesdays.
    let pricing = ConvenienceFee::new(tuesday, eur("1.00")).unwrap();
    let quote = pricing
        .quote(&show_at("2026-12-08 19:00", 1), &regular_seat())
        .unwrap();
    assert_eq!(quote.to_string(), "Override: Tue flat 5.00; = 5.00 EUR");
    // Any other day, the chain applies.
    let wednesday = pricing
        .quote(&show_at("2026-12-09 19:00", 1), &regular_seat())
        .unwrap();
    assert_eq!(wednesday.total(), eur("19.00"));
}

#[test]
fn weekend_and_peak_use_the_theaters_local_time() {
    let pricing = chain(&[
        Rule::Weekend(Decimal::new(2, 0)),
        Rule::Peak(Decimal::new(3, 0)),
    ]);
    let seat = regular_seat();
    // Sunday 23:30 in New York is Monday 04:30 UTC: still the weekend locally, not peak.
    let sunday_late = show_at("2026-12-06 23:30", -5);
    assert_eq!(sunday_late.local_date().weekday(), Weekday::Sun);
    assert_eq!(
        pricing.quote(&sunday_late, &seat).unwrap().total(),
        eur("24.00")
    );
    // Friday 20:00 in Tokyo is Friday 11:00 UTC: peak, not weekend.
    let friday_evening = show_at("2026-12-04 20:00", 9);
    assert_eq!(
        pricing.quote(&friday_evening, &seat).unwrap().total(),
        eur("36.00")
    );
}

#[test]
fn new_release_and_holiday_rules_apply_on_their_days_only() {
    let pricing = chain(&[
        Rule::NewRelease(Decimal::new(150, 2)),
        Rule::Holiday(Decimal::new(2, 0)),
    ]);
    let seat = regular_seat();
    let price = |local: &str| pricing.quote(&show_at(local, 0), &seat).unwrap().total();
    assert_eq!(price("2026-11-30 12:00"), eur("12.00"), "before release");
    assert_eq!(price("2026-12-01 12:00"), eur("18.00"), "release day");
    assert_eq!(
        price("2026-12-05 12:00"),
        eur("36.00"),
        "release window and holiday"
    );
    assert_eq!(price("2026-12-15 12:00"), eur("12.00"), "window over");
}

#[test]
fn bad_rules_are_typed_errors() {
    let check = |result: Result<(), PricingError>| {
        assert!(
            matches!(result, Err(PricingError::InvalidRule { .. })),
            "{result:?}"
        );
    };
    check(SeatKindPricing::new(eur("0")).map(drop));
    check(SeatKindPricing::new(eur("-1")).map(drop));
    check(WeekendPricing::new(base(), Decimal::ZERO).map(drop));
    check(WeekendPricing::new(base(), Decimal::new(-1, 0)).map(drop));
    check(PeakHourPricing::new(base(), Decimal::new(11, 0), 18..23).map(drop));
    check(PeakHourPricing::new(base(), Decimal::ONE, 20..20).map(drop));
    check(PeakHourPricing::new(base(), Decimal::ONE, 20..25).map(drop));
    check(NewReleasePricing::new(base(), Decimal::ONE, 0).map(drop));
    check(ConvenienceFee::new(base(), eur("0")).map(drop));
    check(PriceCap::multiple_of_base(base(), Decimal::new(5, 1)).map(drop));
    check(PriceCap::absolute(base(), eur("-3")).map(drop));
    check(FlatDayOverride::new(base(), &[], eur("5")).map(drop));
    check(FlatDayOverride::new(base(), &[Weekday::Tue], eur("-5")).map(drop));
    // A fee in another currency than the show's is a typed error at quote time.
    let dollars = ConvenienceFee::new(base(), Money::parse("1", Currency::USD).unwrap()).unwrap();
    let err = dollars
        .quote(&show_at("2026-12-09 12:00", 0), &regular_seat())
        .unwrap_err();
    assert!(matches!(
        err,
        PricingError::Money(MoneyError::CurrencyMismatch { .. })
    ));
}
