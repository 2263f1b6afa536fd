#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The store against real databases: SQLite always, PostgreSQL when
//! `TEST_DATABASE_URL` is set (skipped with a printed reason otherwise).

use auth_runtime::store::{NewUser, Store, StoreError};

async fn stores() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Store::connect(&format!("sqlite://{}/s.sqlite3", dir.path().display()))
        .await
        .expect("sqlite");
    sqlite.migrate().await.expect("migrate sqlite");
    let mut v = vec![(sqlite, Some(dir))];
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) => {
            sqlx::any::install_default_drivers();
            let name = format!("auth_test_{:016x}", rand::random::<u64>());
            let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("pg");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await
                .expect("create db");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            let pg = Store::connect(&format!("{base}/{name}"))
                .await
                .expect("pg store");
            pg.migrate().await.expect("migrate pg");
            pg.migrate().await.expect("migrations are idempotent");
            v.push((pg, None));
        }
        Err(_) => eprintln!("skipping PostgreSQL: TEST_DATABASE_URL is not set"),
    }
    v
}

fn new_user(name: &str) -> NewUser<'_> {
    NewUser {
        username: name,
        email: "e@example.com",
        password_hash: "$argon2id$fake",
        is_staff: false,
        is_superuser: false,
    }
}

#[tokio::test]
async fn users_are_unique_and_round_trip() {
    for (s, _d) in stores().await {
        let u = s.create_user(new_user("alice")).await.expect("create");
        assert!(u.is_active && !u.is_staff);
        assert!(matches!(
            s.create_user(new_user("alice")).await,
            Err(StoreError::Duplicate("username"))
        ));
        let rec = s
            .user_by_username("alice")
            .await
            .expect("q")
            .expect("found");
        assert_eq!(rec.user, u);
        assert_eq!(rec.password_hash, "$argon2id$fake");
        assert!(
            s.user_by_username("Alice").await.expect("q").is_none(),
            "usernames are case-sensitive"
        );
        assert_eq!(s.user_by_id(u.id).await.expect("q"), Some(u.clone()));
        s.set_flags(u.id, true, true).await.expect("flags");
        assert!(s.user_by_id(u.id).await.expect("q").expect("u").is_staff);
    }
}

#[tokio::test]
async fn sessions_are_found_by_digest_and_end() {
    for (s, _d) in stores().await {
        let u = s.create_user(new_user("bob")).await.expect("create");
        s.create_session("digest-1", u.id, 3600)
            .await
            .expect("session");
        assert_eq!(
            s.session_user("digest-1").await.expect("q").map(|x| x.id),
            Some(u.id)
        );
        assert!(s.session_user("digest-2").await.expect("q").is_none());
        s.set_active(u.id, false).await.expect("deactivate");
        assert!(
            s.session_user("digest-1").await.expect("q").is_none(),
            "inactive users have no sessions"
        );
        s.set_active(u.id, true).await.expect("activate");
        s.create_session("digest-3", u.id, 3600)
            .await
            .expect("session");
        s.set_password(u.id, "$argon2id$new")
            .await
            .expect("password");
        assert!(
            s.session_user("digest-3").await.expect("q").is_none(),
            "a password change ends sessions"
        );
        s.create_session("digest-4", u.id, 3600)
            .await
            .expect("session");
        assert!(s.delete_session("digest-4").await.expect("delete"));
        assert!(!s.delete_session("digest-4").await.expect("delete twice"));
    }
}

#[tokio::test]
async fn blacklisting_is_once_only_and_expired_rows_are_cleared() {
    for (s, _d) in stores().await {
        let u = s.create_user(new_user("carol")).await.expect("create");
        let past = auth_runtime::store::now() - 10;
        s.add_outstanding("jti-live", u.id, past + 3600)
            .await
            .expect("outstanding");
        s.add_outstanding("jti-old", u.id, past)
            .await
            .expect("outstanding");
        assert!(s.blacklist("jti-live", past + 3600).await.expect("bl"));
        assert!(
            !s.blacklist("jti-live", past + 3600)
                .await
                .expect("bl again"),
            "second blacklisting reports false"
        );
        assert!(s.is_blacklisted("jti-live").await.expect("q"));
        assert!(s.blacklist("jti-old", past).await.expect("bl old"));
        s.create_session("expired", u.id, 0).await.expect("session");
        s.create_session("live", u.id, 3600).await.expect("session");
        s.create_api_token(u.id, "old", "aaaaaaaa", "digest-old", Some(past))
            .await
            .expect("token");
        s.create_api_token(u.id, "forever", "bbbbbbbb", "digest-forever", None)
            .await
            .expect("token");
        let cleared = s.clear_expired().await.expect("clear");
        assert_eq!(
            cleared,
            [
                ("sessions", 1),
                ("blacklisted refresh tokens", 1),
                ("outstanding refresh tokens", 1),
                ("API tokens", 1),
                ("OAuth2 authorization codes", 0),
                ("OAuth2 access tokens", 0),
                ("OAuth2 refresh tokens", 0),
            ]
        );
        assert_eq!(s.list_api_tokens(u.id).await.expect("list").len(), 1);
        assert!(s.is_blacklisted("jti-live").await.expect("q"));
        assert!(!s.is_blacklisted("jti-old").await.expect("q"));
    }
}

#[tokio::test]
async fn concurrent_blacklisting_has_exactly_one_winner() {
    for (s, _d) in stores().await {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let s = s.clone();
                tokio::spawn(async move { s.blacklist("contested", i64::MAX).await.expect("bl") })
            })
            .collect();
        let mut wins = 0;
        for t in tasks {
            wins += usize::from(t.await.expect("join"));
        }
        assert_eq!(wins, 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_migrating_a_new_sqlite_file_together_both_start() {
    for round in 0..5 {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/new.sqlite3", dir.path().display());
        let (a, b) = (
            Store::connect(&url).await.expect("a"),
            Store::connect(&url).await.expect("b"),
        );
        let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
        ra.unwrap_or_else(|e| panic!("round {round}, first: {e}"));
        rb.unwrap_or_else(|e| panic!("round {round}, second: {e}"));
    }
}
