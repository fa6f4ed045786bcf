//! Best-available selection, as data: drawn seat maps, requests, expected seats.
//!
//! Map codes: `.` free regular, `X` taken regular, `p` free premium, `P` taken premium, `a`
//! free wheelchair space, `A` taken one, `c` free companion seat, `C` taken one, ` ` aisle.

use std::sync::Arc;
use std::time::Instant;

use boxoffice::*;
use proptest::prelude::*;

/// Builds a layout and statuses from drawn rows like `"A: ..XX. ..X.."`.
fn draw(rows: &[&str]) -> (SeatLayout, Vec<SeatStatus>) {
    let mut builder = SeatLayout::builder();
    let mut statuses = Vec::new();
    for row in rows {
        let (label, cells) = row.split_once(": ").expect("row label");
        let mut spec = String::new();
        for code in cells.chars() {
            let (seat, taken) = match code {
                '.' => ('R', false),
                'X' => ('R', true),
                'p' => ('P', false),
                'P' => ('P', true),
                'a' => ('A', false),
                'A' => ('A', true),
                'c' => ('C', false),
                'C' => ('C', true),
                ' ' => ('_', false),
                other => panic!("unknown map code {other:?}"),
            };
            spec.push(seat);
            if seat != '_' {
                statuses.push(if taken {
                    SeatStatus::Booked
                } else {
                    SeatStatus::Available
                });
            }
        }
        builder = builder.row(label, &spec);
    }
    (builder.build().expect("valid drawing"), statuses)
}

fn labels(layout: &SeatLayout, seats: &[SeatId]) -> Vec<String> {
    seats
        .iter()
        .map(|s| layout.label(*s).unwrap().to_string())
        .collect()
}

/// The one helper every case goes through.
fn check(
    rows: &[&str],
    request: BestAvailableRequest,
    expected: Result<(&[&str], SelectionRung), BestAvailableError>,
) {
    let (layout, statuses) = draw(rows);
    let got = best_available(&layout, &statuses, &request)
        .map(|s| (labels(&layout, s.seats()), s.rung()));
    let expected = expected.map(|(seats, rung)| {
        (
            seats.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
            rung,
        )
    });
    assert_eq!(got, expected, "map {rows:?}, request {request:?}");
}

use SelectionRung::*;

#[test]
fn an_empty_house_gives_the_middle_of_the_row_two_thirds_back() {
    check(
        &["A: ........", "B: ........", "C: ........", "D: ........"],
        BestAvailableRequest::new(2),
        Ok((&["C4", "C5"], SameRow)),
    );
}

#[test]
fn a_single_seat_orphan_is_avoided_when_another_block_avoids_it() {
    let map = ["A: ........", "B: X.....XX", "C: ........"];
    // In B every block of four leaves one seat alone; row A does not.
    check(
        &map,
        BestAvailableRequest::new(4),
        Ok((&["A3", "A4", "A5", "A6"], SameRow)),
    );
    // Without orphan prevention the closer block wins.
    check(
        &map,
        BestAvailableRequest::new(4).prevent_orphans(false),
        Ok((&["B3", "B4", "B5", "B6"], SameRowWithOrphan)),
    );
}

#[test]
fn an_orphan_is_accepted_only_when_nothing_avoids_it() {
    check(
        &["A: XXXXXXXX", "B: X.....XX", "C: XXXXXXXX"],
        BestAvailableRequest::new(4),
        Ok((&["B3", "B4", "B5", "B6"], SameRowWithOrphan)),
    );
}

#[test]
fn aisles_break_adjacency() {
    // Six free seats in one row, but three on each side of the aisle.
    check(
        &["A: ... ..."],
        BestAvailableRequest::new(4),
        Err(BestAvailableError::NotTogether { requested: 4 }),
    );
    check(
        &["A: ... ..."],
        BestAvailableRequest::new(4).allow_scatter(true),
        Ok((&["A2", "A3", "A4", "A5"], Scattered)),
    );
    check(
        &["A: ... ..."],
        BestAvailableRequest::new(3),
        Ok((&["A1", "A2", "A3"], SameRow)),
    );
}

#[test]
fn wheelchair_spaces_come_with_their_companion_seat() {
    let map = ["A: ac.... ....ca"];
    check(
        &map,
        BestAvailableRequest::new(2).accessible(1),
        Ok((&["A1", "A2"], SameRow)),
    );
    // Without an accessible request, wheelchair spaces are never handed out.
    check(
        &["A: aa.XX"],
        BestAvailableRequest::new(2),
        Err(BestAvailableError::NotEnoughSeats {
            requested: 2,
            available: 1,
        }),
    );
    // The companion is taken: the space next to it does not qualify, the other one does.
    check(
        &["A: aC.... ....ca"],
        BestAvailableRequest::new(2).accessible(1),
        Ok((&["A11", "A12"], SameRow)),
    );
}

#[test]
fn seat_kinds_restrict_the_choice() {
    check(
        &["A: ........", "B: pp......", "C: ........"],
        BestAvailableRequest::new(2).kinds(&[SeatKind::Premium]),
        Ok((&["B1", "B2"], SameRow)),
    );
    check(
        &["A: ........", "B: pP......", "C: ........"],
        BestAvailableRequest::new(2).kinds(&[SeatKind::Premium]),
        Err(BestAvailableError::NotEnoughSeats {
            requested: 2,
            available: 1,
        }),
    );
}

#[test]
fn a_full_focal_row_moves_the_party_to_the_next_best_row() {
    check(
        &["A: ......", "B: ......", "C: XXXXXX", "D: ......"],
        BestAvailableRequest::new(2),
        Ok((&["B3", "B4"], SameRow)),
    );
}

#[test]
fn a_party_no_row_can_hold_is_split_across_adjacent_rows() {
    check(
        &["A: XX..X", "B: X..XX", "C: XXXXX"],
        BestAvailableRequest::new(4),
        Ok((&["A3", "A4", "B2", "B3"], SplitRows)),
    );
}

#[test]
fn a_sold_out_show_says_so() {
    check(
        &["A: XXXX", "B: XXXX"],
        BestAvailableRequest::new(1),
        Err(BestAvailableError::NotEnoughSeats {
            requested: 1,
            available: 0,
        }),
    );
}

#[test]
fn bad_requests_are_refused() {
    for (count, accessible) in [(0, 0), (BEST_AVAILABLE_SEATS_MAX + 1, 0), (2, 3)] {
        check(
            &["A: ...."],
            BestAvailableRequest::new(count).accessible(accessible),
            Err(BestAvailableError::InvalidRequest { count, accessible }),
        );
    }
}

#[test]
fn the_orphan_validator_flags_gaps_a_manual_pick_would_leave() {
    let (layout, statuses) = draw(&["A: ....X.. ...", "B: ......"]);
    let pick = |names: &[&str]| -> Vec<SeatId> {
        names.iter().map(|n| layout.seat_id(n).unwrap()).collect()
    };
    let gaps = |names: &[&str]| labels(&layout, &orphans_left_by(&layout, &statuses, &pick(names)));
    assert_eq!(
        gaps(&["A2", "A3"]),
        ["A1", "A4"],
        "A4 sits between A3 and the taken A5"
    );
    assert_eq!(
        gaps(&["A1", "A2", "A3"]),
        ["A4"],
        "A4 sits between A3 and the taken A5"
    );
    assert!(gaps(&["A1", "A2"]).is_empty());
    assert_eq!(
        gaps(&["A9"]),
        ["A8", "A10"],
        "an aisle or a row end closes a gap too"
    );
    assert!(gaps(&["B1", "B2"]).is_empty());
}

/// Four threads (users 0–3) each try `take` five times; returns how many seats they got, after
/// checking that no seat went to two takers.
fn four_threads_take_best_threes(take: impl Fn(UserId) -> Option<Vec<SeatId>> + Sync) -> usize {
    let take = &take;
    let mut all: Vec<SeatId> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4_u64)
            .map(|t| {
                scope.spawn(move || {
                    (0..5)
                        .filter_map(|_| take(UserId::new(t)))
                        .flatten()
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "a seat was handed out twice");
    total
}

#[test]
fn hold_best_available_chooses_and_holds_under_one_lock() {
    let layout = Arc::new(SeatLayout::grid(8, 10).unwrap());
    let policy = HoldPolicy::builder()
        .seats_per_user_max(100)
        .build()
        .unwrap();
    let show = Arc::new(ShowSeatManager::new(ShowId::new(1), layout.clone(), policy));
    // Four threads ask for the best 3 seats over and over: no seat is ever handed out twice.
    let seats = four_threads_take_best_threes(|user| {
        show.hold_best_available(user, &BestAvailableRequest::new(3), Instant::now())
            .ok()
            .map(|(hold, _)| hold.seats().to_vec())
    });
    assert_eq!(seats, 60);
    show.check_invariants().unwrap();
    // A request the policy cannot hold is refused before anything is chosen.
    let err = show
        .hold_best_available(
            UserId::new(9),
            &BestAvailableRequest::new(11),
            Instant::now(),
        )
        .unwrap_err();
    assert!(matches!(err, SeatError::TooManySeats { .. }));
}

fn map_strategy() -> impl Strategy<Value = (Vec<String>, u16, bool)> {
    let cell = prop_oneof![6 => Just('.'), 3 => Just('X'), 1 => Just(' '), 1 => Just('p')];
    let row = prop::collection::vec(cell, 1..12).prop_map(|cells| {
        let mut row: String = cells.into_iter().collect();
        if !row.contains(['.', 'X', 'p']) {
            row.push('.');
        }
        row
    });
    (prop::collection::vec(row, 1..6), 1..6_u16, any::<bool>()).prop_map(
        |(rows, count, scatter)| {
            let labelled = rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| format!("{}: {r}", (b'A' + i as u8) as char))
                .collect();
            (labelled, count, scatter)
        },
    )
}

proptest! {
    /// For random maps and requests: never an unavailable seat, exactly the count or an error,
    /// and one row whenever a single row has a run of adjacent free seats long enough.
    #[test]
    fn best_available_keeps_its_promises((rows, count, scatter) in map_strategy()) {
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let (layout, statuses) = draw(&rows);
        let request = BestAvailableRequest::new(count).allow_scatter(scatter);
        let longest_run = layout.rows().iter().map(|row| {
            let mut best = 0;
            let mut run = 0;
            for cell in row.cells() {
                if cell.is_some_and(|s| statuses[s.index() as usize] == SeatStatus::Available) {
                    run += 1;
                    best = best.max(run);
                } else {
                    run = 0;
                }
            }
            best
        }).max().unwrap_or(0);
        match best_available(&layout, &statuses, &request) {
            Ok(selection) => {
                prop_assert_eq!(selection.seats().len(), usize::from(count));
                for seat in selection.seats() {
                    prop_assert_eq!(statuses[seat.index() as usize], SeatStatus::Available);
                }
                let mut unique = selection.seats().to_vec();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique.len(), usize::from(count));
                if longest_run >= usize::from(count) {
                    prop_assert!(selection.is_contiguous());
                }
                if selection.is_contiguous() {
                    let row = layout.seat(selection.seats()[0]).unwrap().row_index();
                    for pair in selection.seats().windows(2) {
                        prop_assert!(layout.are_adjacent(pair[0], pair[1]));
                        prop_assert_eq!(layout.seat(pair[1]).unwrap().row_index(), row);
                    }
                }
            }
            Err(_) => prop_assert!(longest_run < usize::from(count)),
        }
    }
}

#[test]
fn the_default_choose_then_hold_never_sells_a_seat_twice() {
    let policy = HoldPolicy::builder()
        .seats_per_user_max(100)
        .build()
        .unwrap();
    let store = Arc::new(crate::wrapped_store::WrappedStore {
        inner: InMemorySeatStore::new(policy),
        confirm_ignores_expiry: false,
    });
    store
        .inner
        .add_show(ShowId::new(1), Arc::new(SeatLayout::grid(8, 10).unwrap()))
        .unwrap();
    let seats = four_threads_take_best_threes(|user| {
        let request = BestAvailableRequest::new(3);
        // The optimistic default gives up after a few lost races; a caller retries, bounded.
        for _ in 0..100 {
            match store.hold_best_available(ShowId::new(1), user, &request, Instant::now()) {
                Ok((hold, selection)) => {
                    assert!(selection.is_contiguous());
                    return Some(hold.seats().to_vec());
                }
                Err(StoreError::Seat(SeatError::Unavailable { .. })) => continue,
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
        None
    });
    assert_eq!(seats, 60);
    let counts = store
        .seat_map(ShowId::new(1), Instant::now())
        .unwrap()
        .counts();
    assert_eq!(counts.held(), 60);
}
