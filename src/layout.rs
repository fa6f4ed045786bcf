//! Seat layouts: rows, aisles, seat kinds, accessible and companion seats.
//!
//! A layout describes a screen's physical seats. It holds **no** seat state: status belongs to
//! a show (see [`ShowSeatManager`](crate::ShowSeatManager)), so two shows on one screen share
//! the layout (behind an `Arc`) but nothing else.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::id::SeatId;

/// The most seats one layout may have (a large stadium).
pub const LAYOUT_SEATS_MAX: usize = 200_000;
/// The most rows one layout may have.
pub const LAYOUT_ROWS_MAX: usize = 1_000;
/// The most cells (seats and aisle gaps) one row may have.
pub const ROW_CELLS_MAX: usize = 1_000;
/// The longest row label, in ASCII letters.
pub const ROW_LABEL_LEN_MAX: usize = 4;

/// What kind of seat this is; pricing can charge each kind differently.
///
/// # Examples
///
/// ```
/// use boxoffice::SeatKind;
///
/// assert_eq!(SeatKind::Premium.to_string(), "premium");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SeatKind {
    /// An ordinary seat.
    #[default]
    Regular,
    /// A better seat, usually in the middle rows.
    Premium,
    /// A VIP seat.
    Vip,
    /// A reclining seat.
    Recliner,
}

impl SeatKind {
    /// Every kind, in declaration order.
    pub const ALL: [SeatKind; 4] = [
        SeatKind::Regular,
        SeatKind::Premium,
        SeatKind::Vip,
        SeatKind::Recliner,
    ];
}

impl fmt::Display for SeatKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SeatKind::Regular => "regular",
            SeatKind::Premium => "premium",
            SeatKind::Vip => "vip",
            SeatKind::Recliner => "recliner",
        })
    }
}

/// One physical seat in a layout. Built only by [`SeatLayoutBuilder`].
///
/// # Examples
///
/// ```
/// use boxoffice::{SeatKind, SeatLayout};
///
/// let layout = SeatLayout::builder().row("A", "RR_PP").build()?;
/// let seat = layout.seat(layout.seat_id("A3").unwrap()).unwrap();
/// assert_eq!(seat.number(), 3);
/// assert_eq!(seat.kind(), SeatKind::Premium);
/// assert_eq!(seat.column(), 3, "the aisle takes column 2");
/// # Ok::<(), boxoffice::LayoutError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    id: SeatId,
    row: u16,
    number: u16,
    column: u16,
    kind: SeatKind,
    accessible: bool,
    companion: bool,
}

impl Seat {
    /// The seat's id within its layout.
    #[must_use]
    pub fn id(&self) -> SeatId {
        self.id
    }

    /// The index of the seat's row (0 is the row nearest the screen).
    #[must_use]
    pub fn row_index(&self) -> usize {
        usize::from(self.row)
    }

    /// The seat's printed number in its row, from 1, left to right, aisles not counted.
    #[must_use]
    pub fn number(&self) -> u16 {
        self.number
    }

    /// The seat's physical column, from 0; aisle gaps take columns too, so two seats are side
    /// by side only when their columns differ by one.
    #[must_use]
    pub fn column(&self) -> u16 {
        self.column
    }

    /// The seat's kind.
    #[must_use]
    pub fn kind(&self) -> SeatKind {
        self.kind
    }

    /// Whether this is a wheelchair-accessible space.
    #[must_use]
    pub fn is_accessible(&self) -> bool {
        self.accessible
    }

    /// Whether this is a companion seat meant for someone accompanying an accessible seat.
    #[must_use]
    pub fn is_companion(&self) -> bool {
        self.companion
    }
}

/// One row of a layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    label: Arc<str>,
    first_seat: u32,
    seat_count: u32,
    /// `cells[column]` is `Some(seat)` or `None` for an aisle gap.
    cells: Vec<Option<SeatId>>,
}

impl Row {
    /// The printed label, e.g. `"A"`.
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The ids of this row's seats, left to right.
    pub fn seat_ids(&self) -> impl ExactSizeIterator<Item = SeatId> + '_ {
        (self.first_seat..self.first_seat + self.seat_count).map(SeatId::new)
    }

    /// The row's cells left to right: a seat or an aisle gap (`None`).
    #[must_use]
    pub fn cells(&self) -> &[Option<SeatId>] {
        &self.cells
    }
}

/// A screen's seat layout: rows of seats with aisle gaps. Immutable once built.
///
/// Row 0 is nearest the screen. Seat ids are dense: `0..capacity`, in row order, left to
/// right.
///
/// # Examples
///
/// ```
/// use boxoffice::SeatLayout;
///
/// // R regular, P premium, V vip, L recliner, A accessible, C companion, `_` aisle.
/// let layout = SeatLayout::builder()
///     .row("A", "AC_RRRR_CA")
///     .row("B", "RR_PPPP_RR")
///     .build()?;
/// assert_eq!(layout.capacity(), 16);
/// let b1 = layout.seat_id("B1").unwrap();
/// let b2 = layout.seat_id("B2").unwrap();
/// let b3 = layout.seat_id("B3").unwrap();
/// assert!(layout.are_adjacent(b1, b2));
/// assert!(!layout.are_adjacent(b2, b3), "an aisle runs between B2 and B3");
/// # Ok::<(), boxoffice::LayoutError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatLayout {
    rows: Vec<Row>,
    seats: Vec<Seat>,
    row_by_label: HashMap<String, u16>,
    width: u16,
}

/// Why a layout could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The layout has no seats at all.
    #[error("a layout needs at least one seat")]
    Empty,
    /// More rows than [`LAYOUT_ROWS_MAX`].
    #[error("{rows} rows exceed the limit of {max}")]
    TooManyRows {
        /// Rows requested.
        rows: usize,
        /// The limit.
        max: usize,
    },
    /// A row has more cells than [`ROW_CELLS_MAX`].
    #[error("row {row:?} has {cells} cells, over the limit of {max}")]
    RowTooLong {
        /// The row label (truncated).
        row: String,
        /// Cells requested.
        cells: usize,
        /// The limit.
        max: usize,
    },
    /// More seats than [`LAYOUT_SEATS_MAX`].
    #[error("{seats} seats exceed the limit of {max}")]
    TooManySeats {
        /// Seats requested (at least).
        seats: usize,
        /// The limit.
        max: usize,
    },
    /// A row label is empty, too long, or not ASCII letters.
    #[error("invalid row label {label:?}: use 1 to 4 ASCII letters")]
    InvalidRowLabel {
        /// The label (truncated).
        label: String,
    },
    /// Two rows share a label.
    #[error("duplicate row label {label:?}")]
    DuplicateRowLabel {
        /// The label.
        label: String,
    },
    /// A row spec has a character that is not a seat or aisle code.
    #[error("row {row:?} has an unknown seat code {code:?}")]
    UnknownSeatCode {
        /// The row label.
        row: String,
        /// The character.
        code: char,
    },
    /// A row has only aisle gaps.
    #[error("row {row:?} has no seats")]
    EmptyRow {
        /// The row label.
        row: String,
    },
}

fn truncated(s: &str) -> String {
    s.chars().take(16).collect()
}

/// Builds a [`SeatLayout`] row by row. Validation happens in [`build`](Self::build).
///
/// Each row is a label and a spec string with one character per cell:
///
/// | code | cell |
/// |---|---|
/// | `R` | regular seat |
/// | `P` | premium seat |
/// | `V` | VIP seat |
/// | `L` | recliner |
/// | `A` | wheelchair-accessible space (regular kind) |
/// | `C` | companion seat (regular kind) |
/// | `_` or space | aisle gap |
///
/// # Examples
///
/// ```
/// use boxoffice::SeatLayout;
///
/// let layout = SeatLayout::builder().row("A", "RRR_RRR").build()?;
/// assert_eq!(layout.rows().len(), 1);
/// # Ok::<(), boxoffice::LayoutError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct SeatLayoutBuilder {
    rows: Vec<(String, String)>,
    // Set when the builder is fed more than it could ever accept, so that it stops storing.
    overflow: Option<LayoutError>,
}

impl SeatLayoutBuilder {
    /// Adds a row behind the previous one (further from the screen).
    #[must_use]
    pub fn row(mut self, label: &str, spec: &str) -> Self {
        if self.overflow.is_some() {
            return self;
        }
        if self.rows.len() >= LAYOUT_ROWS_MAX {
            self.overflow = Some(LayoutError::TooManyRows {
                rows: self.rows.len() + 1,
                max: LAYOUT_ROWS_MAX,
            });
            self.rows = Vec::new();
            return self;
        }
        if spec.len() > ROW_CELLS_MAX * 4 {
            // Do not even copy an absurd spec; report it as too long.
            self.overflow = Some(LayoutError::RowTooLong {
                row: truncated(label),
                cells: spec.chars().count(),
                max: ROW_CELLS_MAX,
            });
            self.rows = Vec::new();
            return self;
        }
        self.rows.push((truncated(label), spec.to_owned()));
        self
    }

    /// Validates the rows and builds the layout.
    ///
    /// # Errors
    ///
    /// A [`LayoutError`] when the layout is empty, a row label is invalid or repeated, a spec
    /// has an unknown code or no seats, or a limit ([`LAYOUT_ROWS_MAX`], [`ROW_CELLS_MAX`],
    /// [`LAYOUT_SEATS_MAX`]) is exceeded.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::{LayoutError, SeatLayout};
    ///
    /// let err = SeatLayout::builder().row("A", "RRX").build().unwrap_err();
    /// assert_eq!(err, LayoutError::UnknownSeatCode { row: "A".into(), code: 'X' });
    /// ```
    pub fn build(self) -> Result<SeatLayout, LayoutError> {
        if let Some(err) = self.overflow {
            return Err(err);
        }
        if self.rows.is_empty() {
            return Err(LayoutError::Empty);
        }
        let mut rows = Vec::with_capacity(self.rows.len());
        let mut seats: Vec<Seat> = Vec::new();
        let mut row_by_label = HashMap::with_capacity(self.rows.len());
        let mut width = 0_u16;
        for (row_index, (label, spec)) in self.rows.into_iter().enumerate() {
            let label_ok = !label.is_empty()
                && label.len() <= ROW_LABEL_LEN_MAX
                && label.bytes().all(|b| b.is_ascii_alphabetic());
            if !label_ok {
                return Err(LayoutError::InvalidRowLabel { label });
            }
            let cells_count = spec.chars().count();
            if cells_count > ROW_CELLS_MAX {
                return Err(LayoutError::RowTooLong {
                    row: label,
                    cells: cells_count,
                    max: ROW_CELLS_MAX,
                });
            }
            if seats.len() + cells_count > LAYOUT_SEATS_MAX {
                let in_row = spec.chars().filter(|c| !matches!(c, '_' | ' ')).count();
                if seats.len() + in_row > LAYOUT_SEATS_MAX {
                    return Err(LayoutError::TooManySeats {
                        seats: seats.len() + in_row,
                        max: LAYOUT_SEATS_MAX,
                    });
                }
            }
            // Bounded by the checks above: row_index < 1_000, columns < 1_000,
            // seats < 200_000, so the narrowing casts below cannot truncate.
            let row_u16 = row_index as u16;
            let first_seat = seats.len() as u32;
            let mut cells = Vec::with_capacity(cells_count);
            let mut number = 0_u16;
            for (column, code) in spec.chars().enumerate() {
                let (kind, accessible, companion) = match code {
                    '_' | ' ' => {
                        cells.push(None);
                        continue;
                    }
                    'R' => (SeatKind::Regular, false, false),
                    'P' => (SeatKind::Premium, false, false),
                    'V' => (SeatKind::Vip, false, false),
                    'L' => (SeatKind::Recliner, false, false),
                    'A' => (SeatKind::Regular, true, false),
                    'C' => (SeatKind::Regular, false, true),
                    code => return Err(LayoutError::UnknownSeatCode { row: label, code }),
                };
                number += 1;
                let id = SeatId::new(seats.len() as u32);
                cells.push(Some(id));
                seats.push(Seat {
                    id,
                    row: row_u16,
                    number,
                    column: column as u16,
                    kind,
                    accessible,
                    companion,
                });
            }
            if number == 0 {
                return Err(LayoutError::EmptyRow { row: label });
            }
            width = width.max(cells.len() as u16);
            if row_by_label.insert(label.clone(), row_u16).is_some() {
                return Err(LayoutError::DuplicateRowLabel { label });
            }
            rows.push(Row {
                label: Arc::from(label),
                first_seat,
                seat_count: u32::from(number),
                cells,
            });
        }
        Ok(SeatLayout {
            rows,
            seats,
            row_by_label,
            width,
        })
    }
}

impl SeatLayout {
    /// Starts a layout.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::SeatLayout;
    ///
    /// let layout = SeatLayout::builder().row("A", "RR").build()?;
    /// assert_eq!(layout.capacity(), 2);
    /// # Ok::<(), boxoffice::LayoutError>(())
    /// ```
    #[must_use]
    pub fn builder() -> SeatLayoutBuilder {
        SeatLayoutBuilder::default()
    }

    /// A plain grid of regular seats with no aisles, rows labelled `A`, `B`, … `Z`, `AA`, ….
    /// Handy for tests and benchmarks.
    ///
    /// # Errors
    ///
    /// The same as [`SeatLayoutBuilder::build`]: zero rows or seats, or a limit exceeded.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::SeatLayout;
    ///
    /// let layout = SeatLayout::grid(30, 10)?;
    /// assert_eq!(layout.capacity(), 300);
    /// assert!(layout.seat_id("AD10").is_some());
    /// # Ok::<(), boxoffice::LayoutError>(())
    /// ```
    pub fn grid(rows: usize, seats_per_row: usize) -> Result<SeatLayout, LayoutError> {
        if rows > LAYOUT_ROWS_MAX {
            return Err(LayoutError::TooManyRows {
                rows,
                max: LAYOUT_ROWS_MAX,
            });
        }
        if seats_per_row > ROW_CELLS_MAX {
            return Err(LayoutError::RowTooLong {
                row: "A".into(),
                cells: seats_per_row,
                max: ROW_CELLS_MAX,
            });
        }
        let spec = "R".repeat(seats_per_row);
        let mut builder = SeatLayout::builder();
        for row in 0..rows {
            builder = builder.row(&row_label(row), &spec);
        }
        builder.build()
    }

    /// How many seats the layout has.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.seats.len()
    }

    /// The widest row's cell count (seats plus aisle gaps).
    #[must_use]
    pub fn width(&self) -> usize {
        usize::from(self.width)
    }

    /// The rows, nearest the screen first.
    #[must_use]
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every seat, in id order.
    #[must_use]
    pub fn seats(&self) -> &[Seat] {
        &self.seats
    }

    /// The seat with this id, or `None` if the id is not in this layout.
    #[must_use]
    pub fn seat(&self, id: SeatId) -> Option<&Seat> {
        self.seats.get(id.as_usize())
    }

    /// Whether `id` names a seat of this layout.
    #[must_use]
    pub fn contains(&self, id: SeatId) -> bool {
        id.as_usize() < self.seats.len()
    }

    /// The id of the seat with a printed label such as `"A5"`, or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use boxoffice::SeatLayout;
    ///
    /// let layout = SeatLayout::builder().row("A", "RR_RR").build()?;
    /// assert_eq!(layout.seat_id("A3").map(|id| id.index()), Some(2));
    /// assert_eq!(layout.seat_id("A5"), None);
    /// assert_eq!(layout.seat_id("Z1"), None);
    /// # Ok::<(), boxoffice::LayoutError>(())
    /// ```
    #[must_use]
    pub fn seat_id(&self, label: &str) -> Option<SeatId> {
        let label: SeatLabel = label.parse().ok()?;
        self.seat_id_by_label(&label)
    }

    /// The id of the seat with this label, or `None`.
    #[must_use]
    pub fn seat_id_by_label(&self, label: &SeatLabel) -> Option<SeatId> {
        let row = &self.rows[usize::from(*self.row_by_label.get(&*label.row)?)];
        let number = u32::from(label.number);
        (number >= 1 && number <= row.seat_count).then(|| SeatId::new(row.first_seat + number - 1))
    }

    /// The printed label of a seat, e.g. `A5`.
    #[must_use]
    pub fn label(&self, id: SeatId) -> Option<SeatLabel> {
        let seat = self.seat(id)?;
        Some(SeatLabel {
            row: self.rows[seat.row_index()].label.clone(),
            number: seat.number,
        })
    }

    /// Whether two seats are side by side: same row, neighbouring columns. An aisle between
    /// them breaks adjacency.
    #[must_use]
    pub fn are_adjacent(&self, a: SeatId, b: SeatId) -> bool {
        match (self.seat(a), self.seat(b)) {
            (Some(a), Some(b)) => a.row == b.row && a.column.abs_diff(b.column) == 1,
            _ => false,
        }
    }
}

/// The conventional label of row `index`: `A`..`Z`, then `AA`, `AB`, ….
fn row_label(mut index: usize) -> String {
    let mut label = Vec::new();
    loop {
        label.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    label.reverse();
    String::from_utf8(label).unwrap_or_default()
}

/// A printed seat label: row letters then seat number, e.g. `A5` or `AB12`.
///
/// # Examples
///
/// ```
/// use boxoffice::SeatLabel;
///
/// let label: SeatLabel = "AB12".parse()?;
/// assert_eq!(label.row(), "AB");
/// assert_eq!(label.number(), 12);
/// assert_eq!(label.to_string(), "AB12");
/// # Ok::<(), boxoffice::ParseIdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SeatLabel {
    row: Arc<str>,
    number: u16,
}

impl SeatLabel {
    /// The row letters.
    #[must_use]
    pub fn row(&self) -> &str {
        &self.row
    }

    /// The seat number in the row, from 1.
    #[must_use]
    pub fn number(&self) -> u16 {
        self.number
    }
}

impl fmt::Display for SeatLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.row, self.number)
    }
}

impl FromStr for SeatLabel {
    type Err = crate::id::ParseIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || crate::ParseIdError::new("seat label", s);
        let split = s.find(|c: char| c.is_ascii_digit()).ok_or_else(err)?;
        let (row, number) = s.split_at(split);
        let row_ok = !row.is_empty()
            && row.len() <= ROW_LABEL_LEN_MAX
            && row.bytes().all(|b| b.is_ascii_alphabetic());
        if !row_ok || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let number = number.parse::<u16>().map_err(|_| err())?;
        Ok(SeatLabel {
            row: Arc::from(row),
            number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_labels_follow_spreadsheet_columns() {
        let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(row_label)
            .collect();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn builder_rejects_bad_layouts() {
        let check = |builder: SeatLayoutBuilder, expected: LayoutError| {
            assert_eq!(builder.build(), Err(expected));
        };
        check(SeatLayout::builder(), LayoutError::Empty);
        check(
            SeatLayout::builder().row("A", "__"),
            LayoutError::EmptyRow { row: "A".into() },
        );
        check(
            SeatLayout::builder().row("A1", "RR"),
            LayoutError::InvalidRowLabel { label: "A1".into() },
        );
        check(
            SeatLayout::builder().row("", "RR"),
            LayoutError::InvalidRowLabel { label: "".into() },
        );
        check(
            SeatLayout::builder().row("A", "R").row("A", "R"),
            LayoutError::DuplicateRowLabel { label: "A".into() },
        );
        check(
            SeatLayout::builder().row("A", &"R".repeat(ROW_CELLS_MAX + 1)),
            LayoutError::RowTooLong {
                row: "A".into(),
                cells: ROW_CELLS_MAX + 1,
                max: ROW_CELLS_MAX,
            },
        );
        assert!(matches!(
            SeatLayout::grid(LAYOUT_ROWS_MAX + 1, 1),
            Err(LayoutError::TooManyRows { .. })
        ));
        assert!(matches!(
            SeatLayout::grid(LAYOUT_ROWS_MAX, ROW_CELLS_MAX),
            Err(LayoutError::TooManySeats { .. })
        ));
        assert!(matches!(
            SeatLayout::builder()
                .row("A", &"R".repeat(10 * ROW_CELLS_MAX))
                .build(),
            Err(LayoutError::RowTooLong { .. })
        ));
    }

    #[test]
    fn labels_and_adjacency() {
        let layout = SeatLayout::builder()
            .row("A", "AC_RR")
            .row("B", "RRRR")
            .build()
            .unwrap();
        let a1 = layout.seat_id("A1").unwrap();
        let a2 = layout.seat_id("A2").unwrap();
        let a3 = layout.seat_id("A3").unwrap();
        let b1 = layout.seat_id("B1").unwrap();
        assert!(layout.seat(a1).unwrap().is_accessible());
        assert!(layout.seat(a2).unwrap().is_companion());
        assert!(layout.are_adjacent(a1, a2));
        assert!(!layout.are_adjacent(a2, a3));
        assert!(!layout.are_adjacent(a1, b1));
        assert!(!layout.are_adjacent(a1, SeatId::new(999)));
        assert_eq!(layout.label(a3).unwrap().to_string(), "A3");
        assert_eq!(layout.seat_id("A0"), None);
        assert_eq!(layout.seat_id("a1"), None);
        assert_eq!(layout.seat_id("A99999"), None);
        assert_eq!(layout.seat_id("1A"), None);
    }
}
