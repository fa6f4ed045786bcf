//! Seat statuses, counts and the seat-map snapshot.

use std::fmt;
use std::sync::Arc;

use crate::id::{SeatId, ShowId};
use crate::layout::SeatLayout;

/// The status of one seat in one show.
///
/// # Examples
///
/// ```
/// use boxoffice::SeatStatus;
///
/// assert_eq!(SeatStatus::Held.to_string(), "held");
/// assert!(SeatStatus::Held.is_temporary());
/// assert!(!SeatStatus::Booked.is_temporary());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[repr(u8)]
pub enum SeatStatus {
    /// For sale.
    #[default]
    Available,
    /// In a live hold; it frees up if the hold is released or expires.
    Held,
    /// Sold.
    Booked,
    /// Taken off sale by an admin (broken seat, house seat).
    Blocked,
}

impl SeatStatus {
    /// Whether the seat may free up by itself (it is held, and holds expire).
    #[must_use]
    pub fn is_temporary(self) -> bool {
        self == SeatStatus::Held
    }

    /// The one-character mark [`SeatMap`]'s `Display` draws for this status.
    #[must_use]
    pub fn mark(self) -> char {
        match self {
            SeatStatus::Available => 'o',
            SeatStatus::Held => 'h',
            SeatStatus::Booked => 'X',
            SeatStatus::Blocked => '#',
        }
    }
}

impl fmt::Display for SeatStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SeatStatus::Available => "available",
            SeatStatus::Held => "held",
            SeatStatus::Booked => "booked",
            SeatStatus::Blocked => "blocked",
        })
    }
}

/// How many seats of a show are in each status. They always add up to the capacity.
///
/// # Examples
///
/// ```
/// use boxoffice::SeatCounts;
///
/// let counts = SeatCounts::default();
/// assert_eq!(counts.total(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SeatCounts {
    pub(crate) available: u32,
    pub(crate) held: u32,
    pub(crate) booked: u32,
    pub(crate) blocked: u32,
}

impl SeatCounts {
    /// Seats for sale.
    #[must_use]
    pub fn available(&self) -> u32 {
        self.available
    }

    /// Seats in live holds.
    #[must_use]
    pub fn held(&self) -> u32 {
        self.held
    }

    /// Seats sold.
    #[must_use]
    pub fn booked(&self) -> u32 {
        self.booked
    }

    /// Seats taken off sale.
    #[must_use]
    pub fn blocked(&self) -> u32 {
        self.blocked
    }

    /// All four added: the show's capacity.
    #[must_use]
    pub fn total(&self) -> u32 {
        self.available + self.held + self.booked + self.blocked
    }

    pub(crate) fn of(&mut self, status: SeatStatus) -> &mut u32 {
        match status {
            SeatStatus::Available => &mut self.available,
            SeatStatus::Held => &mut self.held,
            SeatStatus::Booked => &mut self.booked,
            SeatStatus::Blocked => &mut self.blocked,
        }
    }

    pub(crate) fn count_of(statuses: &[SeatStatus]) -> SeatCounts {
        let mut counts = SeatCounts::default();
        for &status in statuses {
            *counts.of(status) += 1;
        }
        counts
    }
}

/// Every seat's status in one show at one instant, plus the counts.
///
/// It is a copy: holding it holds no lock, and it does not change when the show does. `version`
/// increases with every change to the show's seats, so two maps of one show with the same
/// version are equal.
///
/// `Display` draws the map for a human: the screen at the top, rows labelled, aisles as gaps,
/// and one mark per seat (`o` available, `h` held, `X` booked, `#` blocked).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Instant;
/// use boxoffice::{HoldPolicy, SeatLayout, SeatStatus, ShowId, ShowSeatManager, UserId};
///
/// let layout = Arc::new(SeatLayout::builder().row("A", "RR_RR").build()?);
/// let show = ShowSeatManager::new(ShowId::new(1), layout.clone(), HoldPolicy::default());
/// let now = Instant::now();
/// show.hold(UserId::new(1), &[layout.seat_id("A2").unwrap()], now)?;
/// let map = show.seat_map(now);
/// assert_eq!(map.status(layout.seat_id("A2").unwrap()), Some(SeatStatus::Held));
/// assert_eq!(map.counts().available(), 3);
/// println!("{map}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatMap {
    pub(crate) show: ShowId,
    pub(crate) layout: Arc<SeatLayout>,
    pub(crate) statuses: Vec<SeatStatus>,
    pub(crate) counts: SeatCounts,
    pub(crate) version: u64,
}

impl SeatMap {
    /// Builds a map from parts; used by seat stores other than the in-memory manager.
    ///
    /// # Errors
    ///
    /// [`SeatMapError`] when `statuses` does not have one entry per seat of the layout.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use boxoffice::{SeatLayout, SeatMap, SeatStatus, ShowId};
    ///
    /// let layout = Arc::new(SeatLayout::builder().row("A", "RR").build()?);
    /// let map = SeatMap::from_statuses(ShowId::new(1), layout, vec![SeatStatus::Booked; 2], 7)?;
    /// assert_eq!(map.counts().booked(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_statuses(
        show: ShowId,
        layout: Arc<SeatLayout>,
        statuses: Vec<SeatStatus>,
        version: u64,
    ) -> Result<SeatMap, SeatMapError> {
        if statuses.len() != layout.capacity() {
            return Err(SeatMapError {
                expected: layout.capacity(),
                got: statuses.len(),
            });
        }
        let counts = SeatCounts::count_of(&statuses);
        Ok(SeatMap {
            show,
            layout,
            statuses,
            counts,
            version,
        })
    }

    /// The show this map belongs to.
    #[must_use]
    pub fn show(&self) -> ShowId {
        self.show
    }

    /// The layout the statuses refer to.
    #[must_use]
    pub fn layout(&self) -> &Arc<SeatLayout> {
        &self.layout
    }

    /// One status per seat, indexed by [`SeatId::index`].
    #[must_use]
    pub fn statuses(&self) -> &[SeatStatus] {
        &self.statuses
    }

    /// The status of one seat, or `None` if the id is not in the layout.
    #[must_use]
    pub fn status(&self, seat: SeatId) -> Option<SeatStatus> {
        self.statuses.get(seat.as_usize()).copied()
    }

    /// How many seats are in each status.
    #[must_use]
    pub fn counts(&self) -> SeatCounts {
        self.counts
    }

    /// The show's change counter when this map was taken.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }
}

/// A seat map built from a status list of the wrong length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a seat map needs {expected} statuses, got {got}")]
pub struct SeatMapError {
    expected: usize,
    got: usize,
}

impl fmt::Display for SeatMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label_width = self
            .layout
            .rows()
            .iter()
            .map(|row| row.label().len())
            .max()
            .unwrap_or(1);
        let width = self.layout.width() * 2;
        let screen = "SCREEN";
        let pad = width.saturating_sub(screen.len()) / 2;
        writeln!(f, "{:label_width$}  {:pad$}{screen}", "", "")?;
        writeln!(
            f,
            "{:label_width$}  {}",
            "",
            "-".repeat(width.max(screen.len()))
        )?;
        for row in self.layout.rows() {
            write!(f, "{:>label_width$}  ", row.label())?;
            let mut line = String::with_capacity(width);
            for cell in row.cells() {
                match cell {
                    Some(seat) => line.push(self.statuses[seat.as_usize()].mark()),
                    None => line.push(' '),
                }
                line.push(' ');
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        write!(
            f,
            "o available {}  h held {}  X booked {}  # blocked {}",
            self.counts.available, self.counts.held, self.counts.booked, self.counts.blocked
        )
    }
}
