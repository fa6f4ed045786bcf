//! Best-available seat selection, seats.io style, and the single-seat-gap validator.
//!
//! # Scoring
//!
//! Every seat has a distance to the **focal point** (by default the centre of the row about
//! two-thirds back): `d² = (2 · Δrow)² + Δcolumn²`, in rows and physical columns (aisles count
//! as columns). Rows weigh double because moving a row changes the view more than moving a
//! seat sideways. A selection's score is the sum of its seats' `d²`; lower is better; ties go
//! to the front-most row, then the left-most column, so results are deterministic.
//!
//! # The ladder
//!
//! 1. **Same row, adjacent** (an aisle breaks adjacency), leaving **no single-seat orphan** in
//!    the row, closest to the focal point.
//! 2. The same, **orphans allowed**: reached only when no selection of that size avoids one.
//! 3. **Split across two adjacent rows**, the two blocks overlapping in columns so the party
//!    stays together (score plus a penalty of one row-step per seat).
//! 4. **Scattered**: the best individual seats, only if the request allows it; otherwise a
//!    typed error saying why.
//!
//! "A row could hold the party" means a run of adjacent eligible seats at least as long as the
//! party: a row whose free seats sit on both sides of an aisle does not keep a party together.
//!
//! Accessible requests need that many wheelchair spaces in the block, and for each one an
//! adjacent companion seat in the block when the layout has one next to it. Requests without
//! accessible seats never take wheelchair spaces.

use std::fmt;

use crate::id::SeatId;
use crate::inventory::SeatStatus;
use crate::layout::{SeatKind, SeatLayout};

/// The most seats one best-available request may ask for.
pub const BEST_AVAILABLE_SEATS_MAX: u16 = 32;

/// Where the best seats are: a row index (0 is nearest the screen) and a column, fractional.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FocalPoint {
    /// Row index, from the screen.
    pub row: f64,
    /// Physical column (aisles count).
    pub column: f64,
}

impl FocalPoint {
    /// The default: the centre of the row about two-thirds back.
    #[must_use]
    pub fn default_for(layout: &SeatLayout) -> FocalPoint {
        let rows = layout.rows().len().saturating_sub(1) as f64;
        FocalPoint {
            row: (rows * 2.0 / 3.0).round(),
            column: (layout.width().saturating_sub(1)) as f64 / 2.0,
        }
    }
}

/// What to look for.
///
/// # Examples
///
/// ```
/// use boxoffice::BestAvailableRequest;
///
/// let request = BestAvailableRequest::new(4).accessible(1).allow_scatter(true);
/// assert_eq!(request.count(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BestAvailableRequest {
    count: u16,
    kinds: Vec<SeatKind>,
    accessible: u16,
    prevent_orphans: bool,
    allow_scatter: bool,
    focal: Option<FocalPoint>,
}

impl BestAvailableRequest {
    /// `count` seats of any kind, orphans prevented when possible, no scattering.
    #[must_use]
    pub fn new(count: u16) -> Self {
        BestAvailableRequest {
            count,
            kinds: Vec::new(),
            accessible: 0,
            prevent_orphans: true,
            allow_scatter: false,
            focal: None,
        }
    }

    /// Only these seat kinds (empty: any). Accessible and companion seats are exempt.
    #[must_use]
    pub fn kinds(mut self, kinds: &[SeatKind]) -> Self {
        self.kinds = kinds.to_vec();
        self
    }

    /// How many of the seats must be wheelchair spaces (each with an adjacent companion seat
    /// where the layout has one).
    #[must_use]
    pub fn accessible(mut self, accessible: u16) -> Self {
        self.accessible = accessible;
        self
    }

    /// Whether to avoid leaving single-seat gaps (default true). When false, rung 2 is taken
    /// as soon as it scores better.
    #[must_use]
    pub fn prevent_orphans(mut self, prevent: bool) -> Self {
        self.prevent_orphans = prevent;
        self
    }

    /// Whether scattered seats are acceptable when nothing keeps the party together.
    #[must_use]
    pub fn allow_scatter(mut self, allow: bool) -> Self {
        self.allow_scatter = allow;
        self
    }

    /// A custom focal point.
    #[must_use]
    pub fn focal_point(mut self, focal: FocalPoint) -> Self {
        self.focal = Some(focal);
        self
    }

    /// Seats asked for.
    #[must_use]
    pub fn count(&self) -> u16 {
        self.count
    }
}

/// Which rung of the ladder produced a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SelectionRung {
    /// Same row, adjacent, no single-seat orphan left.
    SameRow,
    /// Same row, adjacent, but a single-seat orphan is left (nothing avoided it).
    SameRowWithOrphan,
    /// Two adjacent rows, overlapping in columns.
    SplitRows,
    /// Best individual seats.
    Scattered,
}

/// A best-available result.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    seats: Vec<SeatId>,
    rung: SelectionRung,
    score: f64,
}

impl Selection {
    /// The seats, left to right, front row first.
    #[must_use]
    pub fn seats(&self) -> &[SeatId] {
        &self.seats
    }

    /// Which rung of the ladder found it.
    #[must_use]
    pub fn rung(&self) -> SelectionRung {
        self.rung
    }

    /// Whether every seat is next to another in one row (no aisle between).
    #[must_use]
    pub fn is_contiguous(&self) -> bool {
        matches!(
            self.rung,
            SelectionRung::SameRow | SelectionRung::SameRowWithOrphan
        )
    }

    /// The selection's score (lower is closer to the focal point).
    #[must_use]
    pub fn score(&self) -> f64 {
        self.score
    }
}

/// Why no seats were proposed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BestAvailableError {
    /// Zero seats, or more than [`BEST_AVAILABLE_SEATS_MAX`], or more accessible seats than
    /// seats.
    #[error("invalid request for {count} seats ({accessible} accessible)")]
    InvalidRequest {
        /// Seats asked for.
        count: u16,
        /// Accessible seats asked for.
        accessible: u16,
    },
    /// Fewer eligible seats are free than requested.
    #[error("only {available} eligible seats are free, {requested} requested")]
    NotEnoughSeats {
        /// Seats asked for.
        requested: u16,
        /// Eligible free seats.
        available: usize,
    },
    /// Enough seats are free, but not together, and scattering was not allowed.
    #[error("{requested} seats are free but not together; allow scattering to take them apart")]
    NotTogether {
        /// Seats asked for.
        requested: u16,
    },
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f64,
    row: usize,
    first_cell: usize,
}

impl Candidate {
    fn better_than(&self, other: &Option<Candidate>) -> bool {
        match other {
            None => true,
            Some(o) => (self.score, self.row, self.first_cell) < (o.score, o.row, o.first_cell),
        }
    }
}

/// A block of adjacent seats: where it starts and how many seats.
type Block = (Candidate, usize);

struct Finder<'a> {
    layout: &'a SeatLayout,
    status: &'a [SeatStatus],
    request: &'a BestAvailableRequest,
    focal: FocalPoint,
}

impl fmt::Debug for Finder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finder").finish_non_exhaustive()
    }
}

impl Finder<'_> {
    fn free(&self, seat: SeatId) -> bool {
        self.status[seat.as_usize()] == SeatStatus::Available
    }

    /// Whether a free seat may be part of the selection.
    fn eligible(&self, seat: SeatId) -> bool {
        if !self.free(seat) {
            return false;
        }
        let Some(info) = self.layout.seat(seat) else {
            return false;
        };
        if info.is_accessible() {
            return self.request.accessible > 0;
        }
        if info.is_companion() || self.request.kinds.is_empty() {
            return true;
        }
        self.request.kinds.contains(&info.kind())
    }

    fn seat_cost(&self, row: usize, column: usize) -> f64 {
        let dr = 2.0 * (row as f64 - self.focal.row);
        let dc = column as f64 - self.focal.column;
        dr * dr + dc * dc
    }

    /// Whether the block of cells `[first, first + len)` in `row` satisfies the accessibility
    /// part of the request.
    fn accessible_ok(&self, row: usize, first: usize, len: usize) -> bool {
        let wanted = usize::from(self.request.accessible);
        if wanted == 0 {
            return true;
        }
        let cells = self.layout.rows()[row].cells();
        let in_block = |cell: usize| cell >= first && cell < first + len;
        let mut satisfied = 0;
        for cell in first..first + len {
            let Some(seat) = cells[cell] else { continue };
            if !self.layout.seat(seat).is_some_and(|s| s.is_accessible()) {
                continue;
            }
            // Companion seats next to this space, in the layout and in the block.
            let neighbours = [cell.checked_sub(1), Some(cell + 1)];
            let companion = |c: usize| {
                cells
                    .get(c)
                    .copied()
                    .flatten()
                    .and_then(|s| self.layout.seat(s))
                    .is_some_and(|s| s.is_companion())
            };
            let has_companion = neighbours.iter().flatten().any(|&c| companion(c));
            let companion_in_block = neighbours
                .iter()
                .flatten()
                .any(|&c| companion(c) && in_block(c));
            if !has_companion || companion_in_block {
                satisfied += 1;
            }
        }
        satisfied >= wanted
    }

    /// Every window of `len` adjacent eligible seats in `row`: `(first cell, score, orphan)`.
    fn windows(&self, row: usize, len: usize, mut visit: impl FnMut(usize, f64, bool)) {
        let cells = self.layout.rows()[row].cells();
        let mut cell = 0;
        while cell < cells.len() {
            // A run of free seats, bounded by aisles, taken seats or the row's ends.
            let run_start = cell;
            while cell < cells.len() && cells[cell].is_some_and(|s| self.free(s)) {
                cell += 1;
            }
            let run_end = cell;
            cell += 1;
            if run_end - run_start < len {
                continue;
            }
            let ineligible = |c: usize| usize::from(cells[c].is_none_or(|s| !self.eligible(s)));
            let mut ineligible_in_window = 0;
            let mut score = 0.0;
            for c in run_start..run_start + len {
                score += self.seat_cost(row, c);
                ineligible_in_window += ineligible(c);
            }
            let mut first = run_start;
            loop {
                if ineligible_in_window == 0 && self.accessible_ok(row, first, len) {
                    let left = first - run_start;
                    let right = run_end - (first + len);
                    visit(first, score, left == 1 || right == 1);
                }
                let next = first + len;
                if next >= run_end {
                    break;
                }
                score += self.seat_cost(row, next) - self.seat_cost(row, first);
                ineligible_in_window += ineligible(next);
                ineligible_in_window -= ineligible(first);
                first += 1;
            }
        }
    }

    fn row_order(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..self.layout.rows().len()).collect();
        rows.sort_by(|a, b| {
            let da = (*a as f64 - self.focal.row).abs();
            let db = (*b as f64 - self.focal.row).abs();
            da.total_cmp(&db).then(a.cmp(b))
        });
        rows
    }

    /// Rungs 1 and 2.
    fn same_row(&self, len: usize) -> (Option<Candidate>, Option<Candidate>) {
        let mut clean: Option<Candidate> = None;
        let mut any: Option<Candidate> = None;
        for row in self.row_order() {
            // Lower bound of any window in this row: the row term alone.
            let dr = 2.0 * (row as f64 - self.focal.row);
            let bound = dr * dr * len as f64;
            if clean.as_ref().is_some_and(|c| c.score < bound)
                && any.as_ref().is_some_and(|c| c.score < bound)
            {
                break;
            }
            self.windows(row, len, |first, score, orphan| {
                let candidate = Candidate {
                    score,
                    row,
                    first_cell: first,
                };
                if !orphan && candidate.better_than(&clean) {
                    clean = Some(candidate);
                }
                if candidate.better_than(&any) {
                    any = Some(candidate);
                }
            });
        }
        (clean, any)
    }

    /// Rung 3: two blocks in adjacent rows whose columns overlap; returns each block and its
    /// size.
    fn split(&self, len: usize) -> Option<(Block, Block)> {
        let rows = self.layout.rows().len();
        let mut best: Option<(f64, Block, Block)> = None;
        for row in 0..rows.saturating_sub(1) {
            for front in 1..len {
                let back = len - front;
                let mut fronts = Vec::new();
                self.windows(row, front, |first, score, _| fronts.push((first, score)));
                if fronts.is_empty() {
                    continue;
                }
                let mut backs = Vec::new();
                self.windows(row + 1, back, |first, score, _| backs.push((first, score)));
                for &(f_first, f_score) in &fronts {
                    for &(b_first, b_score) in &backs {
                        let overlap = f_first < b_first + back && b_first < f_first + front;
                        if !overlap {
                            continue;
                        }
                        // One row-step of penalty per seat keeps split parties behind whole ones.
                        let score = f_score + b_score + 4.0 * len as f64;
                        if best.as_ref().is_none_or(|(s, _, _)| score < *s) {
                            let at = |row, first_cell| Candidate {
                                score,
                                row,
                                first_cell,
                            };
                            best = Some((
                                score,
                                (at(row, f_first), front),
                                (at(row + 1, b_first), back),
                            ));
                        }
                    }
                }
            }
        }
        best.map(|(_, a, b)| (a, b))
    }

    fn seats_of(&self, candidate: &Candidate, len: usize) -> Vec<SeatId> {
        let cells = self.layout.rows()[candidate.row].cells();
        cells[candidate.first_cell..candidate.first_cell + len]
            .iter()
            .flatten()
            .copied()
            .collect()
    }

    fn scattered(&self, len: usize) -> Option<(Vec<SeatId>, f64)> {
        let mut seats: Vec<(f64, SeatId)> = Vec::new();
        for (row_index, row) in self.layout.rows().iter().enumerate() {
            for (column, cell) in row.cells().iter().enumerate() {
                if let Some(seat) = cell
                    && self.eligible(*seat)
                {
                    seats.push((self.seat_cost(row_index, column), *seat));
                }
            }
        }
        if seats.len() < len {
            return None;
        }
        seats.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        seats.truncate(len);
        let score = seats.iter().map(|(s, _)| s).sum();
        let mut chosen: Vec<SeatId> = seats.into_iter().map(|(_, s)| s).collect();
        chosen.sort();
        Some((chosen, score))
    }
}

/// Checks a request's shape: 1 to [`BEST_AVAILABLE_SEATS_MAX`] seats, accessible ≤ count.
pub(crate) fn validate_request(request: &BestAvailableRequest) -> Result<(), BestAvailableError> {
    if request.count == 0
        || request.count > BEST_AVAILABLE_SEATS_MAX
        || request.accessible > request.count
    {
        return Err(BestAvailableError::InvalidRequest {
            count: request.count,
            accessible: request.accessible,
        });
    }
    Ok(())
}

/// Chooses the best available seats for `request` on a show whose seats have `statuses`
/// (one per seat of `layout`, as in [`SeatMap::statuses`](crate::SeatMap::statuses)).
///
/// It never proposes a held, booked or blocked seat. To choose *and hold* without a race, use
/// [`ShowSeatManager::hold_best_available`](crate::ShowSeatManager::hold_best_available).
///
/// Cost: O(capacity × count) for rungs 1–2, visiting rows outward from the focal row and
/// stopping once a row cannot beat the best found; rung 3 only when 1–2 fail.
///
/// # Errors
///
/// [`BestAvailableError`]: an invalid request, too few eligible seats, or seats that are not
/// together when scattering is not allowed.
///
/// # Examples
///
/// ```
/// use boxoffice::{best_available, BestAvailableRequest, SeatLayout, SeatStatus, SelectionRung};
///
/// let layout = SeatLayout::builder().row("A", "RRRRRR").row("B", "RRRRRR").row("C", "RRRRRR").build()?;
/// let statuses = vec![SeatStatus::Available; layout.capacity()];
/// let selection = best_available(&layout, &statuses, &BestAvailableRequest::new(2))?;
/// let labels: Vec<String> = selection.seats().iter().map(|s| layout.label(*s).unwrap().to_string()).collect();
/// assert_eq!(labels, ["B3", "B4"]);
/// assert_eq!(selection.rung(), SelectionRung::SameRow);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn best_available(
    layout: &SeatLayout,
    statuses: &[SeatStatus],
    request: &BestAvailableRequest,
) -> Result<Selection, BestAvailableError> {
    validate_request(request)?;
    if statuses.len() != layout.capacity() {
        return Err(BestAvailableError::NotEnoughSeats {
            requested: request.count,
            available: 0,
        });
    }
    let finder = Finder {
        layout,
        status: statuses,
        request,
        focal: request
            .focal
            .unwrap_or_else(|| FocalPoint::default_for(layout)),
    };
    let len = usize::from(request.count);
    let (clean, any) = finder.same_row(len);
    let pick = match (clean, any) {
        (Some(clean), Some(any)) if !request.prevent_orphans && any.score < clean.score => {
            Some((any, SelectionRung::SameRowWithOrphan))
        }
        (Some(clean), _) => Some((clean, SelectionRung::SameRow)),
        (None, Some(any)) => Some((any, SelectionRung::SameRowWithOrphan)),
        (None, None) => None,
    };
    if let Some((candidate, rung)) = pick {
        return Ok(Selection {
            seats: finder.seats_of(&candidate, len),
            rung,
            score: candidate.score,
        });
    }
    if len > 1
        && request.accessible == 0
        && let Some(((front, front_len), (back, back_len))) = finder.split(len)
    {
        let mut seats = finder.seats_of(&front, front_len);
        seats.extend(finder.seats_of(&back, back_len));
        return Ok(Selection {
            seats,
            rung: SelectionRung::SplitRows,
            score: front.score,
        });
    }
    let eligible = statuses
        .iter()
        .enumerate()
        .filter(|(i, _)| finder.eligible(SeatId::new(*i as u32)))
        .count();
    if eligible < len {
        return Err(BestAvailableError::NotEnoughSeats {
            requested: request.count,
            available: eligible,
        });
    }
    if !request.allow_scatter {
        return Err(BestAvailableError::NotTogether {
            requested: request.count,
        });
    }
    let (seats, score) = finder
        .scattered(len)
        .ok_or(BestAvailableError::NotEnoughSeats {
            requested: request.count,
            available: eligible,
        })?;
    Ok(Selection {
        seats,
        rung: SelectionRung::Scattered,
        score,
    })
}

/// The single-seat gaps that holding `chosen` would leave in their rows: free seats whose
/// neighbours on both sides (or a row end or aisle on one side) would all be taken. A host can
/// warn a buyer who picks seats by hand.
///
/// # Examples
///
/// ```
/// use boxoffice::{orphans_left_by, SeatLayout, SeatStatus};
///
/// let layout = SeatLayout::builder().row("A", "RRRRR").build()?;
/// let statuses = vec![SeatStatus::Available; 5];
/// let pick = [layout.seat_id("A2").unwrap(), layout.seat_id("A3").unwrap()];
/// let gaps = orphans_left_by(&layout, &statuses, &pick);
/// assert_eq!(gaps, [layout.seat_id("A1").unwrap()]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn orphans_left_by(
    layout: &SeatLayout,
    statuses: &[SeatStatus],
    chosen: &[SeatId],
) -> Vec<SeatId> {
    let mut rows: Vec<usize> = chosen
        .iter()
        .filter_map(|s| layout.seat(*s).map(|seat| seat.row_index()))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let free = |seat: SeatId| {
        statuses.get(seat.as_usize()) == Some(&SeatStatus::Available) && !chosen.contains(&seat)
    };
    let mut gaps = Vec::new();
    for row in rows {
        let cells = layout.rows()[row].cells();
        for (column, cell) in cells.iter().enumerate() {
            let Some(seat) = *cell else { continue };
            if !free(seat) {
                continue;
            }
            let free_at = |c: Option<usize>| {
                c.and_then(|c| cells.get(c).copied().flatten())
                    .is_some_and(free)
            };
            let left = free_at(column.checked_sub(1));
            let right = free_at(Some(column + 1));
            // Only a gap the chosen seats create counts.
            let touches_choice = [column.checked_sub(1), Some(column + 1)]
                .into_iter()
                .flatten()
                .filter_map(|c| cells.get(c).copied().flatten())
                .any(|s| chosen.contains(&s));
            if !left && !right && touches_choice {
                gaps.push(seat);
            }
        }
    }
    gaps
}
