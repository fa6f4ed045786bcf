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
