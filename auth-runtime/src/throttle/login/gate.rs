//! Per-key in-flight caps, so that no address or username takes every hashing slot.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Per-key in-flight caps: at most `running` at once per key and `queued` more waiting;
/// beyond that an attempt is refused at once. Keys are removed when their last attempt
/// ends, so the map holds only what is in flight.
#[derive(Debug)]
pub(crate) struct Gate<K> {
    running: usize,
    queued: usize,
    slots: Mutex<HashMap<K, (Arc<Semaphore>, usize)>>,
}

/// An attempt's place in a [`Gate`]; frees it when dropped.
pub(crate) struct GateSlot<K: std::hash::Hash + Eq + Copy> {
    gate: Arc<Gate<K>>,
    key: K,
    _permit: OwnedSemaphorePermit,
}

impl<K: std::hash::Hash + Eq + Copy> Drop for GateSlot<K> {
    fn drop(&mut self) {
        self.gate.leave(self.key);
    }
}

impl<K: std::hash::Hash + Eq + Copy> Gate<K> {
    pub(crate) fn new(running: usize, queued: usize) -> Arc<Self> {
        Arc::new(Self {
            running: running.max(1),
            queued,
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// Waits for a slot of `key`, or `None` when `running + queued` attempts of `key`
    /// are already in.
    pub(crate) async fn enter(self: &Arc<Self>, key: K) -> Option<GateSlot<K>> {
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            let (semaphore, users) = slots
                .entry(key)
                .or_insert_with(|| (Arc::new(Semaphore::new(self.running)), 0));
            if *users >= self.running + self.queued {
                return None;
            }
            *users += 1;
            semaphore.clone()
        };
        // Counted from here: if this future is dropped while waiting, `leave` must run.
        let mut pending = Pending {
            gate: self,
            key,
            armed: true,
        };
        let permit = semaphore.acquire_owned().await.ok()?;
        pending.armed = false;
        Some(GateSlot {
            gate: self.clone(),
            key,
            _permit: permit,
        })
    }

    fn leave(&self, key: K) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, users)) = slots.get_mut(&key) {
            *users = users.saturating_sub(1);
            if *users == 0 {
                slots.remove(&key);
            }
        }
    }

    /// Keys with an attempt in flight or waiting (for tests of the bound).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// Undoes an `enter` that was counted but never got its permit.
struct Pending<'a, K: std::hash::Hash + Eq + Copy> {
    gate: &'a Gate<K>,
    key: K,
    armed: bool,
}

impl<K: std::hash::Hash + Eq + Copy> Drop for Pending<'_, K> {
    fn drop(&mut self) {
        if self.armed {
            self.gate.leave(self.key);
        }
    }
}
