//! One forwarding `SeatStore` for the tests: an in-memory store seen through the trait only,
//! so it uses the trait's default `hold_best_available` (choose, then hold atomically), as a
//! Redis store would; optionally with a deliberate bug for the simulator to catch.

use std::sync::Arc;
use std::time::Instant;

use boxoffice::*;

pub(crate) struct WrappedStore {
    pub inner: InMemorySeatStore,
    /// The injected bug: `confirm` reports success for a hold that has already expired.
    pub confirm_ignores_expiry: bool,
}

impl SeatStore for WrappedStore {
    fn layout(&self, show: ShowId) -> Result<Arc<SeatLayout>, StoreError> {
        self.inner.layout(show)
    }
    fn hold(
        &self,
        show: ShowId,
        owner: UserId,
        seats: &[SeatId],
        now: Instant,
    ) -> Result<Hold, StoreError> {
        self.inner.hold(show, owner, seats, now)
    }
    fn extend(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError> {
        self.inner.extend(hold, owner, now)
    }
    fn live_hold(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<Hold, StoreError> {
        self.inner.live_hold(hold, owner, now)
    }
    fn confirm(
        &self,
        hold: HoldId,
        owner: UserId,
        now: Instant,
    ) -> Result<Confirmation, StoreError> {
        match self.inner.confirm(hold, owner, now) {
            Err(StoreError::Seat(SeatError::Expired { .. })) if self.confirm_ignores_expiry => {
                Ok(Confirmation::new(hold, owner, Arc::from(Vec::new())))
            }
            other => other,
        }
    }
    fn release(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError> {
        self.inner.release(hold, owner, now)
    }
    fn release_booked(&self, hold: HoldId, owner: UserId, now: Instant) -> Result<(), StoreError> {
        self.inner.release_booked(hold, owner, now)
    }
    fn expire_due(&self, show: ShowId, now: Instant) -> Result<Vec<ExpiredHold>, StoreError> {
        self.inner.expire_due(show, now)
    }
    fn next_expiry(&self, show: ShowId) -> Result<Option<Instant>, StoreError> {
        self.inner.next_expiry(show)
    }
    fn seat_map(&self, show: ShowId, now: Instant) -> Result<SeatMap, StoreError> {
        self.inner.seat_map(show, now)
    }
}
