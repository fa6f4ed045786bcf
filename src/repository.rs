//! The booking repository adapter: a [`BookingRepository`] trait and an in-memory one.

use std::collections::HashMap;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

use crate::booking::{BookingRecord, IdempotencyKey};
use crate::fxhash::FxHashMap;
use crate::id::{BookingId, UserId};

/// Why a repository operation failed. On every error the stored data is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RepositoryError {
    /// No booking with this id.
    #[error("booking {id} not found")]
    NotFound {
        /// The id.
        id: BookingId,
    },
    /// A booking with this id already exists.
    #[error("booking {id} already exists")]
    Duplicate {
        /// The id.
        id: BookingId,
    },
    /// The stored version is not the one the update was based on (a concurrent update won).
    #[error(
        "booking {id} was changed concurrently (stored version {stored}, update from {expected})"
    )]
    VersionConflict {
        /// The id.
        id: BookingId,
        /// The version stored.
        stored: u64,
        /// The version the update expected to replace.
        expected: u64,
    },
    /// Another booking already uses this idempotency key.
    #[error("idempotency key {key} is already used by booking {owner}")]
    KeyConflict {
        /// The key.
        key: IdempotencyKey,
        /// The booking holding it.
        owner: BookingId,
    },
    /// The database refused a second live sale of a seat: the last line of defence fired.
    #[error("seat {seat} of show {show} is already sold")]
    SeatAlreadySold {
        /// The show.
        show: crate::id::ShowId,
        /// The seat.
        seat: crate::id::SeatId,
    },
    /// The repository holds as many bookings as it may.
    #[error("the repository holds {max} bookings, its limit")]
    Full {
        /// The limit.
        max: usize,
    },
    /// The storage failed (connection lost, timeout, disk).
    #[error("repository unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
    },
}

/// Where bookings are stored. Updates are compare-and-set on
/// [`BookingRecord::version`]: an update must carry the stored version plus at least one.
///
/// # Examples
///
/// See [`InMemoryBookingRepository`].
pub trait BookingRepository: Send + Sync {
    /// A fresh booking id, never returned before.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`].
    fn next_id(&self) -> Result<BookingId, RepositoryError>;

    /// Stores a new booking.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Duplicate`], [`RepositoryError::KeyConflict`],
    /// [`RepositoryError::Full`], [`RepositoryError::Unavailable`].
    fn insert(&self, record: &BookingRecord) -> Result<(), RepositoryError>;

    /// Replaces a stored booking whose version is older than `record`'s, given the version
    /// the caller read.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::NotFound`], [`RepositoryError::VersionConflict`],
    /// [`RepositoryError::KeyConflict`], [`RepositoryError::Unavailable`].
    fn update(&self, record: &BookingRecord, expected_version: u64) -> Result<(), RepositoryError>;

    /// The booking with this id, or `None`.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`].
    fn get(&self, id: BookingId) -> Result<Option<BookingRecord>, RepositoryError>;

    /// Up to `limit` of a user's bookings, newest first.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`].
    fn list_by_user(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError>;

    /// The booking whose completion used this idempotency key, or `None`.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`].
    fn find_by_idempotency_key(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<BookingRecord>, RepositoryError>;

    /// Up to `limit` pending bookings whose hold's wall-clock expiry estimate is before
    /// `before`, oldest first: what any service instance may sweep when the instance that
    /// started a booking is gone. The default finds none (a repository that cannot answer
    /// leaves those bookings to the instance that started them).
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`].
    fn pending_expired(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        let _ = (before, limit);
        Ok(Vec::new())
    }
}

impl<R: BookingRepository + ?Sized> BookingRepository for std::sync::Arc<R> {
    fn next_id(&self) -> Result<BookingId, RepositoryError> {
        (**self).next_id()
    }

    fn insert(&self, record: &BookingRecord) -> Result<(), RepositoryError> {
        (**self).insert(record)
    }

    fn update(&self, record: &BookingRecord, expected_version: u64) -> Result<(), RepositoryError> {
        (**self).update(record, expected_version)
    }

    fn get(&self, id: BookingId) -> Result<Option<BookingRecord>, RepositoryError> {
        (**self).get(id)
    }

    fn list_by_user(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        (**self).list_by_user(user, limit)
    }

    fn find_by_idempotency_key(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<BookingRecord>, RepositoryError> {
        (**self).find_by_idempotency_key(key)
    }

    fn pending_expired(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        (**self).pending_expired(before, limit)
    }
}

/// The most bookings an [`InMemoryBookingRepository`] holds by default.
pub const IN_MEMORY_BOOKINGS_MAX: usize = 1_000_000;

#[derive(Debug, Default)]
struct Tables {
    // Ids are minted here and user ids come from the host's authentication: FxHash is safe.
    // Idempotency keys are client strings: they keep SipHash.
    by_id: FxHashMap<BookingId, BookingRecord>,
    by_user: FxHashMap<UserId, Vec<BookingId>>,
    by_key: HashMap<IdempotencyKey, BookingId>,
    /// Live tickets: which confirmed booking holds each seat, like PostgreSQL's unique index.
    tickets: FxHashMap<(crate::id::ShowId, crate::id::SeatId), BookingId>,
    /// Pending bookings by their hold's wall-clock expiry estimate.
    pending: BTreeSet<(DateTime<Utc>, BookingId)>,
    last_id: u64,
    skip_writes: u32,
    fail_writes: u32,
    fail_reads: u32,
}

/// An in-memory repository, for tests, examples and single-process hosts. It can be told to
/// fail its next writes or reads. Like the PostgreSQL one, it refuses to store a second live
/// sale of a seat ([`RepositoryError::SeatAlreadySold`]).
///
/// # Examples
///
/// ```
/// use boxoffice::{BookingRepository, InMemoryBookingRepository, RepositoryError};
///
/// let repo = InMemoryBookingRepository::new();
/// let id = repo.next_id()?;
/// repo.fail_next_writes(1);
/// # Ok::<(), RepositoryError>(())
/// ```
#[derive(Debug)]
pub struct InMemoryBookingRepository {
    tables: Mutex<Tables>,
    bookings_max: usize,
}

impl Default for InMemoryBookingRepository {
    fn default() -> Self {
        InMemoryBookingRepository::new()
    }
}

impl InMemoryBookingRepository {
    /// An empty repository holding at most [`IN_MEMORY_BOOKINGS_MAX`] bookings.
    #[must_use]
    pub fn new() -> Self {
        InMemoryBookingRepository::with_bookings_max(IN_MEMORY_BOOKINGS_MAX)
    }

    /// An empty repository holding at most `bookings_max` bookings.
    #[must_use]
    pub fn with_bookings_max(bookings_max: usize) -> Self {
        InMemoryBookingRepository {
            tables: Mutex::default(),
            bookings_max,
        }
    }

    /// Makes the next `n` writes (insert, update) fail with `Unavailable`.
    pub fn fail_next_writes(&self, n: u32) {
        self.fail_writes_after(0, n);
    }

    /// Lets `skip` writes succeed, then makes the `n` after them fail with `Unavailable`.
    pub fn fail_writes_after(&self, skip: u32, n: u32) {
        let mut tables = self.tables.lock();
        tables.skip_writes = skip;
        tables.fail_writes = n;
    }

    /// Makes the next `n` reads (get, list, find) fail with `Unavailable`.
    pub fn fail_next_reads(&self, n: u32) {
        self.tables.lock().fail_reads = n;
    }

    /// Every stored booking, in id order (for tests and audits).
    #[must_use]
    pub fn all(&self) -> Vec<BookingRecord> {
        let tables = self.tables.lock();
        let mut all: Vec<BookingRecord> = tables.by_id.values().cloned().collect();
        all.sort_by_key(BookingRecord::id);
        all
    }
}

fn injected(counter: &mut u32, what: &str) -> Result<(), RepositoryError> {
    injected_after(&mut 0, counter, what)
}

fn injected_after(skip: &mut u32, counter: &mut u32, what: &str) -> Result<(), RepositoryError> {
    if *counter > 0 && *skip > 0 {
        *skip -= 1;
        return Ok(());
    }
    if *counter > 0 {
        *counter -= 1;
        return Err(RepositoryError::Unavailable {
            message: format!("injected {what} failure"),
        });
    }
    Ok(())
}

impl Tables {
    /// Refuses a confirmed record whose seats another live booking holds (the last line of
    /// defence, as PostgreSQL's unique index over live tickets).
    fn check_tickets(&self, record: &BookingRecord) -> Result<(), RepositoryError> {
        if record.status() != crate::booking::BookingStatus::Confirmed {
            return Ok(());
        }
        for seat in record.seats() {
            if let Some(owner) = self.tickets.get(&(record.show(), *seat))
                && *owner != record.id()
            {
                return Err(RepositoryError::SeatAlreadySold {
                    show: record.show(),
                    seat: *seat,
                });
            }
        }
        Ok(())
    }

    /// Keeps the pending-expiry index in step with a record that replaces `previous`.
    fn sync_pending(&mut self, previous: Option<&BookingRecord>, record: &BookingRecord) {
        if let Some(BookingRecord::Pending(old)) = previous {
            self.pending.remove(&(old.hold_expires_at(), old.id()));
        }
        if let BookingRecord::Pending(new) = record {
            self.pending.insert((new.hold_expires_at(), new.id()));
        }
    }

    fn sync_tickets(&mut self, record: &BookingRecord) {
        let live = record.status() == crate::booking::BookingStatus::Confirmed;
        for seat in record.seats() {
            let key = (record.show(), *seat);
            if live {
                self.tickets.insert(key, record.id());
            } else if self.tickets.get(&key) == Some(&record.id()) {
                self.tickets.remove(&key);
            }
        }
    }

    fn check_key(&self, record: &BookingRecord) -> Result<(), RepositoryError> {
        if let Some(key) = record.idempotency_key()
            && let Some(&owner) = self.by_key.get(key)
            && owner != record.id()
        {
            return Err(RepositoryError::KeyConflict {
                key: key.clone(),
                owner,
            });
        }
        Ok(())
    }
}

impl BookingRepository for InMemoryBookingRepository {
    fn next_id(&self) -> Result<BookingId, RepositoryError> {
        let mut tables = self.tables.lock();
        tables.last_id += 1;
        Ok(BookingId::new(tables.last_id))
    }

    fn insert(&self, record: &BookingRecord) -> Result<(), RepositoryError> {
        let mut tables = self.tables.lock();
        let tables = &mut *tables;
        injected_after(&mut tables.skip_writes, &mut tables.fail_writes, "write")?;
        let id = record.id();
        if tables.by_id.contains_key(&id) {
            return Err(RepositoryError::Duplicate { id });
        }
        if tables.by_id.len() >= self.bookings_max {
            return Err(RepositoryError::Full {
                max: self.bookings_max,
            });
        }
        tables.check_key(record)?;
        tables.check_tickets(record)?;
        if let Some(key) = record.idempotency_key() {
            tables.by_key.insert(key.clone(), id);
        }
        tables.sync_tickets(record);
        tables.sync_pending(None, record);
        tables.by_user.entry(record.user()).or_default().push(id);
        tables.by_id.insert(id, record.clone());
        Ok(())
    }

    fn update(&self, record: &BookingRecord, expected_version: u64) -> Result<(), RepositoryError> {
        let mut tables = self.tables.lock();
        let tables = &mut *tables;
        injected_after(&mut tables.skip_writes, &mut tables.fail_writes, "write")?;
        let id = record.id();
        let stored = tables
            .by_id
            .get(&id)
            .ok_or(RepositoryError::NotFound { id })?
            .version();
        if stored != expected_version || record.version() <= stored {
            return Err(RepositoryError::VersionConflict {
                id,
                stored,
                expected: expected_version,
            });
        }
        tables.check_key(record)?;
        tables.check_tickets(record)?;
        if let Some(key) = record.idempotency_key() {
            tables.by_key.insert(key.clone(), id);
        }
        tables.sync_tickets(record);
        let previous = tables.by_id.insert(id, record.clone());
        tables.sync_pending(previous.as_ref(), record);
        Ok(())
    }

    fn get(&self, id: BookingId) -> Result<Option<BookingRecord>, RepositoryError> {
        let mut tables = self.tables.lock();
        injected(&mut tables.fail_reads, "read")?;
        Ok(tables.by_id.get(&id).cloned())
    }

    fn list_by_user(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        let mut tables = self.tables.lock();
        injected(&mut tables.fail_reads, "read")?;
        let Some(ids) = tables.by_user.get(&user) else {
            return Ok(Vec::new());
        };
        // Ids grow with time, and a user's list is appended in insert order: newest last.
        Ok(ids
            .iter()
            .rev()
            .take(limit)
            .filter_map(|id| tables.by_id.get(id).cloned())
            .collect())
    }

    fn find_by_idempotency_key(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<BookingRecord>, RepositoryError> {
        let mut tables = self.tables.lock();
        injected(&mut tables.fail_reads, "read")?;
        Ok(tables
            .by_key
            .get(key)
            .and_then(|id| tables.by_id.get(id))
            .cloned())
    }

    fn pending_expired(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        let mut tables = self.tables.lock();
        injected(&mut tables.fail_reads, "read")?;
        Ok(tables
            .pending
            .range(..(before, BookingId::new(0)))
            .take(limit)
            .filter_map(|(_, id)| tables.by_id.get(id).cloned())
            .collect())
    }
}
