#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! Attack 14 of issue 10: the articles' daily quota, raced by simultaneous creates and
//! refilled by deletes, on SQLite and PostgreSQL.

use std::sync::Arc;

use demo_api::articles::DAILY_QUOTA;
use e2e_tests::{all_backends, test_settings, Harness};
use serde_json::json;
use tokio::sync::Barrier;

fn unthrottled() -> auth_runtime::Settings {
    let mut s = test_settings();
    s.throttle
        .rates
        .insert("article_writes".into(), "100000/minute".parse().unwrap());
    s
}

async fn create(h: &Harness, auth: &str, title: &str) -> (u16, Option<i64>) {
    let r = h
        .call(
            "POST",
            "/api/articles/",
            Some(json!({"title": title, "body": "b"})),
            &[("authorization", auth)],
        )
        .await;
    (r.status, r.json["id"].as_i64())
}

async fn count(h: &Harness, auth: &str) -> usize {
    h.call("GET", "/api/articles/", None, &[("authorization", auth)])
        .await
        .json
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn attack_14_simultaneous_creates_cannot_pass_the_quota() {
    for h in all_backends(unthrottled()).await {
        let b = h.backend;
        let h = Arc::new(h);
        h.register("writer", "testpass123").await;
        let auth = format!("Bearer {}", h.jwt_pair("writer", "testpass123").await.0);
        for i in 0..DAILY_QUOTA - 1 {
            assert_eq!(create(&h, &auth, &format!("a{i}")).await.0, 201, "[{b}]");
        }
        let barrier = Arc::new(Barrier::new(30));
        let tasks: Vec<_> = (0..30)
            .map(|i| {
                let (h, auth, barrier) = (h.clone(), auth.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    create(&h, &auth, &format!("race{i}")).await.0
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "[{b}] exactly one of 30 simultaneous creates fits: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| matches!(s, 201 | 403)),
            "[{b}] {statuses:?}"
        );
        assert_eq!(count(&h, &auth).await, DAILY_QUOTA as usize, "[{b}]");
    }
}

#[tokio::test]
async fn attack_14_deleting_gives_no_quota_back() {
    for h in all_backends(unthrottled()).await {
        let b = h.backend;
        h.register("writer", "testpass123").await;
        let auth = format!("Bearer {}", h.jwt_pair("writer", "testpass123").await.0);
        let mut ids = Vec::new();
        for i in 0..DAILY_QUOTA {
            let (status, id) = create(&h, &auth, &format!("a{i}")).await;
            assert_eq!(status, 201, "[{b}]");
            ids.push(id.unwrap());
        }
        for id in &ids[..10] {
            let r = h
                .call(
                    "DELETE",
                    &format!("/api/articles/{id}/"),
                    None,
                    &[("authorization", &auth)],
                )
                .await;
            assert_eq!(r.status, 204, "[{b}]");
        }
        let (status, _) = create(&h, &auth, "after deleting").await;
        assert_eq!(
            status, 403,
            "[{b}] the quota counts creations, not articles"
        );
    }
}
