//! Brute-force protection of password checks, in the manner of django-axes and OWASP's
//! authentication cheat sheet, without the lockout that makes such protection a weapon.
//!
//! For a check of username `U` from address `A`, before any hashing:
//!
//! 1. **In-flight cap per address.** At most `max_in_flight_per_address` checks of `A`
//!    run at once and `max_queued` more wait; the rest get 429 at once. One client
//!    cannot fill the hashing queue, so others' logins wait for at most a few hashes.
//! 2. **An atomic reservation.** The attempt is counted in three sliding windows
//!    before it is evaluated: `(U, A)` and `A` are hard limits (over either, 429, the
//!    right password included), `U` across every address is soft. The check and the
//!    count are one step (a mutex in memory, one Lua script in Redis), so N
//!    simultaneous attempts evaluate at most the limit of failures. A success gives
//!    its reservation back (it was no failure); a failure keeps it. Earlier failures
//!    are not forgiven by a success (django-axes' default): they leave the window in
//!    their time.
//! 3. **Progressive delay per username.** Once `U` has `failures_per_user` failures
//!    from all addresses in the window, each further failure keeps its in-flight places
//!    (below) for 1 s, 2 s, 4 s, ... (at most `max_delay`), whether or not the client
//!    waits for it: guessing one account slows down. The account is never locked and a
//!    right password is never delayed, so three addresses cannot make the owner's
//!    logins slow.
//! 4. **In-flight cap per username**, for addresses that have already failed for `U`:
//!    a distributed guess at one account cannot take every hashing slot either. An
//!    address without failures for `U` is never refused by it.

mod gate;
#[cfg(test)]
mod tests;
mod windows;

use std::time::Duration;

use sha2::{Digest, Sha256};

pub(crate) use self::{
    gate::{Gate, GateSlot},
    windows::MemoryWindows,
};
use super::{ClientAddr, Rate};

/// How long a client refused for being busy should wait before trying again.
pub(crate) const BUSY_RETRY: Duration = Duration::from_secs(1);

/// The fixed-size key of one window, whatever the length of the username.
pub(crate) type WindowKey = [u8; 16];

/// What a reservation counts in: `(username, address)` and `address` are hard limits,
/// `username` (every address) is soft.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginKeys {
    pub(crate) pair: WindowKey,
    pub(crate) address: WindowKey,
    pub(crate) user: WindowKey,
}

fn key(parts: &[&[u8]]) -> WindowKey {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

impl LoginKeys {
    pub(crate) fn new(username: &str, address: &ClientAddr) -> Self {
        let addr = address.to_string();
        Self {
            pair: key(&[b"pair", username.as_bytes(), addr.as_bytes()]),
            address: key(&[b"address", addr.as_bytes()]),
            user: key(&[b"user", username.as_bytes()]),
        }
    }

    /// The username's key, for the in-flight gate.
    pub(crate) fn user(&self) -> WindowKey {
        self.user
    }
}

/// The limits a reservation is checked against, parsed from settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginLimits {
    pub(crate) pair: Option<Rate>,
    pub(crate) address: Option<Rate>,
    pub(crate) user: Option<Rate>,
    pub(crate) max_delay: Duration,
}

impl LoginLimits {
    /// The progressive delay for an attempt on a username that already had
    /// `failures` in its window: none below the soft limit, then doubling from 1 s.
    pub(crate) fn delay(&self, failures: u64) -> Duration {
        let Some(soft) = self.user else {
            return Duration::ZERO;
        };
        let Some(over) = failures.checked_sub(u64::from(soft.count)) else {
            return Duration::ZERO;
        };
        let secs = 1u64 << over.min(20);
        Duration::from_secs(secs).min(self.max_delay)
    }
}

/// What a reservation found before it counted itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Reserved {
    /// Failures of this `(username, address)` in its window.
    pub(crate) pair_failures: u64,
    /// Failures of this username from every address in its window.
    pub(crate) user_failures: u64,
}

/// Why a reservation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A hard limit: try again after this.
    Limit(Duration),
    /// No room for a new window (the map is full of windows at their limit).
    Full,
}
