//! Every open connection as the caps see it: its client, where it is in its request,
//! when it last moved data; and the choice of which one a new connection replaces.

use std::{
    collections::HashMap,
    io,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, AtomicU8, Ordering},
        Arc, Mutex, PoisonError,
    },
    task::{Context, Poll},
    time::Instant,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::Notify,
};

use super::limits::ServerLimits;
use crate::net::ClientAddr;

pub(super) fn millis_since(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Where a connection is in its request.
pub(super) const WAITING: u8 = 0;
pub(super) const READING_BODY: u8 = 1;
pub(super) const HANDLING: u8 = 2;

/// One connection as the caps see it.
pub(super) struct Conn {
    pub(super) id: u64,
    pub(super) client: ClientAddr,
    /// `WAITING` for a request head, `READING_BODY`, or `HANDLING` the request.
    pub(super) phase: AtomicU8,
    /// When the phase began (ms since the server's start).
    pub(super) since: AtomicU64,
    /// When it last read or wrote anything (ms since the server's start).
    pub(super) last_io: AtomicU64,
    pub(super) closed: Notify,
}

impl Conn {
    pub(super) fn enter(&self, phase: u8, now: u64) {
        self.since.store(now, Ordering::Release);
        self.phase.store(phase, Ordering::Release);
    }
}

#[derive(Default)]
pub(super) struct Table {
    pub(super) conns: HashMap<u64, Arc<Conn>>,
    pub(super) per_client: HashMap<ClientAddr, usize>,
}

pub(super) struct Registry {
    pub(super) start: Instant,
    pub(super) limits: ServerLimits,
    pub(super) table: Mutex<Table>,
    pub(super) next: AtomicU64,
    /// Becomes true when the server shuts down: connections finish their request.
    pub(super) stopping: tokio::sync::watch::Sender<bool>,
}

impl Registry {
    pub(super) fn now(&self) -> u64 {
        millis_since(self.start)
    }

    /// Registers a connection of `client`, making room by closing the one that has
    /// waited longest for a request head (or its body); `None` when there is no room.
    pub(super) fn admit(&self, client: ClientAddr) -> Option<Arc<Conn>> {
        let mut t = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.now();
        let grace = u64::try_from(self.limits.body_grace.as_millis()).unwrap_or(u64::MAX);
        let per_client = t.per_client.get(&client).copied().unwrap_or(0);
        if per_client >= self.limits.max_connections_per_address {
            evict_stalled(&mut t, now, grace, |c| c.client == client)?;
        }
        if t.conns.len() >= self.limits.max_connections {
            evict_stalled(&mut t, now, grace, |_| true)?;
        }
        let conn = Arc::new(Conn {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            client,
            phase: AtomicU8::new(WAITING),
            since: AtomicU64::new(now),
            last_io: AtomicU64::new(now),
            closed: Notify::new(),
        });
        t.conns.insert(conn.id, conn.clone());
        *t.per_client.entry(client).or_default() += 1;
        Some(conn)
    }

    pub(super) fn remove(&self, conn: &Conn) {
        let mut t = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if t.conns.remove(&conn.id).is_some() {
            forget(&mut t, conn.client);
        }
    }

    pub(super) fn open(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .conns
            .len()
    }
}

pub(super) fn forget(t: &mut Table, client: ClientAddr) {
    if let Some(n) = t.per_client.get_mut(&client) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            t.per_client.remove(&client);
        }
    }
}

/// Closes, among the connections `eligible`, the one stalled longest: waiting for a
/// request head, or sending a body for longer than `grace` ms; and forgets it. `None`
/// when every eligible connection is busy with a request.
pub(super) fn evict_stalled(
    t: &mut Table,
    now: u64,
    grace: u64,
    eligible: impl Fn(&Conn) -> bool,
) -> Option<()> {
    let victim = t
        .conns
        .values()
        .filter(|c| eligible(c))
        .filter(|c| {
            let since = c.since.load(Ordering::Acquire);
            match c.phase.load(Ordering::Acquire) {
                WAITING => true,
                READING_BODY => now.saturating_sub(since) > grace,
                _ => false,
            }
        })
        .min_by_key(|c| c.since.load(Ordering::Acquire))?
        .clone();
    victim.closed.notify_one();
    t.conns.remove(&victim.id);
    forget(t, victim.client);
    Some(())
}

/// What [`RequestLimits`](crate::limits::RequestLimits) tells the server while it reads
/// a body, so that a body sent a byte at a time does not count as a busy connection.
#[derive(Clone)]
pub(crate) struct BodyProgress(pub(super) Arc<Conn>, pub(super) Arc<Registry>);

impl BodyProgress {
    /// The body is being read.
    pub(crate) fn reading(&self) {
        self.0.enter(READING_BODY, self.1.now());
    }

    /// The body is read: the request is being handled.
    pub(crate) fn handling(&self) {
        self.0.enter(HANDLING, self.1.now());
    }
}

/// The socket, noting when it last moved data.
pub(super) struct Tracked<T> {
    pub(super) inner: T,
    pub(super) conn: Arc<Conn>,
    pub(super) registry: Arc<Registry>,
}

impl<T> Tracked<T> {
    pub(super) fn touch(&self) {
        self.conn
            .last_io
            .store(self.registry.now(), Ordering::Release);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
