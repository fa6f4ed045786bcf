//! Model-based property test: random operation sequences run against `ShowSeatManager` and
//! against a deliberately simple reference model (linear scans, no indexes, no queues). After
//! every step the results, the seat map, the per-user counts and the expiry reports must match,
//! and the manager's invariants must hold.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use boxoffice::{
    FencingToken, HoldId, HoldPolicy, HoldState, SeatConflict, SeatError, SeatId, SeatLayout,
    SeatStatus, ShowId, ShowSeatManager, UserId,
};
use proptest::prelude::*;

const SEATS: u32 = 12;
const TTL: Duration = Duration::from_secs(600);
const LIFETIME: Duration = Duration::from_secs(1_500);
const PER_HOLD: usize = 3;
const PER_USER: u32 = 4;
const LIVE_MAX: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Hold { user: u64, seats: Vec<u32> },
    Extend { hold: usize, user: Option<u64> },
    Confirm { hold: usize, user: Option<u64> },
    Release { hold: usize, user: Option<u64> },
    ReleaseBooked { hold: usize, user: Option<u64> },
    Block { seats: Vec<u32> },
    Unblock { seats: Vec<u32> },
    Advance { secs: u64 },
    Sweep,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    // Seat numbers slightly past the layout make unknown seats; repeats make duplicates.
    let seats = || {
        prop_oneof![
            4 => prop::collection::vec(0..SEATS, 1..=PER_HOLD),
            1 => prop::collection::vec(0..SEATS + 1, 0..5),
        ]
    };
    let user = || 1..4_u64;
    let hold = || 0..8_usize;
    // `None` acts as the hold's owner; `Some` as that user, who may or may not own it.
    let actor = || prop_oneof![3 => Just(None), 1 => (1..4_u64).prop_map(Some)];
    prop_oneof![
        4 => (user(), seats()).prop_map(|(user, seats)| Op::Hold { user, seats }),
        2 => (hold(), actor()).prop_map(|(hold, user)| Op::Extend { hold, user }),
        2 => (hold(), actor()).prop_map(|(hold, user)| Op::Confirm { hold, user }),
        1 => (hold(), actor()).prop_map(|(hold, user)| Op::Release { hold, user }),
        1 => (hold(), actor()).prop_map(|(hold, user)| Op::ReleaseBooked { hold, user }),
        1 => seats().prop_map(|seats| Op::Block { seats }),
        1 => seats().prop_map(|seats| Op::Unblock { seats }),
        3 => (0..700_u64).prop_map(|secs| Op::Advance { secs }),
        1 => Just(Op::Sweep),
    ]
}

struct ModelHold {
    owner: UserId,
    seats: Vec<SeatId>,
    created: Instant,
    expires: Instant,
    state: HoldState,
}

/// The reference: a status per seat and a list of holds, scanned linearly.
struct Model {
    status: Vec<SeatStatus>,
    holds: Vec<ModelHold>,
    reports: VecDeque<u64>,
    now: Instant,
}

fn id(token: u64) -> HoldId {
    HoldId::new(ShowId::new(1), FencingToken::new(token).unwrap())
}

impl Model {
    fn expire(&mut self) {
        let now = self.now;
        let mut due: Vec<(Instant, usize)> = self
            .holds
            .iter()
            .enumerate()
            .filter(|(_, h)| h.state == HoldState::Live && h.expires <= now)
            .map(|(i, h)| (h.expires, i))
            .collect();
        due.sort();
        for (_, i) in due {
            self.holds[i].state = HoldState::Expired;
            for seat in self.holds[i].seats.clone() {
                self.status[seat.index() as usize] = SeatStatus::Available;
            }
            if self.reports.len() >= LIVE_MAX {
                self.reports.pop_front();
            }
            self.reports.push_back(i as u64 + 1);
        }
    }

    fn seats_of(&self, user: UserId) -> u32 {
        self.holds
            .iter()
            .filter(|h| {
                h.owner == user && matches!(h.state, HoldState::Live | HoldState::Confirmed)
            })
            .map(|h| h.seats.len() as u32)
            .sum()
    }

    fn validate(seats: &[SeatId], max: usize) -> Result<(), SeatError> {
        if seats.is_empty() {
            return Err(SeatError::EmptyRequest);
        }
        if seats.len() > max {
            return Err(SeatError::TooManySeats {
                requested: seats.len(),
                max,
            });
        }
        if let Some(&seat) = seats.iter().find(|s| s.index() >= SEATS) {
            return Err(SeatError::UnknownSeat { seat });
        }
        for (i, seat) in seats.iter().enumerate() {
            if seats[..i].contains(seat) {
                return Err(SeatError::DuplicateSeat { seat: *seat });
            }
        }
        Ok(())
    }

    fn conflicts(&self, seats: &[SeatId]) -> Vec<SeatConflict> {
        seats
            .iter()
            .map(|&s| SeatConflict::new(s, self.status[s.index() as usize]))
            .filter(|c| c.status() != SeatStatus::Available)
            .collect()
    }

    fn hold(&mut self, user: UserId, seats: &[SeatId]) -> Result<u64, SeatError> {
        Model::validate(seats, PER_HOLD)?;
        self.expire();
        let current = self.seats_of(user);
        if current + seats.len() as u32 > PER_USER {
            return Err(SeatError::UserLimit {
                user,
                requested: seats.len(),
                current,
                max: PER_USER,
            });
        }
        let live = self
            .holds
            .iter()
            .filter(|h| h.state == HoldState::Live)
            .count();
        if live >= LIVE_MAX {
            return Err(SeatError::TooManyHolds {
                max: LIVE_MAX as u32,
            });
        }
        let conflicts = self.conflicts(seats);
        if !conflicts.is_empty() {
            return Err(SeatError::Unavailable { conflicts });
        }
        for seat in seats {
            self.status[seat.index() as usize] = SeatStatus::Held;
        }
        self.holds.push(ModelHold {
            owner: user,
            seats: seats.to_vec(),
            created: self.now,
            expires: self.now + TTL,
            state: HoldState::Live,
        });
        Ok(self.holds.len() as u64)
    }

    /// Looks a hold up the way every hold operation does: known, owned, then its state.
    fn owned(&mut self, token: u64, user: UserId) -> Result<usize, SeatError> {
        self.expire();
        let index = (token as usize).wrapping_sub(1);
        let hold = self
            .holds
            .get(index)
            .ok_or(SeatError::UnknownHold { hold: id(token) })?;
        if hold.owner != user {
            return Err(SeatError::NotOwner { hold: id(token) });
        }
        Ok(index)
    }

    fn resolved_error(&self, index: usize) -> SeatError {
        let hold = id(index as u64 + 1);
        match self.holds[index].state {
            HoldState::Live => SeatError::NotConfirmed { hold },
            HoldState::Confirmed => SeatError::AlreadyConfirmed { hold },
            HoldState::Released => SeatError::AlreadyReleased { hold },
            HoldState::Returned => SeatError::AlreadyReturned { hold },
            HoldState::Expired => SeatError::Expired {
                hold,
                expired_at: self.holds[index].expires,
            },
            _ => unreachable!(),
        }
    }

    fn live(&mut self, token: u64, user: UserId) -> Result<usize, SeatError> {
        let index = self.owned(token, user)?;
        if self.holds[index].state != HoldState::Live {
            return Err(self.resolved_error(index));
        }
        Ok(index)
    }

    fn set(&mut self, index: usize, state: HoldState, status: SeatStatus) {
        self.holds[index].state = state;
        for seat in self.holds[index].seats.clone() {
            self.status[seat.index() as usize] = status;
        }
    }

    fn extend(&mut self, token: u64, user: UserId) -> Result<(), SeatError> {
        let index = self.live(token, user)?;
        let hold = &mut self.holds[index];
        let max = hold.created + LIFETIME;
        if hold.expires >= max {
            return Err(SeatError::LifetimeExhausted {
                hold: id(token),
                expires_at_max: max,
            });
        }
        hold.expires = hold.expires.max((self.now + TTL).min(max));
        Ok(())
    }

    fn confirm(&mut self, token: u64, user: UserId) -> Result<(), SeatError> {
        let index = self.live(token, user)?;
        self.set(index, HoldState::Confirmed, SeatStatus::Booked);
        Ok(())
    }

    fn release(&mut self, token: u64, user: UserId) -> Result<(), SeatError> {
        let index = self.live(token, user)?;
        self.set(index, HoldState::Released, SeatStatus::Available);
        Ok(())
    }

    fn release_booked(&mut self, token: u64, user: UserId) -> Result<(), SeatError> {
        let index = self.owned(token, user)?;
        if self.holds[index].state != HoldState::Confirmed {
            return Err(self.resolved_error(index));
        }
        self.set(index, HoldState::Returned, SeatStatus::Available);
        Ok(())
    }

    fn block(&mut self, seats: &[SeatId]) -> Result<(), SeatError> {
        Model::validate(seats, SEATS as usize)?;
        self.expire();
        let conflicts = self.conflicts(seats);
        if !conflicts.is_empty() {
            return Err(SeatError::Unavailable { conflicts });
        }
        for seat in seats {
            self.status[seat.index() as usize] = SeatStatus::Blocked;
        }
        Ok(())
    }

    fn unblock(&mut self, seats: &[SeatId]) -> Result<(), SeatError> {
        Model::validate(seats, SEATS as usize)?;
        self.expire();
        let not_blocked: Vec<SeatId> = seats
            .iter()
            .copied()
            .filter(|s| self.status[s.index() as usize] != SeatStatus::Blocked)
            .collect();
        if !not_blocked.is_empty() {
            return Err(SeatError::NotBlocked { seats: not_blocked });
        }
        for seat in seats {
            self.status[seat.index() as usize] = SeatStatus::Available;
        }
        Ok(())
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let policy = HoldPolicy::builder()
        .hold_ttl(TTL)
        .hold_lifetime_max(LIFETIME)
        .seats_per_hold_max(PER_HOLD as u16)
        .seats_per_user_max(PER_USER)
        .live_holds_max(LIVE_MAX as u32)
        .build()
        .unwrap();
    let layout = Arc::new(
        SeatLayout::builder()
            .row("A", "RRRR_RRRR")
            .row("B", "RRRR")
            .build()
            .unwrap(),
    );
    let show = ShowSeatManager::new(ShowId::new(1), layout, policy);
    let t0 = Instant::now();
    let mut model = Model {
        status: vec![SeatStatus::Available; SEATS as usize],
        holds: Vec::new(),
        reports: VecDeque::new(),
        now: t0,
    };
    // Hold operations mostly target recent holds (0 is the newest); 7 names a token that was
    // never issued.
    let token = |model: &Model, i: usize| -> u64 {
        let issued = model.holds.len();
        if issued == 0 || i == 7 {
            999
        } else {
            (issued - i % issued) as u64
        }
    };
    let actor = |model: &Model, token: u64, user: Option<u64>| -> UserId {
        match (user, model.holds.get(token as usize - 1)) {
            (None, Some(hold)) => hold.owner,
            (Some(user), _) => UserId::new(user),
            (None, None) => UserId::new(1),
        }
    };
    let to_seats = |seats: &[u32]| seats.iter().map(|&s| SeatId::new(s)).collect::<Vec<_>>();

    for (step, op) in ops.iter().enumerate() {
        let now = model.now;
        let (real, expected) = match op {
            Op::Hold { user, seats } => {
                let (user, seats) = (UserId::new(*user), to_seats(seats));
                let real = show.hold(user, &seats, now).map(|h| h.id().token().get());
                (
                    real.map(|t| t as i64),
                    model.hold(user, &seats).map(|t| t as i64),
                )
            }
            Op::Extend { hold, user } => {
                let t = token(&model, *hold);
                let user = actor(&model, t, *user);
                (
                    show.extend(id(t), user, now).map(|_| 0),
                    model.extend(t, user).map(|_| 0),
                )
            }
            Op::Confirm { hold, user } => {
                let t = token(&model, *hold);
                let user = actor(&model, t, *user);
                (
                    show.confirm(id(t), user, now).map(|_| 0),
                    model.confirm(t, user).map(|_| 0),
                )
            }
            Op::Release { hold, user } => {
                let t = token(&model, *hold);
                let user = actor(&model, t, *user);
                (
                    show.release(id(t), user, now).map(|_| 0),
                    model.release(t, user).map(|_| 0),
                )
            }
            Op::ReleaseBooked { hold, user } => {
                let t = token(&model, *hold);
                let user = actor(&model, t, *user);
                (
                    show.release_booked(id(t), user, now).map(|_| 0),
                    model.release_booked(t, user).map(|_| 0),
                )
            }
            Op::Block { seats } => {
                let seats = to_seats(seats);
                (
                    show.block(&seats, now).map(|_| 0),
                    model.block(&seats).map(|_| 0),
                )
            }
            Op::Unblock { seats } => {
                let seats = to_seats(seats);
                (
                    show.unblock(&seats, now).map(|_| 0),
                    model.unblock(&seats).map(|_| 0),
                )
            }
            Op::Advance { secs } => {
                model.now += Duration::from_secs(*secs);
                (Ok(0), Ok(0))
            }
            Op::Sweep => {
                model.expire();
                let real: Vec<u64> = show
                    .expire_due(now)
                    .iter()
                    .map(|e| e.hold().token().get())
                    .collect();
                let expected: Vec<u64> = model.reports.drain(..).collect();
                prop_assert_eq!(real, expected, "step {}: expiry reports", step);
                (Ok(0), Ok(0))
            }
        };
        prop_assert_eq!(real, expected, "step {}: {:?}", step, op);
        model.expire();
        // The cached read path first: it must notice changes and due expiries by itself.
        let snapshot = show.snapshot(model.now);
        prop_assert_eq!(
            snapshot.statuses(),
            &model.status[..],
            "step {}: snapshot",
            step
        );
        let map = show.seat_map(model.now);
        prop_assert_eq!(map.statuses(), &model.status[..], "step {}: seat map", step);
        prop_assert_eq!(map.counts().total(), SEATS);
        for user in 1..4 {
            let user = UserId::new(user);
            prop_assert_eq!(show.seats_of(user), model.seats_of(user), "step {}", step);
        }
        let next = model
            .holds
            .iter()
            .filter(|h| h.state == HoldState::Live)
            .map(|h| h.expires)
            .min();
        prop_assert_eq!(show.next_expiry(), next, "step {}: next expiry", step);
        if let Err(broken) = show.check_invariants() {
            return Err(TestCaseError::fail(format!("step {step}: {broken}")));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("BOXOFFICE_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn manager_matches_the_reference_model(ops in prop::collection::vec(op_strategy(), 1..80)) {
        run(&ops)?;
    }
}
