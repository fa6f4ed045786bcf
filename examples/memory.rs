//! Measures the heap bytes one show's seat inventory takes, with a counting global allocator.
//!
//! Run it with `cargo run --release --example memory`. The library itself forbids `unsafe`;
//! this example needs one `unsafe impl` to wrap the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

use boxoffice::{HoldPolicy, SeatId, SeatLayout, ShowId, ShowSeatManager, UserId};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; we only count sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout, same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Bytes a new show takes, and after a busy moment (a quarter held, then all released).
fn measure(rows: usize, per_row: usize) -> (usize, isize, isize, isize) {
    let layout = Arc::new(SeatLayout::grid(rows, per_row).expect("grid"));
    let before = live();
    let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
    let empty = live() - before;
    let now = Instant::now();
    let _ = show.snapshot(now);
    let mut holds = Vec::new();
    let capacity = layout.capacity();
    for group in 0..(capacity / 16).min(10_000) {
        let seats =
            [4 * group, 4 * group + 1, 4 * group + 2, 4 * group + 3].map(|s| SeatId::new(s as u32));
        let user = UserId::new(group as u64);
        holds.push((show.hold(user, &seats, now).expect("free"), user));
    }
    let busy = live() - before;
    for (hold, user) in holds.drain(..) {
        show.release(hold.id(), user, now).expect("live");
    }
    drop(holds);
    let after = live() - before;
    drop(show);
    (capacity, empty, busy, after)
}

fn main() {
    println!("seats    empty show    per seat   with a quarter held   after release");
    let mut points = Vec::new();
    for (rows, per_row) in [(15, 20), (100, 500)] {
        let (capacity, empty, busy, after) = measure(rows, per_row);
        points.push((capacity as isize, empty));
        println!(
            "{capacity:>6}  {empty:>9} B  {:>7.2} B  {busy:>15} B  {after:>11} B",
            empty as f64 / capacity as f64
        );
    }
    let ((small_seats, small), (large_seats, large)) = (points[0], points[1]);
    let per_seat = (large - small) as f64 / (large_seats - small_seats) as f64;
    let fixed = small as f64 - per_seat * small_seats as f64;
    println!(
        "\nper seat: {per_seat:.2} B (target ≤ 16); fixed overhead: {fixed:.0} B (target ≤ 4096)"
    );
    let ok = per_seat <= 16.0 && fixed <= 4096.0;
    println!("{}", if ok { "within targets" } else { "OVER TARGET" });
    if !ok {
        std::process::exit(1);
    }
}
