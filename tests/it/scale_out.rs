//! Scale-out adapters against real servers: Redis (`--features redis`,
//! `BOXOFFICE_REDIS_URL`) and PostgreSQL (`--features postgres`, `BOXOFFICE_POSTGRES_URL`).
//! With a variable unset, each test prints one line saying so instead of passing silently.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

/// The Redis URL, or `None` after printing why the test does not run.
pub(crate) fn redis_url() -> Option<String> {
    let url = std::env::var("BOXOFFICE_REDIS_URL").ok();
    if url.is_none() {
        println!("skipped: BOXOFFICE_REDIS_URL is not set (see README, Scale-out)");
    }
    url
}

/// The PostgreSQL URL, or `None` after printing why the test does not run.
pub(crate) fn postgres_url() -> Option<String> {
    let url = std::env::var("BOXOFFICE_POSTGRES_URL").ok();
    if url.is_none() {
        println!("skipped: BOXOFFICE_POSTGRES_URL is not set (see README, Scale-out)");
    }
    url
}

/// A key prefix / schema name no other test run uses.
pub(crate) fn unique_prefix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("bxtest_{}_{nanos}_", std::process::id())
}

/// Several `BookingService` instances in one process, each with its own connections, sharing
/// one Redis and one PostgreSQL, as separate servers behind a load balancer would.
#[cfg(all(feature = "redis", feature = "postgres"))]
mod cross_instance {
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    use boxoffice::*;
    use chrono::{FixedOffset, TimeDelta};

    use super::{postgres_url, redis_url, unique_prefix};

    const SHOW: ShowId = ShowId::new(1);

    type Instance = BookingService<
        Arc<RedisSeatStore>,
        Arc<InMemoryPaymentGateway>,
        Arc<PostgresBookingRepository>,
        SystemClock,
    >;

    struct Cluster {
        instances: Vec<Arc<Instance>>,
        gateway: Arc<InMemoryPaymentGateway>,
        redis_url: String,
        pg_url: String,
        prefix: String,
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            if let Some(any) = self.instances.first() {
                let _ = any.store().delete_all_keys();
            }
            super::cleanup_postgres(&self.pg_url, self.prefix.trim_end_matches('_'));
        }
    }

    fn cluster(instances: usize, ttl: Duration) -> Option<Cluster> {
        cluster_with(instances, ttl, ServiceConfig::default())
    }

    fn cluster_with(instances: usize, ttl: Duration, config: ServiceConfig) -> Option<Cluster> {
        let (redis_url, pg_url) = (redis_url()?, postgres_url()?);
        let prefix = unique_prefix();
        let schema = prefix.trim_end_matches('_').to_owned();
        let layout = Arc::new(SeatLayout::grid(2, 10).unwrap());
        let policy = HoldPolicy::builder()
            .hold_ttl(ttl)
            .hold_lifetime_max(ttl * 2)
            .seats_per_user_max(20)
            .build()
            .unwrap();
        // The payment provider is one external service.
        let gateway = Arc::new(InMemoryPaymentGateway::new());
        let starts = SystemClock.wall_now() + TimeDelta::days(3);
        let info = ShowInfo::builder(
            SHOW,
            starts,
            FixedOffset::east_opt(0).unwrap(),
            Currency::EUR,
        )
        .build();
        let instances = (0..instances)
            .map(|_| {
                let store =
                    Arc::new(RedisSeatStore::connect(&redis_url, &prefix, policy.clone()).unwrap());
                store.add_show(SHOW, layout.clone()).unwrap();
                let repo = Arc::new(PostgresBookingRepository::connect(&pg_url, &schema).unwrap());
                let pricing =
                    SeatKindPricing::new(Money::parse("12.00", Currency::EUR).unwrap()).unwrap();
                let service = BookingService::builder(store, gateway.clone(), repo, SystemClock)
                    .config(config)
                    .build(pricing);
                service.add_show(info.clone()).unwrap();
                Arc::new(service)
            })
            .collect();
        Some(Cluster {
            instances,
            gateway,
            redis_url,
            pg_url,
            prefix,
        })
    }

    #[test]
    fn instances_racing_for_overlapping_seats_never_sell_one_twice() {
        let Some(cluster) = cluster(2, Duration::from_millis(800)) else {
            return;
        };
        // Two instances, two threads each, racing for neighbouring pairs of 20 seats.
        let handles: Vec<_> = (0..4_u64)
            .map(|t| {
                let service = cluster.instances[(t % 2) as usize].clone();
                thread::spawn(move || {
                    let mut mine = Vec::new();
                    for i in 0..30_u64 {
                        let first = ((t * 7 + i * 3) % 19) as u32;
                        let seats = [SeatId::new(first), SeatId::new(first + 1)];
                        let user = UserId::new(t * 100 + i);
                        let Ok(pending) = service.start_booking(user, SHOW, &seats) else {
                            continue;
                        };
                        let key = IdempotencyKey::new(format!("t{t}-{i}")).unwrap();
                        if service
                            .complete_booking(pending.id(), user, PaymentMethod::new("tok"), key)
                            .is_ok()
                        {
                            mine.push(pending.id());
                        }
                    }
                    mine
                })
            })
            .collect();
        let confirmed: Vec<BookingId> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        assert!(!confirmed.is_empty());
        let any = &cluster.instances[0];

        // No seat sold twice, checked in PostgreSQL.
        let repo = any.repository();
        let tickets = repo.live_tickets(SHOW).unwrap();
        let seats: HashSet<SeatId> = tickets.iter().map(|(seat, _)| *seat).collect();
        assert_eq!(seats.len(), tickets.len(), "a seat has two live tickets");
        assert_eq!(tickets.len(), confirmed.len() * 2);

        // Every charge is a confirmed booking.
        let mut total = Money::zero(Currency::EUR);
        for id in &confirmed {
            let record = repo.get(*id).unwrap().unwrap();
            assert_eq!(record.status(), BookingStatus::Confirmed);
            total = total.checked_add(record.quote().total()).unwrap();
        }
        let net = cluster
            .gateway
            .charged_total(Currency::EUR)
            .checked_sub(cluster.gateway.refunded_total(Currency::EUR))
            .unwrap();
        assert_eq!(net, total);

        // Redis agrees, and holds nothing past its TTL.
        thread::sleep(Duration::from_millis(900));
        let map = any.store().seat_map(SHOW, Instant::now()).unwrap();
        assert_eq!(map.counts().booked() as usize, tickets.len());
        assert_eq!(map.counts().held(), 0, "a hold outlived its TTL");
    }

    #[test]
    fn a_stale_holder_cannot_confirm_after_its_ttl_and_postgres_shows_one_sale() {
        let Some(cluster) = cluster(2, Duration::from_millis(1_000)) else {
            return;
        };
        let (a, b) = (&cluster.instances[0], &cluster.instances[1]);
        let seats = [SeatId::new(4), SeatId::new(5)];
        let (alice, bob) = (UserId::new(1), UserId::new(2));
        let stale = a.start_booking(alice, SHOW, &seats).unwrap();
        // Alice's server pauses past the TTL; Bob, on the other server, buys the seats.
        thread::sleep(Duration::from_millis(1_100));
        let fresh = b.start_booking(bob, SHOW, &seats).unwrap();
        assert!(fresh.hold().token() > stale.hold().token());
        b.complete_booking(
            fresh.id(),
            bob,
            PaymentMethod::new("tok"),
            "bob".parse().unwrap(),
        )
        .unwrap();
        // Alice wakes up with her old token: the store refuses it...
        let err = a
            .store()
            .confirm(stale.hold(), alice, Instant::now())
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Seat(SeatError::Expired { .. })),
            "{err:?}"
        );
        // ...and so does the service, before charging.
        let err = a
            .complete_booking(
                stale.id(),
                alice,
                PaymentMethod::new("tok"),
                "alice".parse().unwrap(),
            )
            .unwrap_err();
        assert_eq!(
            err,
            Rejection::HoldExpired {
                booking: stale.id()
            }
            .into()
        );
        let tickets = a.repository().live_tickets(SHOW).unwrap();
        assert_eq!(
            tickets,
            vec![(SeatId::new(4), fresh.id()), (SeatId::new(5), fresh.id())]
        );
        assert_eq!(
            cluster.gateway.charged_total(Currency::EUR),
            Money::parse("24.00", Currency::EUR).unwrap()
        );
    }

    #[test]
    fn a_surviving_instance_expires_the_bookings_of_a_dead_one() {
        let config = ServiceConfig {
            foreign_expiry_grace: TimeDelta::milliseconds(100),
            ..ServiceConfig::default()
        };
        let Some(cluster) = cluster_with(2, Duration::from_millis(300), config) else {
            return;
        };
        let (dead, survivor) = (&cluster.instances[0], &cluster.instances[1]);
        let orphan = dead
            .start_booking(UserId::new(1), SHOW, &[SeatId::new(7)])
            .unwrap();
        // The first server dies with the booking pending; the survivor never saw it.
        thread::sleep(Duration::from_millis(500));
        assert_eq!(survivor.expire_due().unwrap().expired, 1);
        let record = survivor.repository().get(orphan.id()).unwrap().unwrap();
        assert_eq!(record.status(), BookingStatus::Expired);
        let map = survivor.store().seat_map(SHOW, Instant::now()).unwrap();
        assert_eq!(map.status(SeatId::new(7)), Some(SeatStatus::Available));
    }

    #[test]
    fn a_dropped_redis_connection_is_a_typed_error_and_the_next_call_reconnects() {
        let Some(cluster) = cluster(1, Duration::from_secs(5)) else {
            return;
        };
        let store = cluster.instances[0].store().clone();
        let now = Instant::now;
        store
            .hold(SHOW, UserId::new(1), &[SeatId::new(0)], now())
            .unwrap();
        let before = store.seat_map(SHOW, now()).unwrap();
        // Kill every connection the store has open, as a failover or an operator would.
        let admin = redis::Client::open(cluster.redis_url.as_str()).unwrap();
        let mut admin = admin.get_connection().unwrap();
        let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
        let name = format!("name={} ", store.client_name());
        for line in list.lines().filter(|l| l.contains(&name)) {
            let id = line
                .split_whitespace()
                .find_map(|f| f.strip_prefix("id="))
                .unwrap();
            let _: redis::RedisResult<i64> = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("ID")
                .arg(id)
                .query(&mut admin);
        }
        let err = store
            .hold(SHOW, UserId::new(2), &[SeatId::new(1)], now())
            .unwrap_err();
        assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
        // The next call reconnects, and the failed hold changed nothing.
        let after = store.seat_map(SHOW, now()).unwrap();
        assert_eq!(after.statuses(), before.statuses());
        store
            .hold(SHOW, UserId::new(2), &[SeatId::new(1)], now())
            .unwrap();
    }
}

/// Drops the schema a test created.
#[cfg(feature = "postgres")]
pub(crate) fn cleanup_postgres(url: &str, schema: &str) {
    if let Ok(mut client) = postgres::Client::connect(url, postgres::NoTls) {
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    }
}
