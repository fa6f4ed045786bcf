//! A box office counter: browse a city's listings for tonight, pick a show, and hold the best
//! four seats in one step, with the seat map printed.
//!
//! Run it with `cargo run --example box_office`.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use boxoffice::{
    BestAvailableRequest, Catalog, CityId, Currency, HoldPolicy, InMemorySeatStore, MovieId,
    MovieSpec, ScheduleOverride, ScreenId, SeatLayout, SeatStore, ShowFilter, ShowId, ShowSpec,
    TheaterId, TheaterSpec, Timings, UserId,
};
use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};

fn main() -> Result<(), Box<dyn Error>> {
    let paris = FixedOffset::east_opt(3600).expect("valid offset");
    let now = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
    let tonight = NaiveDate::from_ymd_opt(2026, 12, 5).expect("valid date");

    // The catalog: one city, two theaters, three screens, two movies.
    let mut catalog = Catalog::new();
    catalog.add_city(CityId::new(1), "Paris")?;
    for (id, name) in [(1, "Grand Rex"), (2, "MK2 Bibliothèque")] {
        catalog.add_theater(TheaterSpec {
            id: TheaterId::new(id),
            city: CityId::new(1),
            name: name.into(),
            utc_offset: paris,
            currency: Currency::EUR,
            timings: Timings::default(),
            turnover: TimeDelta::minutes(10),
        })?;
    }
    let big = Arc::new(
        SeatLayout::builder()
            .row("A", "AC_RRRRRRRR_CA")
            .row("B", "RR_RRRRRRRR_RR")
            .row("C", "RR_RRRRRRRR_RR")
            .row("D", "RR_PPPPPPPP_RR")
            .row("E", "RR_PPPPPPPP_RR")
            .row("F", "RR_PPPPPPPP_RR")
            .row("G", "VV_VVVVVVVV_VV")
            .build()?,
    );
    let small = Arc::new(SeatLayout::grid(6, 10)?);
    catalog.add_screen(ScreenId::new(1), TheaterId::new(1), "Salle 1", big)?;
    catalog.add_screen(
        ScreenId::new(2),
        TheaterId::new(1),
        "Salle 2",
        small.clone(),
    )?;
    catalog.add_screen(ScreenId::new(3), TheaterId::new(2), "Salle 7", small)?;
    for (id, title, minutes, language) in [(1, "Dune", 155, "en"), (2, "Amélie", 122, "fr")] {
        catalog.add_movie(MovieSpec {
            id: MovieId::new(id),
            title: title.into(),
            runtime: TimeDelta::minutes(minutes),
            language: language.into(),
            certificate: "PG-13".into(),
            genres: vec!["drama".into()],
            release_date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date"),
            trailer: None,
            intermission: None,
            cleaning: None,
        })?;
    }

    // Tonight's shows, each with its own seat inventory.
    let seats = InMemorySeatStore::new(HoldPolicy::default());
    let shows = [
        (1, 1, 1, 18, 0),
        (2, 1, 1, 21, 15),
        (3, 1, 3, 20, 30),
        (4, 2, 2, 19, 0),
    ];
    for (show, movie, screen, hour, minute) in shows {
        let starts_at = paris
            .with_ymd_and_hms(2026, 12, 5, hour, minute, 0)
            .unwrap()
            .with_timezone(&Utc);
        catalog.add_show(
            ShowSpec {
                id: ShowId::new(show),
                movie: MovieId::new(movie),
                screen: ScreenId::new(screen),
                starts_at,
                format: "2D".into(),
            },
            ScheduleOverride::None,
            now,
        )?;
        let layout = catalog.screen(ScreenId::new(screen))?.layout().clone();
        seats.add_show(ShowId::new(show), layout)?;
    }

    // Browse: what is on in Paris tonight, and where Dune plays after 19:00.
    println!("Tonight in Paris:");
    for movie in catalog.movies_in_city(CityId::new(1), tonight) {
        println!("  {}", catalog.movie(movie)?.title());
    }
    let evening = ShowFilter {
        from: NaiveTime::from_hms_opt(19, 0, 0),
        seats_available: true,
        ..ShowFilter::default()
    };
    let clock = Instant::now();
    let listing = catalog.shows_of_movie(
        CityId::new(1),
        tonight,
        MovieId::new(1),
        &evening,
        &seats,
        clock,
    )?;
    println!("\nDune after 19:00:");
    for theater in &listing {
        println!("  {}", catalog.theater(theater.theater)?.name());
        for show in &theater.shows {
            println!(
                "    {}  show {}  {} seats free",
                show.local_start.format("%H:%M"),
                show.show,
                show.counts.available()
            );
        }
    }

    // Pick the first listed show and hold the best four seats in one step.
    let chosen = listing[0].shows[0].show;
    let manager = seats.manager(chosen).expect("show exists");
    let (hold, selection) =
        manager.hold_best_available(UserId::new(42), &BestAvailableRequest::new(4), clock)?;
    let layout = manager.layout();
    let labels: Vec<String> = hold
        .seats()
        .iter()
        .map(|s| layout.label(*s).expect("seat exists").to_string())
        .collect();
    println!(
        "\nHeld {} for user 42 (together: {}, hold {} expires in {:?})\n",
        labels.join(" "),
        selection.is_contiguous(),
        hold.id(),
        hold.expires_at() - clock
    );
    println!("{}", seats.seat_map(chosen, clock)?);
    Ok(())
}
