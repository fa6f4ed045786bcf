//! Runs the blockbuster on-sale simulation (the `blockbuster` example) with small parameters
//! and requires every verification to pass.

#[path = "../../examples/blockbuster.rs"]
mod sim;

#[test]
fn a_small_on_sale_sells_out_and_verifies() {
    let config = sim::Config {
        users: 600,
        shows: 2,
        seats: 60,
        threads: 3,
        abandon: 0.3,
        decline: 0.1,
        seed: 11,
        ttl_ms: 30,
        progress: false,
    };
    let mut log = Vec::new();
    let report = sim::run(&config, &mut log);
    for (check, ok) in &report.checks {
        assert!(ok, "verification failed: {check}");
    }
    assert!(report.ok());
    assert_eq!(report.capacity, 120);
    assert_eq!(report.sold, 120, "600 eager buyers sell out 120 seats");
    assert!(report.sold_out_after.is_some());
    assert!(report.declined > 0, "some cards were declined");
}
