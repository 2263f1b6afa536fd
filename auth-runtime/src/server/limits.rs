//! What the server allows each client, and what it defaults to on this machine.

use std::time::Duration;

/// What [`serve`] allows each client.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// How long a request head may take to arrive (default 10 s).
    pub header_read_timeout: Duration,
    /// How long a connection may go without traffic (default 60 s).
    pub idle_timeout: Duration,
    /// Connections open at once (default: the soft file-descriptor limit minus 64 for
    /// the database pool and files, at least 16; 1024 where the limit is unknown).
    pub max_connections: usize,
    /// Connections of one client address at once (default: a quarter of
    /// `max_connections`).
    pub max_connections_per_address: usize,
    /// Bits of an IPv6 address that identify a client for the per-address cap (64).
    pub ipv6_prefix: u8,
    /// How long a request may take to send its body before its connection may be
    /// replaced by a new one when the server is at a cap (default 1 s).
    pub body_grace: Duration,
    /// How long shutdown waits for requests in progress (default 5 s).
    pub shutdown_grace: Duration,
}

/// Descriptors kept free of connections: the database pool, SQLite's files, Redis,
/// logs, the listener.
const FD_RESERVE: u64 = 64;

fn descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::process::getrlimit(rustix::process::Resource::Nofile).current
    }
    #[cfg(not(unix))]
    {
        None
    }
}

impl Default for ServerLimits {
    fn default() -> Self {
        let max = descriptor_limit()
            .map_or(1024, |n| n.saturating_sub(FD_RESERVE).clamp(16, 100_000))
            as usize;
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: max,
            max_connections_per_address: (max / 4).max(1),
            ipv6_prefix: 64,
            body_grace: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}
