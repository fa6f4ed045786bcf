//! boxoffice: sell seats without ever selling one twice.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

mod clock;
mod fxhash;
mod id;
mod inventory;
mod layout;

pub use clock::{Clock, ManualClock, SystemClock};
pub use id::{
    BookingId, CityId, FencingToken, HoldId, MovieId, ParseIdError, ScreenId, SeatId, ShowId,
    TheaterId, UserId,
};
pub use inventory::{
    Confirmation, ExpiredHold, HOLD_LIFETIME_LIMIT, HOLD_TTL_LIMIT, Hold, HoldPolicy,
    HoldPolicyBuilder, HoldState, InventoryStats, LIVE_HOLDS_LIMIT, PolicyError,
    RESOLVED_HOLDS_RETAINED_LIMIT, SEATS_PER_HOLD_LIMIT, SeatConflict, SeatCounts, SeatError,
    SeatMap, SeatMapError, SeatStatus, ShowSeatManager,
};
pub use layout::{
    LAYOUT_ROWS_MAX, LAYOUT_SEATS_MAX, LayoutError, ROW_CELLS_MAX, ROW_LABEL_LEN_MAX, Row, Seat,
    SeatKind, SeatLabel, SeatLayout, SeatLayoutBuilder,
};
