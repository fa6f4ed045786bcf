//! The lock behind each show's seat state, swappable at compile time (like tokio's `loom`
//! module) without touching the public API:
//!
//! - default: `parking_lot::Mutex`;
//! - `RUSTFLAGS="--cfg boxoffice_std_mutex"`: `std::sync::Mutex`, so
//!   `contention/std_mutex_vs_parking_lot` can measure both on the same code path;
//! - `RUSTFLAGS="--cfg loom"`: `loom::sync::Mutex`, for the model checks in `tests/loom.rs`.

#[cfg(not(any(boxoffice_std_mutex, loom)))]
pub(crate) use parking_lot::{Mutex, MutexGuard};

#[cfg(all(boxoffice_std_mutex, not(loom)))]
pub(crate) use self::std_mutex::{Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use self::loom_mutex::{Mutex, MutexGuard};

/// `RUSTFLAGS="--cfg loom"`: loom's mutex, so `tests/loom.rs` can explore every interleaving
/// of the seat manager's critical sections.
#[cfg(loom)]
mod loom_mutex {
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}

#[cfg(all(boxoffice_std_mutex, not(loom)))]
mod std_mutex {
    /// `std::sync::Mutex` with `parking_lot`'s poison-free `lock()`: the seat state is checked
    /// by invariants, and a panic inside the lock is a bug that the invariant check reports.
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

    pub(crate) type MutexGuard<'a, T> = std::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(std::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}
