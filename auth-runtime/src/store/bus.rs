//! Revocations announced to the other instances sharing the database, so that their
//! credential caches drop what one instance revoked at once instead of after
//! `credential_cache_ttl`: PostgreSQL's `LISTEN`/`NOTIFY` (sqlx's `PgListener`), or
//! Redis pub/sub.
//!
//! Every revoking write publishes its [`Event`]s after it commits; every instance
//! listens and forgets them. A message is one line with the sender's id, then one
//! event per line; an instance skips its own, which it forgot before publishing.
//!
//! When the channel drops, the listener reconnects (with a growing pause) and then
//! forgets its whole cache, since events may have been lost meanwhile; until then an
//! entry lives at most `credential_cache_ttl` seconds, as without a channel.

use std::sync::Arc;
#[cfg(any(feature = "postgres", feature = "redis"))]
use std::{sync::Weak, time::Duration};

use tokio::sync::watch;

use super::cache::{Cache, Event};

/// How revocations travel between the instances sharing a database.
///
/// ```
/// use auth_runtime::store::Announce;
/// let via = Announce::Redis { url: "redis://127.0.0.1:6379".into(), channel: "auth:revocations".into() };
/// assert!(matches!(via, Announce::Redis { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announce {
    /// `NOTIFY` on the store's PostgreSQL database (channel
    /// `auth_runtime_revocations`), heard with `LISTEN` on a connection of its own.
    Postgres,
    /// `PUBLISH` on a Redis channel, heard with `SUBSCRIBE`.
    Redis {
        /// The Redis server.
        url: String,
        /// The channel; every instance of one application uses the same.
        channel: String,
    },
}

/// The PostgreSQL channel (notifications are per database, so several applications
/// on one server do not hear each other).
#[cfg(feature = "postgres")]
const PG_CHANNEL: &str = "auth_runtime_revocations";

/// The longest pause between reconnection attempts.
#[cfg(any(feature = "postgres", feature = "redis"))]
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Where this instance publishes.
enum Publisher {
    #[cfg(feature = "postgres")]
    Postgres,
    #[cfg(feature = "redis")]
    Redis {
        conn: redis::aio::ConnectionManager,
        channel: String,
    },
}

/// This instance's end of the channel. Dropping it (with the last clone of its store)
/// stops the listener.
pub(crate) struct Bus {
    instance: String,
    publisher: Publisher,
    _stop: watch::Sender<()>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus").finish_non_exhaustive()
    }
}

impl Bus {
    /// Joins the channel: publishes through it, and when `cache` is set, listens to it
    /// (the subscription is made before this returns, so nothing published after it
    /// is missed). `pg_url` is the store's URL, for `LISTEN` on PostgreSQL.
    pub(crate) async fn join(
        via: &Announce,
        pg_url: Option<&str>,
        cache: Option<&Arc<Cache>>,
    ) -> Result<Self, super::StoreError> {
        #[cfg(not(any(feature = "postgres", feature = "redis")))]
        {
            let _ = (pg_url, cache);
            Err(super::StoreError::NotBuilt(match via {
                Announce::Postgres => "postgres",
                Announce::Redis { .. } => "redis",
            }))
        }
        #[cfg(any(feature = "postgres", feature = "redis"))]
        {
            let instance = crate::secret::random_hex(8);
            let (stop_tx, stop) = watch::channel(());
            let publisher = match via {
                #[cfg(feature = "postgres")]
                Announce::Postgres => {
                    let url: Arc<str> = pg_url
                        .ok_or(super::StoreError::Channel(
                            "revocations over PostgreSQL need a PostgreSQL database".into(),
                        ))?
                        .into();
                    if let Some(cache) = cache {
                        let listener = pg::listen(&url).await.map_err(|e| {
                        tracing::warn!(error = %e, "revocation channel: LISTEN failed; retrying in the background");
                    });
                        let listening = pg::Listening {
                            url,
                            cache: Arc::downgrade(cache),
                            instance: instance.clone(),
                        };
                        tokio::spawn(listening.run(listener.ok(), stop));
                    }
                    Publisher::Postgres
                }
                #[cfg(not(feature = "postgres"))]
                Announce::Postgres => {
                    let _ = (pg_url, &stop);
                    return Err(super::StoreError::NotBuilt("postgres"));
                }
                #[cfg(feature = "redis")]
                Announce::Redis { url, channel } => {
                    let client = redis::Client::open(url.as_str())
                        .map_err(|e| super::StoreError::Channel(e.to_string()))?;
                    let conn = redis::aio::ConnectionManager::new(client.clone())
                        .await
                        .map_err(|e| super::StoreError::Channel(e.to_string()))?;
                    if let Some(cache) = cache {
                        let listening = rd::Listening {
                            client,
                            channel: channel.clone(),
                            cache: Arc::downgrade(cache),
                            instance: instance.clone(),
                        };
                        let first = listening.subscribe().await.map_err(|e| {
                        tracing::warn!(error = %e, "revocation channel: SUBSCRIBE failed; retrying in the background");
                    });
                        tokio::spawn(listening.run(first.ok(), stop));
                    }
                    Publisher::Redis {
                        conn,
                        channel: channel.clone(),
                    }
                }
                #[cfg(not(feature = "redis"))]
                Announce::Redis { .. } => {
                    let _ = (&stop, cache);
                    return Err(super::StoreError::NotBuilt("redis"));
                }
            };
            Ok(Self {
                instance,
                publisher,
                _stop: stop_tx,
            })
        }
    }

    /// Tells the other instances. A failure is logged: the revocation is in the
    /// database, and other instances still honour it within `credential_cache_ttl`.
    pub(crate) async fn publish(&self, pool: &sqlx::AnyPool, events: &[Event]) {
        let mut message = self.instance.clone();
        for event in events {
            message.push('\n');
            message.push_str(&event.encode());
        }
        let sent: Result<(), String> = match &self.publisher {
            #[cfg(feature = "postgres")]
            Publisher::Postgres => sqlx::query("SELECT pg_notify($1, $2)")
                .bind(PG_CHANNEL)
                .bind(&message)
                .execute(pool)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            #[cfg(feature = "redis")]
            Publisher::Redis { conn, channel } => redis::cmd("PUBLISH")
                .arg(channel)
                .arg(&message)
                .query_async::<i64>(&mut conn.clone())
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            // No channel is built in: `join` refused to make a bus.
            #[cfg(not(any(feature = "postgres", feature = "redis")))]
            _ => Ok(()),
        };
        let _ = pool;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "revocation channel: publishing failed; other instances honour the revocation within credential_cache_ttl");
        }
    }
}

#[cfg(any(feature = "postgres", feature = "redis"))]
/// Applies a message from another instance to `cache`.
fn deliver(cache: &Cache, me: &str, message: &str) {
    let mut lines = message.lines();
    if lines.next() == Some(me) {
        return;
    }
    for line in lines {
        match Event::decode(line) {
            Some(event) => cache.apply(&event),
            None => tracing::debug!("revocation channel: unknown event ignored"),
        }
    }
}

#[cfg(any(feature = "postgres", feature = "redis"))]
/// Forgets everything after a reconnection, if the cache still exists.
fn resync(cache: &Weak<Cache>) -> bool {
    match cache.upgrade() {
        Some(cache) => {
            cache.forget_all();
            true
        }
        None => false,
    }
}

#[cfg(any(feature = "postgres", feature = "redis"))]
fn longer(pause: Duration) -> Duration {
    (pause * 2).min(MAX_PAUSE)
}

#[cfg(feature = "postgres")]
mod pg {
    use std::{
        sync::{Arc, Weak},
        time::Duration,
    };

    use sqlx::postgres::PgListener;
    use tokio::sync::watch;

    use super::{deliver, longer, resync, Cache, PG_CHANNEL};

    pub(super) async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        listener.listen(PG_CHANNEL).await?;
        Ok(listener)
    }

    pub(super) struct Listening {
        pub(super) url: Arc<str>,
        pub(super) cache: Weak<Cache>,
        pub(super) instance: String,
    }

    impl Listening {
        pub(super) async fn run(self, first: Option<PgListener>, mut stop: watch::Receiver<()>) {
            let mut listener = first;
            let mut pause = Duration::from_millis(100);
            loop {
                let Some(l) = listener.as_mut() else {
                    tokio::select! {
                        _ = stop.changed() => return,
                        () = tokio::time::sleep(pause) => {}
                    }
                    match listen(&self.url).await {
                        Ok(l) => {
                            tracing::info!("revocation channel: listening again");
                            listener = Some(l);
                            if !resync(&self.cache) {
                                return;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "revocation channel: LISTEN failed");
                            pause = longer(pause);
                        }
                    }
                    continue;
                };
                let received = tokio::select! {
                    _ = stop.changed() => return,
                    received = l.try_recv() => received,
                };
                match received {
                    Ok(Some(notification)) => {
                        pause = Duration::from_millis(100);
                        let Some(cache) = self.cache.upgrade() else {
                            return;
                        };
                        deliver(&cache, &self.instance, notification.payload());
                    }
                    // sqlx has reconnected and listens again; what was sent meanwhile
                    // is lost.
                    Ok(None) => {
                        tracing::warn!("revocation channel: connection lost and restored");
                        if !resync(&self.cache) {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "revocation channel: connection lost");
                        listener = None;
                    }
                }
            }
        }
    }
}

#[cfg(feature = "redis")]
mod rd {
    use std::{sync::Weak, time::Duration};

    use futures_util::StreamExt;
    use tokio::sync::watch;

    use super::{deliver, longer, resync, Cache};

    pub(super) struct Listening {
        pub(super) client: redis::Client,
        pub(super) channel: String,
        pub(super) cache: Weak<Cache>,
        pub(super) instance: String,
    }

    impl Listening {
        pub(super) async fn subscribe(&self) -> redis::RedisResult<redis::aio::PubSub> {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(&self.channel).await?;
            Ok(pubsub)
        }

        pub(super) async fn run(
            self,
            first: Option<redis::aio::PubSub>,
            mut stop: watch::Receiver<()>,
        ) {
            let mut subscription = first;
            let mut pause = Duration::from_millis(100);
            loop {
                let Some(mut pubsub) = subscription.take() else {
                    tokio::select! {
                        _ = stop.changed() => return,
                        () = tokio::time::sleep(pause) => {}
                    }
                    match self.subscribe().await {
                        Ok(p) => {
                            tracing::info!("revocation channel: subscribed again");
                            subscription = Some(p);
                            if !resync(&self.cache) {
                                return;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "revocation channel: SUBSCRIBE failed");
                            pause = longer(pause);
                        }
                    }
                    continue;
                };
                let mut messages = pubsub.on_message();
                loop {
                    let message = tokio::select! {
                        _ = stop.changed() => return,
                        message = messages.next() => message,
                    };
                    let Some(message) = message else {
                        break;
                    };
                    pause = Duration::from_millis(100);
                    let Some(cache) = self.cache.upgrade() else {
                        return;
                    };
                    if let Ok(text) = std::str::from_utf8(message.get_payload_bytes()) {
                        deliver(&cache, &self.instance, text);
                    }
                }
                tracing::warn!("revocation channel: connection lost");
            }
        }
    }
}
