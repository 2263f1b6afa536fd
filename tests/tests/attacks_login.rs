#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attacks on password checks, through HTTP, on the memory and the Redis throttle
//! backends: concurrent guesses released together (issue 10, attack 1), a flood that
//! would fill the hashing queue (2), and lockout as a weapon (3).
//!
//! Client addresses are set with `X-Forwarded-For` behind one declared proxy.

use std::{sync::Arc, time::Instant};

use auth_runtime::Settings;
use e2e_tests::{logins_together, sqlite, test_settings, throttle_backends};
use serde_json::json;
use tokio::sync::Barrier;

/// In-flight caps wide enough that every attempt reaches the reservation: what is
/// tested is then the reservation's atomicity alone.
fn wide_gates(mut s: Settings) -> Settings {
    s.throttle.login.max_in_flight_per_address = Some(256);
    s.throttle.login.max_in_flight_per_user = Some(256);
    s.throttle.login.max_queued = 256;
    s
}

fn evaluated(statuses: &[u16]) -> usize {
    statuses.iter().filter(|s| matches!(s, 200 | 401)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_01_concurrent_guesses_evaluate_at_most_the_limit() {
    for (backend, settings) in throttle_backends(test_settings()) {
        for (gates, settings) in [
            ("default caps", settings.clone()),
            ("wide caps", wide_gates(settings)),
        ] {
            let h = Arc::new(sqlite(settings).await);
            h.register("victim", "testpass123").await;
            // 39 wrong guesses and the right one last, released together.
            let mut attempts: Vec<_> = (0..39)
                .map(|i| ("victim".to_owned(), format!("wrong-guess-{i}")))
                .collect();
            attempts.push(("victim".to_owned(), "testpass123".to_owned()));
            let statuses = logins_together(&h, "10.0.0.1", attempts).await;
            let failures = statuses.iter().filter(|s| **s == 401).count();
            assert!(
                failures <= 5,
                "[{backend}, {gates}] {failures} of 40 concurrent wrong guesses were evaluated (limit 5): {statuses:?}"
            );
            // A success is no failure: it gives its place back, so at most one more.
            assert!(
                evaluated(&statuses) <= 6,
                "[{backend}, {gates}] {statuses:?}"
            );
            assert!(
                statuses.iter().all(|s| matches!(s, 200 | 401 | 429)),
                "{statuses:?}"
            );
            // Unless the right one happened to be among the first five, it got nothing,
            // and now nothing from this address gets in: the limit holds.
            if statuses[39] != 200 {
                assert_eq!(
                    h.obtain_from("victim", "testpass123", "10.0.0.1").await.0,
                    429,
                    "[{backend}, {gates}] the right password after the limit"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_01_concurrent_logins_from_one_address_evaluate_at_most_its_limit() {
    for (backend, settings) in throttle_backends(wide_gates(test_settings())) {
        let h = Arc::new(sqlite(settings).await);
        let attempts = (0..150)
            .map(|i| (format!("nobody-{i}"), "some-password".to_owned()))
            .collect();
        let statuses = logins_together(&h, "10.0.0.2", attempts).await;
        let n = evaluated(&statuses);
        assert_eq!(
            n, 100,
            "[{backend}] exactly the per-address limit of 150 simultaneous attempts is evaluated"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 429).count(),
            50,
            "[{backend}]"
        );
    }
}

#[tokio::test]
async fn attack_03_failures_from_one_address_do_not_lock_the_account_elsewhere() {
    for (backend, settings) in throttle_backends(test_settings()) {
        let h = sqlite(settings).await;
        h.register("victim", "testpass123").await;
        // An attacker at A fails six times: the sixth is refused at A.
        for i in 0..5 {
            let (status, _) = h
                .obtain_from("victim", &format!("wrong-{i}"), "10.0.0.4")
                .await;
            assert_eq!(status, 401, "[{backend}] failure {i}");
        }
        assert_eq!(h.obtain_from("victim", "wrong-5", "10.0.0.4").await.0, 429);
        assert_eq!(
            h.obtain_from("victim", "testpass123", "10.0.0.4").await.0,
            429,
            "[{backend}] A itself stays refused, the right password included"
        );
        // The victim, from B, logs in.
        let (status, token) = h.obtain_from("victim", "testpass123", "10.0.0.5").await;
        assert_eq!(
            status, 200,
            "[{backend}] the victim is not locked out from B"
        );
        assert!(token.is_some());
    }
}

#[tokio::test]
async fn attack_03_many_addresses_slow_guessing_but_never_the_owner() {
    let mut settings = test_settings();
    settings.throttle.login.failures_per_user = "3/15m".parse().ok();
    for (backend, settings) in throttle_backends(settings) {
        let h = sqlite(settings).await;
        h.register("victim", "testpass123").await;
        for i in 0..3 {
            let address = format!("10.0.1.{i}");
            assert_eq!(h.obtain_from("victim", "wrong", &address).await.0, 401);
        }
        // Past the soft limit, a failure holds its places for the delay (1 s): the
        // guesser's next attempt waits for it.
        assert_eq!(h.obtain_from("victim", "wrong", "10.0.1.9").await.0, 401);
        let start = Instant::now();
        assert_eq!(h.obtain_from("victim", "wrong", "10.0.1.9").await.0, 401);
        let guess = start.elapsed();
        assert!(
            guess >= std::time::Duration::from_millis(900),
            "[{backend}] the next guess waited only {guess:?}"
        );
        // The owner, from an address that never failed, is neither refused nor slowed.
        let start = Instant::now();
        let (status, _) = h.obtain_from("victim", "testpass123", "10.0.2.1").await;
        let owner = start.elapsed();
        assert_eq!(status, 200, "[{backend}]");
        assert!(
            owner < std::time::Duration::from_millis(800),
            "[{backend}] the right password was delayed: {owner:?}"
        );
    }
}

#[tokio::test]
async fn an_ipv6_client_owns_one_budget_for_its_network() {
    for (backend, settings) in throttle_backends(test_settings()) {
        let h = sqlite(settings).await;
        h.register("victim", "testpass123").await;
        for i in 0..5 {
            let address = format!("2001:db8:1:2::{i:x}");
            assert_eq!(h.obtain_from("victim", "wrong", &address).await.0, 401);
        }
        assert_eq!(
            h.obtain_from("victim", "testpass123", "2001:db8:1:2:ffff::9")
                .await
                .0,
            429,
            "[{backend}] another address of the same /64 shares the budget"
        );
        assert_eq!(
            h.obtain_from("victim", "testpass123", "2001:db8:1:3::1")
                .await
                .0,
            200,
            "[{backend}] another /64 does not"
        );
    }
}

#[tokio::test]
async fn huge_usernames_are_checked_like_any_other() {
    let h = sqlite(test_settings()).await;
    let huge = "u".repeat(60 * 1024);
    for _ in 0..3 {
        let r = h
            .call(
                "POST",
                "/api/token/",
                Some(json!({"username": huge, "password": "x"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn addresses_that_failed_share_a_cap_on_checks_of_one_username() {
    let mut settings = test_settings();
    settings.throttle.login.max_in_flight_per_user = Some(1);
    settings.throttle.login.max_queued = 0;
    // A real hash holds the username's one slot long enough for the others to meet it;
    // no progressive delay spreads them out.
    settings.password = auth_runtime::settings::PasswordSettings::default();
    settings.throttle.login.failures_per_user = "100/15m".parse().ok();
    for (backend, settings) in throttle_backends(settings) {
        let h = Arc::new(sqlite(settings).await);
        h.register("victim", "testpass123").await;
        let guessers: Vec<String> = (0..6).map(|i| format!("10.4.0.{i}")).collect();
        for address in &guessers {
            assert_eq!(h.obtain_from("victim", "wrong", address).await.0, 401);
        }
        // The six guess again together; an address that never failed logs in meanwhile.
        let barrier = Arc::new(Barrier::new(guessers.len() + 1));
        let mut tasks = Vec::new();
        for address in guessers {
            let (h, barrier) = (h.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                h.obtain_from("victim", "wrong-again", &address).await.0
            }));
        }
        let victim = tokio::spawn({
            let (h, barrier) = (h.clone(), barrier.clone());
            async move {
                barrier.wait().await;
                h.obtain_from("victim", "testpass123", "10.4.1.1").await.0
            }
        });
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            victim.await.unwrap(),
            200,
            "[{backend}] a clean address is never refused by it"
        );
        let refused = statuses.iter().filter(|s| **s == 429).count();
        assert!(
            refused >= 3,
            "[{backend}] one check of the username at a time from failed addresses: {statuses:?}"
        );
    }
}
