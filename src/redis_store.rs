//! `RedisSeatStore`: the [`SeatStore`] contract on a shared Redis, for many service instances.
//!
//! # Data model (all keys of a show share the hash tag `{show:<id>}`)
//!
//! | key | value |
//! |---|---|
//! | `<prefix>{show:S}:seat:<i>` | `H<token>` (held, with a `PX` TTL ending at the hold's expiry), `B<token>` (booked), `X` (blocked); absent = available |
//! | `<prefix>{show:S}:token` | the fencing-token counter (`INCR`) |
//! | `<prefix>{show:S}:hold:<token>` | hash: owner, seats, created, expires (server ms), state |
//! | `<prefix>{show:S}:exp` | sorted set of live holds by expiry, read by `expire_due` |
//! | `<prefix>{show:S}:user:<owner>` | seats the user holds or booked (the per-user cap) |
//! | `<prefix>{show:S}:reports` | expired holds not yet reported (capped at `live_holds_max`) |
//!
//! Every operation that changes seats is one Lua script (`EVALSHA`), so it is atomic and one
//! round trip; a script first settles due expiries from the sorted set (at most
//! [`REDIS_SWEEP_MAX`] per call). Seats free themselves through Redis's own TTL even if nothing
//! runs. Time is **Redis's** clock (`TIME` inside the scripts); the `now` arguments are ignored,
//! and instants in results are translated to this process's monotonic clock.
//!
//! Confirm, release and extend compare the stored owner and the fencing token before writing,
//! so a holder paused past its TTL can never confirm (Kleppmann's fencing argument).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};
use redis::Script;

use crate::id::{FencingToken, HoldId, SeatId, ShowId, UserId};
use crate::inventory::{
    Confirmation, ExpiredHold, Hold, HoldPolicy, SeatConflict, SeatError, SeatMap, SeatStatus,
};
use crate::layout::SeatLayout;
use crate::store::{SeatStore, StoreError};

/// The most due holds one script settles; the rest are settled by the next call.
pub const REDIS_SWEEP_MAX: usize = 1_000;
/// How long resolved hold records are kept, for precise late errors.
pub const REDIS_RESOLVED_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// The most idle connections a store keeps.
pub const REDIS_IDLE_CONNECTIONS_MAX: usize = 32;

const PRELUDE: &str = r"
local B = KEYS[1]
local RETAIN = tonumber(ARGV[1])
local REPORTS_MAX = tonumber(ARGV[2])
local t0 = redis.call('TIME')
local NOW = tonumber(t0[1]) * 1000 + math.floor(tonumber(t0[2]) / 1000)
local function split(s)
  local out = {}
  for x in string.gmatch(s or '', '[^,]+') do out[#out + 1] = x end
  return out
end
local function seat(s) return B .. ':seat:' .. s end
local due = redis.call('ZRANGEBYSCORE', B .. ':exp', '-inf', NOW, 'LIMIT', 0, 1000)
for _, t in ipairs(due) do
  local hk = B .. ':hold:' .. t
  if redis.call('HGET', hk, 'state') == 'live' then
    local owner = redis.call('HGET', hk, 'owner')
    local seats = split(redis.call('HGET', hk, 'seats'))
    for _, s in ipairs(seats) do
      if redis.call('GET', seat(s)) == 'H' .. t then redis.call('DEL', seat(s)) end
    end
    redis.call('DECRBY', B .. ':user:' .. owner, #seats)
    redis.call('HSET', hk, 'state', 'expired')
    redis.call('PEXPIRE', hk, RETAIN)
    redis.call('RPUSH', B .. ':reports', t)
    redis.call('LTRIM', B .. ':reports', -REPORTS_MAX, -1)
  end
  redis.call('ZREM', B .. ':exp', t)
end
local function load(t, owner)
  local hk = B .. ':hold:' .. t
  local r = redis.call('HMGET', hk, 'owner', 'state', 'seats', 'created', 'expires')
  if not r[1] then return nil, {tostring(NOW), 'err', 'unknown'} end
  if r[1] ~= owner then return nil, {tostring(NOW), 'err', 'not_owner'} end
  return {hk = hk, owner = r[1], state = r[2], seats = split(r[3]), created = tonumber(r[4]),
          expires = tonumber(r[5]), raw = r[3]}, nil
end
local function state_err(h)
  return {tostring(NOW), 'err', h.state, tostring(h.expires)}
end
";

const HOLD: &str = r"
local owner, ttl, user_max, live_max, life = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local n = #ARGV - 7
local current = tonumber(redis.call('GET', B .. ':user:' .. owner) or '0')
if current + n > user_max then return {tostring(NOW), 'err', 'user_limit', tostring(current)} end
if redis.call('ZCARD', B .. ':exp') >= live_max then return {tostring(NOW), 'err', 'too_many_holds'} end
local keys = {}
for i = 8, #ARGV do keys[#keys + 1] = seat(ARGV[i]) end
local values = redis.call('MGET', unpack(keys))
local conflicts = {}
for i, v in ipairs(values) do
  if v then
    conflicts[#conflicts + 1] = ARGV[i + 7]
    conflicts[#conflicts + 1] = string.sub(v, 1, 1)
  end
end
if #conflicts > 0 then return {tostring(NOW), 'err', 'unavailable', unpack(conflicts)} end
local t = redis.call('INCR', B .. ':token')
local expires = NOW + ttl
local seats = {}
for i = 8, #ARGV do
  redis.call('SET', seat(ARGV[i]), 'H' .. t, 'PX', ttl)
  seats[#seats + 1] = ARGV[i]
end
local hk = B .. ':hold:' .. t
redis.call('HSET', hk, 'owner', owner, 'seats', table.concat(seats, ','), 'created', NOW,
           'expires', expires, 'state', 'live')
redis.call('PEXPIRE', hk, life + RETAIN)
redis.call('ZADD', B .. ':exp', expires, t)
redis.call('INCRBY', B .. ':user:' .. owner, n)
return {tostring(NOW), 'ok', tostring(t), tostring(expires)}
";

const CONFIRM: &str = r"
local t, owner = ARGV[3], ARGV[4]
local h, e = load(t, owner)
if e then return e end
if h.state ~= 'live' then return state_err(h) end
local keys, pairs_ = {}, {}
for _, s in ipairs(h.seats) do
  keys[#keys + 1] = seat(s)
  pairs_[#pairs_ + 1] = seat(s)
  pairs_[#pairs_ + 1] = 'B' .. t
end
for _, v in ipairs(redis.call('MGET', unpack(keys))) do
  if v ~= 'H' .. t then return {tostring(NOW), 'err', 'expired', tostring(h.expires)} end
end
-- MSET also clears the holds' TTLs: booked seats do not expire.
redis.call('MSET', unpack(pairs_))
redis.call('HSET', h.hk, 'state', 'confirmed')
redis.call('PERSIST', h.hk)
redis.call('ZREM', B .. ':exp', t)
return {tostring(NOW), 'ok', h.raw}
";

const RELEASE: &str = r"
local t, owner = ARGV[3], ARGV[4]
local h, e = load(t, owner)
if e then return e end
if h.state ~= 'live' then return state_err(h) end
for _, s in ipairs(h.seats) do
  if redis.call('GET', seat(s)) == 'H' .. t then redis.call('DEL', seat(s)) end
end
redis.call('HSET', h.hk, 'state', 'released')
redis.call('PEXPIRE', h.hk, RETAIN)
redis.call('ZREM', B .. ':exp', t)
redis.call('DECRBY', B .. ':user:' .. owner, #h.seats)
return {tostring(NOW), 'ok'}
";

const RELEASE_BOOKED: &str = r"
local t, owner = ARGV[3], ARGV[4]
local h, e = load(t, owner)
if e then return e end
if h.state == 'live' then return {tostring(NOW), 'err', 'not_confirmed'} end
if h.state ~= 'confirmed' then return state_err(h) end
for _, s in ipairs(h.seats) do
  if redis.call('GET', seat(s)) == 'B' .. t then redis.call('DEL', seat(s)) end
end
redis.call('HSET', h.hk, 'state', 'returned')
redis.call('PEXPIRE', h.hk, RETAIN)
redis.call('DECRBY', B .. ':user:' .. owner, #h.seats)
return {tostring(NOW), 'ok'}
";

const EXTEND: &str = r"
local t, owner, ttl, life = ARGV[3], ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local h, e = load(t, owner)
if e then return e end
if h.state ~= 'live' then return state_err(h) end
local max = h.created + life
if h.expires >= max then return {tostring(NOW), 'err', 'lifetime', tostring(max)} end
local new = math.min(NOW + ttl, max)
if new > h.expires then
  for _, s in ipairs(h.seats) do redis.call('PEXPIRE', seat(s), new - NOW) end
  redis.call('HSET', h.hk, 'expires', new)
  redis.call('ZADD', B .. ':exp', new, t)
  h.expires = new
end
return {tostring(NOW), 'ok', tostring(h.created), tostring(h.expires), h.raw}
";

const LIVE_HOLD: &str = r"
local t, owner = ARGV[3], ARGV[4]
local h, e = load(t, owner)
if e then return e end
if h.state ~= 'live' then return state_err(h) end
return {tostring(NOW), 'ok', tostring(h.created), tostring(h.expires), h.raw}
";

const EXPIRE_DUE: &str = r"
local reports = redis.call('LRANGE', B .. ':reports', 0, -1)
redis.call('DEL', B .. ':reports')
local out = {tostring(NOW), 'ok'}
for _, t in ipairs(reports) do
  local r = redis.call('HMGET', B .. ':hold:' .. t, 'owner', 'seats', 'expires')
  if r[1] then
    out[#out + 1] = t
    out[#out + 1] = r[1]
    out[#out + 1] = r[2]
    out[#out + 1] = r[3]
  end
end
return out
";

const NEXT_EXPIRY: &str = r"
local first = redis.call('ZRANGE', B .. ':exp', 0, 0, 'WITHSCORES')
return {tostring(NOW), 'ok', first[2] or ''}
";

#[derive(Debug)]
struct Scripts {
    hold: Script,
    confirm: Script,
    release: Script,
    release_booked: Script,
    extend: Script,
    live_hold: Script,
    expire_due: Script,
    next_expiry: Script,
}

impl Scripts {
    fn new() -> Scripts {
        let with = |body: &str| Script::new(&format!("{PRELUDE}\n{body}"));
        Scripts {
            hold: with(HOLD),
            confirm: with(CONFIRM),
            release: with(RELEASE),
            release_booked: with(RELEASE_BOOKED),
            extend: with(EXTEND),
            live_hold: with(LIVE_HOLD),
            expire_due: with(EXPIRE_DUE),
            next_expiry: with(NEXT_EXPIRY),
        }
    }
}

/// A reply: the server's clock, then `ok` or `err` and the rest.
struct Reply {
    server_ms: i64,
    local: Instant,
    ok: bool,
    fields: Vec<String>,
}

impl Reply {
    fn parse(raw: Vec<String>) -> Result<Reply, StoreError> {
        let local = Instant::now();
        let mut fields = raw.into_iter();
        let server_ms = fields
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| backend("malformed script reply"))?;
        let ok = fields.next().as_deref() == Some("ok");
        Ok(Reply {
            server_ms,
            local,
            ok,
            fields: fields.collect(),
        })
    }

    /// A server timestamp as an instant of this process.
    fn instant(&self, ms: i64) -> Instant {
        let delta = Duration::from_millis(ms.abs_diff(self.server_ms));
        if ms >= self.server_ms {
            self.local.checked_add(delta).unwrap_or(self.local)
        } else {
            self.local.checked_sub(delta).unwrap_or(self.local)
        }
    }

    fn field(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", String::as_str)
    }

    fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.field(i)
            .parse()
            .map_err(|_| backend("malformed number in script reply"))
    }
}

fn backend(message: impl Into<String>) -> StoreError {
    StoreError::Backend {
        message: message.into(),
    }
}

fn seats_of(list: &str) -> Result<Arc<[SeatId]>, StoreError> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<SeatId>()
                .map_err(|_| backend("malformed seat list"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Arc::from)
}

/// A [`SeatStore`] on Redis. `Send + Sync`; shares a small pool of connections; a connection
/// that failed is dropped, so the next call reconnects.
///
/// # Examples
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Instant;
/// use boxoffice::{HoldPolicy, RedisSeatStore, SeatLayout, SeatStore, ShowId, UserId};
///
/// let store = RedisSeatStore::connect("redis://127.0.0.1/", "boxoffice:", HoldPolicy::default())?;
/// let layout = Arc::new(SeatLayout::grid(10, 20)?);
/// store.add_show(ShowId::new(1), layout.clone())?;
/// let hold = store.hold(ShowId::new(1), UserId::new(1), &[layout.seat_id("C4").unwrap()], Instant::now())?;
/// store.confirm(hold.id(), UserId::new(1), Instant::now())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RedisSeatStore {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
    prefix: String,
    policy: HoldPolicy,
    shows: RwLock<HashMap<ShowId, Arc<SeatLayout>>>,
    scripts: Scripts,
}

impl std::fmt::Debug for RedisSeatStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSeatStore")
            .field("prefix", &self.prefix)
            .field("idle_connections", &self.idle.lock().len())
            .field("shows", &self.shows.read().len())
            .finish_non_exhaustive()
    }
}

impl RedisSeatStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1/`). Keys start with `prefix`, so several
    /// deployments (or tests) can share one server.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the URL is invalid or the server cannot be reached.
    pub fn connect(url: &str, prefix: &str, policy: HoldPolicy) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| backend(e.to_string()))?;
        let store = RedisSeatStore {
            client,
            idle: Mutex::new(Vec::new()),
            prefix: prefix.to_owned(),
            policy,
            shows: RwLock::new(HashMap::new()),
            scripts: Scripts::new(),
        };
        // Fail early on an unreachable server.
        store.with_connection(|con| redis::cmd("PING").query::<String>(con))?;
        Ok(store)
    }

    /// Registers a show's layout with this instance. Every instance serving the show registers
    /// the same layout; the seat state itself lives in Redis.
    ///
    /// # Errors
    ///
    /// [`StoreError::TooManyShows`] past [`IN_MEMORY_SHOWS_MAX`](crate::IN_MEMORY_SHOWS_MAX).
    pub fn add_show(&self, show: ShowId, layout: Arc<SeatLayout>) -> Result<(), StoreError> {
        let mut shows = self.shows.write();
        if shows.len() >= crate::store::IN_MEMORY_SHOWS_MAX && !shows.contains_key(&show) {
            return Err(StoreError::TooManyShows {
                max: crate::store::IN_MEMORY_SHOWS_MAX,
            });
        }
        shows.insert(show, layout);
        Ok(())
    }

    /// The policy this store enforces (the TTL, lifetime and limits are applied in Redis).
    #[must_use]
    pub fn policy(&self) -> &HoldPolicy {
        &self.policy
    }

    /// Deletes every key under this store's prefix, in batches (`SCAN`, then `DEL`), and
    /// returns how many it deleted: for tests, benchmarks and decommissioning a namespace.
    /// Every show under the prefix loses its seats, holds and tokens.
    ///
    /// # Errors
    ///
    /// [`StoreError::Backend`] when the server cannot be reached; keys deleted before the
    /// failure stay deleted.
    pub fn delete_all_keys(&self) -> Result<usize, StoreError> {
        let pattern = format!("{}*", self.prefix);
        let mut cursor = 0_u64;
        let mut deleted = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = self.with_connection(|con| {
                redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(500)
                    .query(con)
            })?;
            if !keys.is_empty() {
                deleted +=
                    self.with_connection(|con| redis::cmd("DEL").arg(&keys).query::<usize>(con))?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    /// The name this store's connections carry in `CLIENT LIST`: `boxoffice:<prefix>`.
    #[must_use]
    pub fn client_name(&self) -> String {
        let safe: String = self
            .prefix
            .chars()
            .map(|c| if c.is_ascii_graphic() { c } else { '_' })
            .collect();
        format!("boxoffice:{safe}")
    }

    /// The key prefix shared by every key of `show`: `<prefix>{show:<id>}`.
    #[must_use]
    pub fn show_key(&self, show: ShowId) -> String {
        format!("{}{{show:{show}}}", self.prefix)
    }

    fn with_connection<T>(
        &self,
        op: impl FnOnce(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().pop();
        let mut con = match idle {
            Some(con) => con,
            None => self.open_connection()?,
        };
        match op(&mut con) {
            Ok(value) => {
                let mut idle = self.idle.lock();
                if idle.len() < REDIS_IDLE_CONNECTIONS_MAX {
                    idle.push(con);
                }
                Ok(value)
            }
            // The connection may be broken, and so may its idle siblings (a server restart, a
            // CLIENT KILL): drop them all; the next call opens a fresh one.
            Err(err) => {
                self.idle.lock().clear();
                Err(backend(err.to_string()))
            }
        }
    }

    fn open_connection(&self) -> Result<redis::Connection, StoreError> {
        let mut con = self
            .client
            .get_connection_with_timeout(Duration::from_secs(2))
            .map_err(|e| backend(e.to_string()))?;
        con.set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| backend(e.to_string()))?;
        con.set_write_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| backend(e.to_string()))?;
        // Name the connection so operators (and the tests) can find it in CLIENT LIST.
        redis::cmd("CLIENT")
            .arg("SETNAME")
            .arg(self.client_name())
            .query::<()>(&mut con)
            .map_err(|e| backend(e.to_string()))?;
        Ok(con)
    }

    fn layout_of(&self, show: ShowId) -> Result<Arc<SeatLayout>, StoreError> {
        self.shows
            .read()
            .get(&show)
            .cloned()
            .ok_or(StoreError::UnknownShow { show })
    }

    fn run(&self, script: &Script, show: ShowId, args: &[String]) -> Result<Reply, StoreError> {
        self.layout_of(show)?;
        let retain = REDIS_RESOLVED_RETENTION.as_millis().to_string();
        let reports = self.policy.live_holds_max().to_string();
        let raw: Vec<String> = self.with_connection(|con| {
            let mut invocation = script.key(self.show_key(show));
            invocation.arg(&retain).arg(&reports);
            for arg in args {
                invocation.arg(arg);
            }
            invocation.invoke(con)
        })?;
        Reply::parse(raw)
    }

    fn hold_error(&self, hold: HoldId, reply: &Reply) -> StoreError {
        let seat_error = match reply.field(0) {
            "unknown" => SeatError::UnknownHold { hold },
            "not_owner" => SeatError::NotOwner { hold },
            "confirmed" => SeatError::AlreadyConfirmed { hold },
            "released" => SeatError::AlreadyReleased { hold },
            "returned" => SeatError::AlreadyReturned { hold },
            "not_confirmed" => SeatError::NotConfirmed { hold },
            "expired" => SeatError::Expired {
                hold,
                expired_at: reply.instant(reply.int(1).unwrap_or(reply.server_ms)),
            },
            "lifetime" => SeatError::LifetimeExhausted {
                hold,
                expires_at_max: reply.instant(reply.int(1).unwrap_or(reply.server_ms)),
            },
            other => return backend(format!("unexpected script error {other:?}")),
        };
        StoreError::Seat(seat_error)
    }

    fn hold_args(hold: HoldId, owner: UserId) -> Vec<String> {
        vec![hold.token().to_string(), owner.to_string()]
    }

    fn receipt(&self, hold: HoldId, owner: UserId, reply: &Reply) -> Result<Hold, StoreError> {
        Ok(Hold::new(
            hold,
            owner,
            seats_of(reply.field(2))?,
            reply.instant(reply.int(0)?),
            reply.instant(reply.int(1)?),
        ))
    }
}

impl SeatStore for RedisSeatStore {
    fn layout(&self, show: ShowId) -> Result<Arc<SeatLayout>, StoreError> {
        self.layout_of(show)
    }

    fn hold(
        &self,
        show: ShowId,
        owner: UserId,
        seats: &[SeatId],
        _now: Instant,
    ) -> Result<Hold, StoreError> {
        let layout = self.layout_of(show)?;
        crate::inventory::validate_seats(
            &layout,
            seats,
            usize::from(self.policy.seats_per_hold_max()),
        )?;
        let mut args = vec![
            owner.to_string(),
            self.policy.hold_ttl().as_millis().to_string(),
            self.policy.seats_per_user_max().to_string(),
            self.policy.live_holds_max().to_string(),
            self.policy.hold_lifetime_max().as_millis().to_string(),
        ];
        args.extend(seats.iter().map(ToString::to_string));
        let reply = self.run(&self.scripts.hold, show, &args)?;
        if !reply.ok {
            let error = match reply.field(0) {
                "user_limit" => SeatError::UserLimit {
                    user: owner,
                    requested: seats.len(),
                    current: u32::try_from(reply.int(1)?).unwrap_or(u32::MAX),
                    max: self.policy.seats_per_user_max(),
                },
                "too_many_holds" => SeatError::TooManyHolds {
                    max: self.policy.live_holds_max(),
                },
                "unavailable" => {
                    let mut conflicts = Vec::new();
                    for pair in reply.fields[1..].chunks(2) {
                        let seat = pair[0]
                            .parse::<SeatId>()
                            .map_err(|_| backend("malformed seat"))?;
                        let status = match pair.get(1).map(String::as_str) {
                            Some("H") => SeatStatus::Held,
                            Some("B") => SeatStatus::Booked,
                            _ => SeatStatus::Blocked,
                        };
                        conflicts.push(SeatConflict::new(seat, status));
                    }
                    SeatError::Unavailable { conflicts }
                }
                other => return Err(backend(format!("unexpected script error {other:?}"))),
            };
            return Err(error.into());
        }
        let token = reply
            .field(0)
            .parse::<FencingToken>()
            .map_err(|_| backend("malformed token"))?;
        Ok(Hold::new(
            HoldId::new(show, token),
            owner,
            Arc::from(seats),
            reply.instant(reply.server_ms),
            reply.instant(reply.int(1)?),
        ))
    }

    fn extend(&self, hold: HoldId, owner: UserId, _now: Instant) -> Result<Hold, StoreError> {
        let mut args = RedisSeatStore::hold_args(hold, owner);
        args.push(self.policy.hold_ttl().as_millis().to_string());
        args.push(self.policy.hold_lifetime_max().as_millis().to_string());
        let reply = self.run(&self.scripts.extend, hold.show(), &args)?;
        if !reply.ok {
            return Err(self.hold_error(hold, &reply));
        }
        self.receipt(hold, owner, &reply)
    }

    fn live_hold(&self, hold: HoldId, owner: UserId, _now: Instant) -> Result<Hold, StoreError> {
        let args = RedisSeatStore::hold_args(hold, owner);
        let reply = self.run(&self.scripts.live_hold, hold.show(), &args)?;
        if !reply.ok {
            return Err(self.hold_error(hold, &reply));
        }
        self.receipt(hold, owner, &reply)
    }

    fn confirm(
        &self,
        hold: HoldId,
        owner: UserId,
        _now: Instant,
    ) -> Result<Confirmation, StoreError> {
        let args = RedisSeatStore::hold_args(hold, owner);
        let reply = self.run(&self.scripts.confirm, hold.show(), &args)?;
        if !reply.ok {
            return Err(self.hold_error(hold, &reply));
        }
        Ok(Confirmation::new(hold, owner, seats_of(reply.field(0))?))
    }

    fn release(&self, hold: HoldId, owner: UserId, _now: Instant) -> Result<(), StoreError> {
        let args = RedisSeatStore::hold_args(hold, owner);
        let reply = self.run(&self.scripts.release, hold.show(), &args)?;
        if !reply.ok {
            return Err(self.hold_error(hold, &reply));
        }
        Ok(())
    }

    fn release_booked(&self, hold: HoldId, owner: UserId, _now: Instant) -> Result<(), StoreError> {
        let args = RedisSeatStore::hold_args(hold, owner);
        let reply = self.run(&self.scripts.release_booked, hold.show(), &args)?;
        if !reply.ok {
            return Err(self.hold_error(hold, &reply));
        }
        Ok(())
    }

    fn expire_due(&self, show: ShowId, _now: Instant) -> Result<Vec<ExpiredHold>, StoreError> {
        let reply = self.run(&self.scripts.expire_due, show, &[])?;
        let reports = reply.fields.len() / 4;
        let mut expired = Vec::with_capacity(reports);
        for i in 0..reports {
            let at = 4 * i;
            let token = reply
                .field(at)
                .parse::<FencingToken>()
                .map_err(|_| backend("malformed token"))?;
            let owner = reply
                .field(at + 1)
                .parse::<UserId>()
                .map_err(|_| backend("malformed owner"))?;
            expired.push(ExpiredHold::new(
                HoldId::new(show, token),
                owner,
                seats_of(reply.field(at + 2))?,
                reply.instant(reply.int(at + 3)?),
            ));
        }
        Ok(expired)
    }

    fn next_expiry(&self, show: ShowId) -> Result<Option<Instant>, StoreError> {
        let reply = self.run(&self.scripts.next_expiry, show, &[])?;
        if reply.field(0).is_empty() {
            return Ok(None);
        }
        // Sorted-set scores come back as decimal strings.
        let ms = reply
            .field(0)
            .parse::<f64>()
            .map_err(|_| backend("malformed expiry"))?;
        Ok(Some(reply.instant(ms as i64)))
    }

    fn seat_map(&self, show: ShowId, _now: Instant) -> Result<SeatMap, StoreError> {
        let layout = self.layout_of(show)?;
        let base = self.show_key(show);
        let keys: Vec<String> = (0..layout.capacity())
            .map(|i| format!("{base}:seat:{i}"))
            .collect();
        // One round trip, as MGET.
        let values: Vec<Option<String>> = self.with_connection(|con| {
            let mut cmd = redis::cmd("MGET");
            for key in &keys {
                cmd.arg(key);
            }
            cmd.query(con)
        })?;
        let statuses = values
            .iter()
            .map(|v| match v.as_deref().and_then(|s| s.chars().next()) {
                None => SeatStatus::Available,
                Some('H') => SeatStatus::Held,
                Some('B') => SeatStatus::Booked,
                Some(_) => SeatStatus::Blocked,
            })
            .collect();
        SeatMap::from_statuses(show, layout, statuses, 0).map_err(|e| backend(e.to_string()))
    }
}
