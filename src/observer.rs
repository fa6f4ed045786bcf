//! Notifications: [`BookingObserver`]s are told about committed transitions through a bounded
//! in-process [`Outbox`] with retry and exponential backoff.
//!
//! Observers run only after a transition is saved, never under a lock, and never on the
//! booking's critical path unless the host asks for immediate delivery. An observer that
//! returns an error or panics changes nothing about the booking: the failure is recorded and
//! the notification is retried later.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::booking::BookingRecord;
use crate::id::BookingId;

/// A committed booking transition that observers hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum BookingEvent {
    /// A booking was paid and confirmed.
    Confirmed,
    /// A booking was cancelled.
    Cancelled,
    /// A booking's hold expired before payment.
    Expired,
}

impl fmt::Display for BookingEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BookingEvent::Confirmed => "confirmed",
            BookingEvent::Cancelled => "cancelled",
            BookingEvent::Expired => "expired",
        })
    }
}

/// An observer's failure to handle a notification. The notification is retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("observer failed: {message}")]
pub struct ObserverError {
    message: String,
}

impl ObserverError {
    /// A failure with a message.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        ObserverError {
            message: message.into(),
        }
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Hears about committed booking transitions (e-mail, SMS, analytics). Each method defaults
/// to doing nothing.
///
/// # Examples
///
/// ```
/// use boxoffice::{BookingObserver, BookingRecord, ObserverError};
///
/// #[derive(Debug)]
/// struct Mailer;
///
/// impl BookingObserver for Mailer {
///     fn on_confirmed(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
///         println!("mail: booking {} confirmed", booking.id());
///         Ok(())
///     }
/// }
/// ```
pub trait BookingObserver: Send + Sync + fmt::Debug {
    /// A booking was confirmed.
    ///
    /// # Errors
    ///
    /// Any [`ObserverError`]; the notification is retried with backoff.
    fn on_confirmed(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        let _ = booking;
        Ok(())
    }

    /// A booking was cancelled.
    ///
    /// # Errors
    ///
    /// Any [`ObserverError`]; the notification is retried with backoff.
    fn on_cancelled(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        let _ = booking;
        Ok(())
    }

    /// A booking expired.
    ///
    /// # Errors
    ///
    /// Any [`ObserverError`]; the notification is retried with backoff.
    fn on_expired(&self, booking: &BookingRecord) -> Result<(), ObserverError> {
        let _ = booking;
        Ok(())
    }
}

/// How the outbox behaves.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use boxoffice::OutboxConfig;
///
/// let config = OutboxConfig::default();
/// assert_eq!(config.capacity, 10_000);
/// assert_eq!(config.backoff_base, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxConfig {
    /// The most undelivered notifications kept. Past it the oldest is dropped and counted.
    pub capacity: usize,
    /// The delay before the first retry; each further failure doubles it.
    pub backoff_base: Duration,
    /// The longest delay between retries.
    pub backoff_max: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            capacity: 10_000,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    observer: usize,
    event: BookingEvent,
    record: Arc<BookingRecord>,
    attempts: u32,
    due_at: Option<Instant>,
}

/// What one [`Outbox::deliver`] pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeliveryReport {
    /// Notifications delivered.
    pub delivered: usize,
    /// Observer calls that returned an error (retried later).
    pub failed: usize,
    /// Observer calls that panicked (caught; retried later).
    pub panicked: usize,
    /// Notifications still waiting after this pass.
    pub pending: usize,
}

/// Counters over an outbox's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    /// Notifications waiting.
    pub pending: usize,
    /// Delivered in all.
    pub delivered: u64,
    /// Failed attempts in all (errors and panics).
    pub failures: u64,
    /// Dropped because the outbox was full.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct Queue {
    entries: VecDeque<Entry>,
    stats: OutboxStats,
}

/// A bounded queue of notifications, one per observer per committed transition.
///
/// Delivery is at-least-once and, for one observer, in commit order per booking: a booking's
/// later event waits until its earlier one is delivered. Observers are called without any lock
/// held; concurrent `deliver` calls never hand the same notification to two callers.
#[derive(Debug)]
pub struct Outbox {
    observers: Vec<Arc<dyn BookingObserver>>,
    config: OutboxConfig,
    queue: Mutex<Queue>,
}

/// The most observers one outbox serves.
pub const OBSERVERS_MAX: usize = 32;

impl Outbox {
    /// An outbox for these observers (at most [`OBSERVERS_MAX`]; the rest are ignored).
    #[must_use]
    pub fn new(mut observers: Vec<Arc<dyn BookingObserver>>, config: OutboxConfig) -> Self {
        observers.truncate(OBSERVERS_MAX);
        Outbox {
            observers,
            config,
            queue: Mutex::default(),
        }
    }

    /// Whether any observer listens.
    #[must_use]
    pub fn has_observers(&self) -> bool {
        !self.observers.is_empty()
    }

    /// Queues `event` for every observer. Never calls an observer.
    pub fn publish(&self, event: BookingEvent, record: BookingRecord) {
        if self.observers.is_empty() {
            return;
        }
        let record = Arc::new(record);
        let mut queue = self.queue.lock();
        for observer in 0..self.observers.len() {
            if queue.entries.len() >= self.config.capacity.max(1) {
                queue.entries.pop_front();
                queue.stats.dropped += 1;
            }
            queue.entries.push_back(Entry {
                observer,
                event,
                record: record.clone(),
                attempts: 0,
                due_at: None,
            });
        }
    }

    /// Delivers every notification due at `now`: calls the observers (outside the lock,
    /// catching panics), drops the delivered ones and reschedules the failed ones with
    /// exponential backoff.
    pub fn deliver(&self, now: Instant) -> DeliveryReport {
        // Take out what is due, leaving behind anything ordered after an undue entry of the
        // same observer and booking.
        let taken: Vec<Entry> = {
            let mut queue = self.queue.lock();
            let mut blocked: HashSet<(usize, BookingId)> = HashSet::new();
            let mut keep = VecDeque::with_capacity(queue.entries.len());
            let mut taken = Vec::new();
            for entry in queue.entries.drain(..) {
                let pair = (entry.observer, entry.record.id());
                let due = entry.due_at.is_none_or(|at| at <= now);
                if due && !blocked.contains(&pair) {
                    taken.push(entry);
                } else {
                    blocked.insert(pair);
                    keep.push_back(entry);
                }
            }
            queue.entries = keep;
            taken
        };
        let mut report = DeliveryReport::default();
        let mut failed: Vec<Entry> = Vec::new();
        let mut failed_pairs: HashSet<(usize, BookingId)> = HashSet::new();
        for mut entry in taken {
            let pair = (entry.observer, entry.record.id());
            if failed_pairs.contains(&pair) {
                failed.push(entry);
                continue;
            }
            let observer = &self.observers[entry.observer];
            let record: &BookingRecord = &entry.record;
            let outcome = catch_unwind(AssertUnwindSafe(|| match entry.event {
                BookingEvent::Confirmed => observer.on_confirmed(record),
                BookingEvent::Cancelled => observer.on_cancelled(record),
                BookingEvent::Expired => observer.on_expired(record),
            }));
            match outcome {
                Ok(Ok(())) => {
                    report.delivered += 1;
                    continue;
                }
                Ok(Err(_)) => report.failed += 1,
                Err(_) => report.panicked += 1,
            }
            entry.attempts = entry.attempts.saturating_add(1);
            entry.due_at = Some(now + self.backoff(entry.attempts));
            failed_pairs.insert(pair);
            failed.push(entry);
        }
        let mut queue = self.queue.lock();
        queue.stats.delivered += report.delivered as u64;
        queue.stats.failures += (report.failed + report.panicked) as u64;
        // Failed entries go back in front, ahead of anything published meanwhile, keeping
        // each booking's events in order.
        for entry in failed.into_iter().rev() {
            queue.entries.push_front(entry);
        }
        while queue.entries.len() > self.config.capacity.max(1) {
            queue.entries.pop_back();
            queue.stats.dropped += 1;
        }
        report.pending = queue.entries.len();
        report
    }

    /// When the earliest waiting notification is due (`Some(now)`-like for never-tried ones),
    /// or `None` when nothing waits.
    #[must_use]
    pub fn next_due(&self, now: Instant) -> Option<Instant> {
        let queue = self.queue.lock();
        queue.entries.iter().map(|e| e.due_at.unwrap_or(now)).min()
    }

    /// Counters over the outbox's life.
    #[must_use]
    pub fn stats(&self) -> OutboxStats {
        let queue = self.queue.lock();
        OutboxStats {
            pending: queue.entries.len(),
            ..queue.stats
        }
    }

    fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1_u32 << attempts.saturating_sub(1).min(20);
        self.config
            .backoff_base
            .saturating_mul(factor)
            .min(self.config.backoff_max)
    }
}
