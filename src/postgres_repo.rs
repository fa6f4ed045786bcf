//! `PostgresBookingRepository`: the [`BookingRepository`] contract on PostgreSQL.
//!
//! Built on the synchronous `postgres` crate: the trait is synchronous, and a blocking client
//! behind a small pool keeps the crate free of an async runtime in its public API.
//!
//! # Schema (embedded, versioned migrations, applied at start-up, idempotent)
//!
//! - `bookings`: one row per booking, with the runtime record as JSON, its status and version
//!   (updates are compare-and-set on the version);
//! - `tickets`: one row per booked seat; **`UNIQUE (show_id, seat_id) WHERE live`** is the last
//!   line of defence: even if every lock above it failed, the database refuses a second sale,
//!   reported as [`RepositoryError::SeatAlreadySold`];
//! - `refunds`: one row per refund, by its idempotency key;
//! - `idempotency_keys`: unique keys, each owned by one booking;
//! - `schema_migrations`: which migrations ran.
//!
//! A confirmed booking and its tickets are written in one transaction. Ids are stored as
//! `BIGINT` by bit-casting `u64`, so every id round-trips.

use parking_lot::Mutex;
use postgres::{Client, NoTls};

use crate::booking::{BookingRecord, BookingStatus, IdempotencyKey};
use crate::id::{BookingId, SeatId, ShowId, UserId};
use crate::repository::{BookingRepository, RepositoryError};

/// The most idle connections a repository keeps.
pub const POSTGRES_IDLE_CONNECTIONS_MAX: usize = 16;

/// The migrations, in order. Never edit one that shipped; add a new one.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        r"
CREATE SEQUENCE IF NOT EXISTS booking_ids;
CREATE TABLE IF NOT EXISTS bookings (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    show_id     BIGINT NOT NULL,
    status      TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
    record_json TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS bookings_by_user ON bookings (user_id, id DESC);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key        TEXT PRIMARY KEY,
    booking_id BIGINT NOT NULL UNIQUE REFERENCES bookings (id)
);
CREATE TABLE IF NOT EXISTS tickets (
    booking_id BIGINT  NOT NULL REFERENCES bookings (id),
    show_id    BIGINT  NOT NULL,
    seat_id    INT     NOT NULL,
    live       BOOLEAN NOT NULL,
    PRIMARY KEY (booking_id, seat_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS tickets_one_live_sale ON tickets (show_id, seat_id) WHERE live;
CREATE TABLE IF NOT EXISTS refunds (
    key        TEXT PRIMARY KEY,
    booking_id BIGINT  NOT NULL REFERENCES bookings (id),
    amount     TEXT    NOT NULL,
    currency   TEXT    NOT NULL,
    done       BOOLEAN NOT NULL
);
",
    ),
    (
        2,
        r"
ALTER TABLE bookings ADD COLUMN IF NOT EXISTS hold_expires_ms BIGINT;
CREATE INDEX IF NOT EXISTS bookings_pending_expiry ON bookings (hold_expires_ms)
    WHERE hold_expires_ms IS NOT NULL;
",
    ),
];

fn unavailable(err: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Unavailable {
        message: err.to_string(),
    }
}

fn to_db(id: u64) -> i64 {
    // A bit cast: every u64 maps to one i64 and back.
    id as i64
}

fn from_db(id: i64) -> u64 {
    id as u64
}

/// A pending booking's hold-expiry estimate in ms, `None` for every other status.
fn pending_expiry_ms(record: &BookingRecord) -> Option<i64> {
    match record {
        BookingRecord::Pending(booking) => Some(booking.hold_expires_at().timestamp_millis()),
        _ => None,
    }
}

fn is_unique_violation(err: &postgres::Error, constraint: &str) -> bool {
    err.as_db_error().is_some_and(|db| {
        db.code() == &postgres::error::SqlState::UNIQUE_VIOLATION
            && db.constraint() == Some(constraint)
    })
}

/// A [`BookingRepository`] on PostgreSQL. `Send + Sync`; a broken connection is dropped and
/// the next call reconnects.
///
/// # Examples
///
/// ```no_run
/// use boxoffice::{BookingRepository, PostgresBookingRepository};
///
/// let repo = PostgresBookingRepository::connect("postgres://postgres@127.0.0.1/test", "boxoffice")?;
/// let id = repo.next_id()?;
/// # Ok::<(), boxoffice::RepositoryError>(())
/// ```
pub struct PostgresBookingRepository {
    url: String,
    schema: String,
    idle: Mutex<Vec<Client>>,
}

impl std::fmt::Debug for PostgresBookingRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBookingRepository")
            .field("schema", &self.schema)
            .field("idle_connections", &self.idle.lock().len())
            .finish_non_exhaustive()
    }
}

impl PostgresBookingRepository {
    /// Connects, creates `schema` if needed and applies the pending migrations (safe to run
    /// from several instances at once: they serialise on an advisory lock).
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`] when the server cannot be reached, or the schema name
    /// is not 1 to 48 lower-case ASCII letters, digits and underscores.
    pub fn connect(url: &str, schema: &str) -> Result<Self, RepositoryError> {
        let valid = !schema.is_empty()
            && schema.len() <= 48
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(unavailable(format!("invalid schema name {schema:?}")));
        }
        let repo = PostgresBookingRepository {
            url: url.to_owned(),
            schema: schema.to_owned(),
            idle: Mutex::new(Vec::new()),
        };
        repo.with_client(|client| repo.migrate(client))?;
        Ok(repo)
    }

    /// The schema holding the tables.
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.schema
    }

    fn open(&self) -> Result<Client, RepositoryError> {
        let mut client = Client::connect(&self.url, NoTls).map_err(unavailable)?;
        client
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {0}; SET search_path TO {0}",
                self.schema
            ))
            .map_err(unavailable)?;
        Ok(client)
    }

    fn migrate(&self, client: &mut Client) -> Result<(), RepositoryError> {
        let mut tx = client.transaction().map_err(unavailable)?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1)::bigint)",
            &[&self.schema],
        )
        .map_err(unavailable)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY)")
            .map_err(unavailable)?;
        for (version, sql) in MIGRATIONS {
            let done = tx
                .query_opt(
                    "SELECT 1 FROM schema_migrations WHERE version = $1",
                    &[version],
                )
                .map_err(unavailable)?
                .is_some();
            if !done {
                tx.batch_execute(sql).map_err(unavailable)?;
                tx.execute(
                    "INSERT INTO schema_migrations (version) VALUES ($1)",
                    &[version],
                )
                .map_err(unavailable)?;
            }
        }
        tx.commit().map_err(unavailable)
    }

    fn with_client<T>(
        &self,
        op: impl FnOnce(&mut Client) -> Result<T, RepositoryError>,
    ) -> Result<T, RepositoryError> {
        let idle = self.idle.lock().pop();
        let mut client = match idle {
            Some(client) if !client.is_closed() => client,
            _ => self.open()?,
        };
        let result = op(&mut client);
        let healthy =
            !client.is_closed() && !matches!(result, Err(RepositoryError::Unavailable { .. }));
        if healthy {
            let mut idle = self.idle.lock();
            if idle.len() < POSTGRES_IDLE_CONNECTIONS_MAX {
                idle.push(client);
            }
        }
        result
    }

    fn decode(json: &str) -> Result<BookingRecord, RepositoryError> {
        serde_json::from_str(json).map_err(|e| unavailable(format!("corrupt booking record: {e}")))
    }

    /// Writes a booking's tickets, refunds and idempotency key to match its record.
    fn sync_children(
        tx: &mut postgres::Transaction<'_>,
        record: &BookingRecord,
    ) -> Result<(), RepositoryError> {
        let id = to_db(record.id().get());
        if let Some(key) = record.idempotency_key() {
            tx.execute(
                "INSERT INTO idempotency_keys (key, booking_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key.as_str(), &id],
            )
            .map_err(unavailable)?;
            let owner: i64 = tx
                .query_one(
                    "SELECT booking_id FROM idempotency_keys WHERE key = $1",
                    &[&key.as_str()],
                )
                .map_err(unavailable)?
                .get(0);
            if owner != id {
                return Err(RepositoryError::KeyConflict {
                    key: key.clone(),
                    owner: BookingId::new(from_db(owner)),
                });
            }
        }
        match record.status() {
            BookingStatus::Confirmed => {
                for seat in record.seats() {
                    let seat_id = i32::try_from(seat.index()).map_err(unavailable)?;
                    let show = to_db(record.show().get());
                    let inserted = tx.execute(
                        "INSERT INTO tickets (booking_id, show_id, seat_id, live) VALUES ($1, $2, $3, true)
                         ON CONFLICT (booking_id, seat_id) DO UPDATE SET live = true",
                        &[&id, &show, &seat_id],
                    );
                    match inserted {
                        Ok(_) => {}
                        Err(err) if is_unique_violation(&err, "tickets_one_live_sale") => {
                            return Err(RepositoryError::SeatAlreadySold {
                                show: record.show(),
                                seat: *seat,
                            });
                        }
                        Err(err) => return Err(unavailable(err)),
                    }
                }
            }
            BookingStatus::Cancelled | BookingStatus::Expired => {
                tx.execute(
                    "UPDATE tickets SET live = false WHERE booking_id = $1",
                    &[&id],
                )
                .map_err(unavailable)?;
            }
            _ => {}
        }
        for refund in record.refunds() {
            tx.execute(
                "INSERT INTO refunds (key, booking_id, amount, currency, done) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (key) DO UPDATE SET done = EXCLUDED.done",
                &[
                    &refund.key().as_str(),
                    &id,
                    &refund.amount().amount().to_string(),
                    &refund.amount().currency().code(),
                    &refund.is_done(),
                ],
            )
            .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Live tickets of `show` as `(seat, booking)` pairs, for audits and tests.
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Unavailable`].
    pub fn live_tickets(&self, show: ShowId) -> Result<Vec<(SeatId, BookingId)>, RepositoryError> {
        self.with_client(|client| {
            let rows = client
                .query(
                    "SELECT seat_id, booking_id FROM tickets WHERE show_id = $1 AND live ORDER BY seat_id",
                    &[&to_db(show.get())],
                )
                .map_err(unavailable)?;
            Ok(rows
                .iter()
                .map(|row| {
                    let seat: i32 = row.get(0);
                    let booking: i64 = row.get(1);
                    (
                        SeatId::new(u32::try_from(seat).unwrap_or(u32::MAX)),
                        BookingId::new(from_db(booking)),
                    )
                })
                .collect())
        })
    }
}

impl BookingRepository for PostgresBookingRepository {
    fn next_id(&self) -> Result<BookingId, RepositoryError> {
        self.with_client(|client| {
            let id: i64 = client
                .query_one("SELECT nextval('booking_ids')", &[])
                .map_err(unavailable)?
                .get(0);
            Ok(BookingId::new(from_db(id)))
        })
    }

    fn insert(&self, record: &BookingRecord) -> Result<(), RepositoryError> {
        let json = serde_json::to_string(record).map_err(unavailable)?;
        self.with_client(|client| {
            let mut tx = client.transaction().map_err(unavailable)?;
            let inserted = tx.execute(
                "INSERT INTO bookings (id, user_id, show_id, status, version, created_ms, record_json, hold_expires_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &to_db(record.id().get()),
                    &to_db(record.user().get()),
                    &to_db(record.show().get()),
                    &record.status().to_string(),
                    &to_db(record.version()),
                    &record.created_at().timestamp_millis(),
                    &json,
                    &pending_expiry_ms(record),
                ],
            );
            match inserted {
                Ok(_) => {}
                Err(err) if is_unique_violation(&err, "bookings_pkey") => {
                    return Err(RepositoryError::Duplicate { id: record.id() });
                }
                Err(err) => return Err(unavailable(err)),
            }
            PostgresBookingRepository::sync_children(&mut tx, record)?;
            tx.commit().map_err(unavailable)
        })
    }

    fn update(&self, record: &BookingRecord, expected_version: u64) -> Result<(), RepositoryError> {
        let json = serde_json::to_string(record).map_err(unavailable)?;
        self.with_client(|client| {
            let mut tx = client.transaction().map_err(unavailable)?;
            let id = to_db(record.id().get());
            let changed = tx
                .execute(
                    "UPDATE bookings SET status = $2, version = $3, record_json = $4, hold_expires_ms = $6
                     WHERE id = $1 AND version = $5 AND version < $3",
                    &[
                        &id,
                        &record.status().to_string(),
                        &to_db(record.version()),
                        &json,
                        &to_db(expected_version),
                        &pending_expiry_ms(record),
                    ],
                )
                .map_err(unavailable)?;
            if changed == 0 {
                let stored = tx
                    .query_opt("SELECT version FROM bookings WHERE id = $1", &[&id])
                    .map_err(unavailable)?;
                return Err(match stored {
                    None => RepositoryError::NotFound { id: record.id() },
                    Some(row) => RepositoryError::VersionConflict {
                        id: record.id(),
                        stored: from_db(row.get(0)),
                        expected: expected_version,
                    },
                });
            }
            PostgresBookingRepository::sync_children(&mut tx, record)?;
            tx.commit().map_err(unavailable)
        })
    }

    fn get(&self, id: BookingId) -> Result<Option<BookingRecord>, RepositoryError> {
        self.with_client(|client| {
            let row = client
                .query_opt(
                    "SELECT record_json FROM bookings WHERE id = $1",
                    &[&to_db(id.get())],
                )
                .map_err(unavailable)?;
            row.map(|row| PostgresBookingRepository::decode(row.get(0)))
                .transpose()
        })
    }

    fn list_by_user(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_client(|client| {
            client
                .query(
                    "SELECT record_json FROM bookings WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
                    &[&to_db(user.get()), &limit],
                )
                .map_err(unavailable)?
                .iter()
                .map(|row| PostgresBookingRepository::decode(row.get(0)))
                .collect()
        })
    }

    fn find_by_idempotency_key(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<BookingRecord>, RepositoryError> {
        self.with_client(|client| {
            let row = client
                .query_opt(
                    "SELECT b.record_json FROM idempotency_keys k JOIN bookings b ON b.id = k.booking_id
                     WHERE k.key = $1",
                    &[&key.as_str()],
                )
                .map_err(unavailable)?;
            row.map(|row| PostgresBookingRepository::decode(row.get(0)))
                .transpose()
        })
    }

    fn pending_expired(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<BookingRecord>, RepositoryError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_client(|client| {
            client
                .query(
                    "SELECT record_json FROM bookings WHERE hold_expires_ms < $1
                     ORDER BY hold_expires_ms LIMIT $2",
                    &[&before.timestamp_millis(), &limit],
                )
                .map_err(unavailable)?
                .iter()
                .map(|row| PostgresBookingRepository::decode(row.get(0)))
                .collect()
        })
    }
}
