//! Multi-threaded stress: 8 threads race for overlapping seats on real clocks, then the books
//! are checked. Bounded: a fixed number of operations per thread.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use boxoffice::{
    HoldId, HoldPolicy, HoldState, SeatError, SeatId, SeatLayout, SeatStatus, ShowId,
    ShowSeatManager, UserId,
};

const THREADS: u64 = 8;
const OPS_PER_THREAD: u64 = 2_000;

/// A tiny deterministic generator, so the test needs no extra crate.
pub(crate) struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Confirmed {
    hold: HoldId,
    seats: Vec<SeatId>,
    confirmed_at: Instant,
    expires_at: Instant,
}

fn race(shows: &[Arc<ShowSeatManager>]) -> Vec<Confirmed> {
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let shows = shows.to_vec();
            thread::spawn(move || {
                let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                let mut confirmed = Vec::new();
                for _ in 0..OPS_PER_THREAD {
                    let show = &shows[rng.below(shows.len() as u64) as usize];
                    let capacity = show.layout().capacity() as u64;
                    // A window of 1..=3 consecutive seats: neighbours overlap often.
                    let start = rng.below(capacity - 3);
                    let len = 1 + rng.below(3);
                    let seats: Vec<SeatId> = (start..start + len)
                        .map(|s| SeatId::new(s as u32))
                        .collect();
                    // Each thread plays many users so the per-user cap rarely binds.
                    let user = UserId::new(t * 1_000_000 + rng.below(1_000));
                    let hold = match show.hold(user, &seats, Instant::now()) {
                        Ok(hold) => hold,
                        Err(SeatError::Unavailable { .. } | SeatError::UserLimit { .. }) => {
                            continue;
                        }
                        Err(other) => panic!("unexpected hold error {other}"),
                    };
                    match rng.below(20) {
                        // Some holds are confirmed, some only after a pause that may pass
                        // their 2 ms expiry, some released, the rest left to expire.
                        0 => {}
                        1 => thread::sleep(Duration::from_millis(rng.below(4))),
                        2..=9 => {
                            let _ = show.release(hold.id(), user, Instant::now());
                            continue;
                        }
                        _ => continue,
                    }
                    let now = Instant::now();
                    match show.confirm(hold.id(), user, now) {
                        Ok(done) => confirmed.push(Confirmed {
                            hold: done.hold(),
                            seats: done.seats().to_vec(),
                            confirmed_at: now,
                            expires_at: hold.expires_at(),
                        }),
                        Err(SeatError::Expired { .. }) => {}
                        Err(other) => panic!("unexpected confirm error {other}"),
                    }
                }
                confirmed
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().expect("worker panicked"))
        .collect()
}

fn check_books(shows: &[Arc<ShowSeatManager>], confirmed: &[Confirmed]) {
    let mut booked_by: HashMap<(ShowId, SeatId), HoldId> = HashMap::new();
    for c in confirmed {
        assert!(
            c.confirmed_at < c.expires_at,
            "hold {} confirmed at or after its expiry",
            c.hold
        );
        for &seat in &c.seats {
            let previous = booked_by.insert((c.hold.show(), seat), c.hold);
            assert!(previous.is_none(), "seat {seat} confirmed by two holds");
        }
    }
    let late = Instant::now() + Duration::from_secs(3_600);
    for show in shows {
        show.check_invariants().unwrap();
        let map = show.seat_map(late);
        assert_eq!(map.counts().total() as usize, show.layout().capacity());
        assert_eq!(map.counts().held(), 0, "every hold has expired by now");
        for (index, status) in map.statuses().iter().enumerate() {
            let seat = SeatId::new(index as u32);
            let confirmed_here = booked_by.get(&(show.show(), seat));
            assert_eq!(
                *status == SeatStatus::Booked,
                confirmed_here.is_some(),
                "seat {seat} of show {}",
                show.show()
            );
            if let Some(hold) = confirmed_here {
                assert_eq!(show.hold_state(*hold), Some(HoldState::Confirmed));
            }
        }
    }
}

fn manager(id: u64, seats: usize) -> Arc<ShowSeatManager> {
    let policy = HoldPolicy::builder()
        .hold_ttl(Duration::from_millis(2))
        .seats_per_user_max(50)
        .build()
        .unwrap();
    let layout = Arc::new(SeatLayout::grid(seats / 20, 20).unwrap());
    Arc::new(ShowSeatManager::new(ShowId::new(id), layout, policy))
}

#[test]
fn eight_threads_on_one_show_never_sell_a_seat_twice() {
    let shows = vec![manager(1, 400)];
    let confirmed = race(&shows);
    assert!(!confirmed.is_empty());
    check_books(&shows, &confirmed);
}

#[test]
fn eight_threads_on_several_shows_never_sell_a_seat_twice() {
    let shows: Vec<_> = (1..=4).map(|id| manager(id, 200)).collect();
    let confirmed = race(&shows);
    assert!(!confirmed.is_empty());
    check_books(&shows, &confirmed);
}
