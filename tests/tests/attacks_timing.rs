#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attacks whose effect is time (issue 10, attack 2: a flood that would fill the
//! hashing queue; and what the timing of a login tells). They compare latencies within
//! one run, so they run one at a time, alone in this binary.

use std::{sync::Arc, time::Instant};

use e2e_tests::{logins_together, sqlite, test_settings, throttle_backends};
use serde_json::json;
use tokio::sync::Barrier;

/// Held by each test for its whole run: latencies measured side by side with another
/// test's hashing would measure the other test.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_02_one_address_cannot_fill_the_hash_queue() {
    let _alone = ALONE.lock().await;
    for (backend, settings) in throttle_backends(test_settings()) {
        let h = Arc::new(sqlite(settings).await);
        h.register("legit", "testpass123").await;
        let mut quiet = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            assert_eq!(
                h.obtain_from("legit", "testpass123", "10.9.9.9").await.0,
                200
            );
            quiet.push(start.elapsed());
        }
        quiet.sort();
        let quiet = quiet[2];
        // 250 junk logins from one address, and meanwhile a login from another.
        let flood = tokio::spawn({
            let h = h.clone();
            async move {
                let attempts = (0..250)
                    .map(|i| (format!("junk-{i}"), "junk-password".to_owned()))
                    .collect();
                logins_together(&h, "10.0.0.3", attempts).await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let start = Instant::now();
        let (status, _) = h.obtain_from("legit", "testpass123", "10.9.9.9").await;
        let during = start.elapsed();
        let statuses = flood.await.unwrap();
        assert_eq!(
            status, 200,
            "[{backend}] the legitimate login during the flood"
        );
        let refused = statuses.iter().filter(|s| **s == 429).count();
        assert!(
            refused >= 200,
            "[{backend}] the flood's address is capped: only {refused} of 250 refused"
        );
        // Quiet latency is a few milliseconds here; without the caps this login
        // waited behind 250 hashes.
        let bound = quiet * 4 + std::time::Duration::from_millis(300);
        assert!(
            during <= bound,
            "[{backend}] login during the flood took {during:?} (quiet {quiet:?}, bound {bound:?})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_02_registrations_cannot_fill_the_hash_queue_either() {
    let _alone = ALONE.lock().await;
    let mut settings = test_settings();
    settings.throttle.num_proxies = Some(1);
    let h = Arc::new(sqlite(settings).await);
    h.register("legit", "testpass123").await;
    let mut quiet = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        assert_eq!(
            h.obtain_from("legit", "testpass123", "10.9.9.9").await.0,
            200
        );
        quiet.push(start.elapsed());
    }
    quiet.sort();
    let quiet = quiet[2];
    let barrier = Arc::new(Barrier::new(250));
    let flood: Vec<_> = (0..250)
        .map(|i| {
            let (h, barrier) = (h.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                h.call(
                    "POST",
                    "/api/accounts/register/",
                    Some(json!({"username": format!("flood{i}"), "password": "flood-pass-123"})),
                    &[("x-forwarded-for", "10.0.0.7")],
                )
                .await
                .status
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let start = Instant::now();
    let (status, _) = h.obtain_from("legit", "testpass123", "10.9.9.9").await;
    let during = start.elapsed();
    let mut statuses = Vec::new();
    for t in flood {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(status, 200);
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        refused >= 200,
        "only {refused} of 250 registrations refused: {statuses:?}"
    );
    let bound = quiet * 4 + std::time::Duration::from_millis(300);
    assert!(
        during <= bound,
        "login during the flood took {during:?} (quiet {quiet:?})"
    );
}

#[tokio::test]
async fn unknown_usernames_cost_a_hash_too() {
    let _alone = ALONE.lock().await;
    // At the default argon2 cost the hash dominates a login; an unknown username must
    // not answer visibly sooner, or the timing would tell which accounts exist.
    let mut settings = test_settings();
    settings.password = auth_runtime::settings::PasswordSettings::default();
    settings.throttle.num_proxies = Some(1);
    let h = sqlite(settings).await;
    h.register("known", "testpass123").await;
    let timings = |user: &'static str| {
        let h = &h;
        async move {
            let mut t = Vec::new();
            for i in 0..5 {
                let start = Instant::now();
                let (status, _) = h
                    .obtain_from(user, "wrong-password", &format!("10.3.0.{i}"))
                    .await;
                assert_eq!(status, 401);
                t.push(start.elapsed());
            }
            t.sort();
            t[2]
        }
    };
    let known = timings("known").await;
    let unknown = timings("nobody-at-all").await;
    assert!(
        unknown * 2 >= known,
        "an unknown username answers in {unknown:?}, a known one in {known:?}"
    );
}
