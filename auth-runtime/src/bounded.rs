//! A bounded concurrent cache whose entries leave at a deadline: the shape of the
//! credential caches and of the verified-token cache.
//!
//! Built on `quick_cache` (S3-FIFO eviction, no background work, a read costs about a
//! hash-map lookup). moka, used before, records every read for its eviction policy;
//! with two reads per authenticated request that bookkeeping cost more than the rest
//! of the authentication chain.

use std::{
    hash::Hash,
    time::{Duration, Instant},
};

use quick_cache::{sync::Cache, sync::DefaultLifecycle, Equivalent, UnitWeighter};

use crate::secret::DigestHash;

/// No entry is kept longer than this, whatever it was given: a deadline is then
/// always representable.
const LONGEST: Duration = Duration::from_secs(366 * 24 * 3600);

/// Tables start this large and grow with use, so that an idle cache costs little.
const INITIAL: u64 = 1024;

#[derive(Clone)]
struct Entry<V> {
    value: V,
    until: Instant,
}

/// At most `capacity` entries, each dropped once its deadline passes. Keys are hashed
/// with [`DigestHash`]: they are digests or ids, never chosen by a client.
pub(crate) struct Bounded<K, V> {
    entries: Cache<K, Entry<V>, UnitWeighter, DigestHash, DefaultLifecycle<K, Entry<V>>>,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> Bounded<K, V> {
    /// A cache of at most `capacity` entries whose [`insert`](Self::insert) keeps an
    /// entry for `ttl`.
    pub(crate) fn new(capacity: u64, ttl: Duration) -> Self {
        let capacity = capacity.max(1);
        Self {
            entries: Cache::with(
                usize::try_from(capacity.min(INITIAL)).unwrap_or(1),
                capacity,
                UnitWeighter,
                DigestHash,
                DefaultLifecycle::default(),
            ),
            ttl: ttl.min(LONGEST),
        }
    }

    /// The value under `key`, unless its deadline has passed.
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let entry = self.entries.get(key)?;
        if Instant::now() < entry.until {
            Some(entry.value)
        } else {
            self.entries.remove(key);
            None
        }
    }

    /// Keeps `value` under `key` for the cache's time to live.
    pub(crate) fn insert(&self, key: K, value: V) {
        self.insert_for(key, value, self.ttl);
    }

    /// Keeps `value` under `key` for `ttl` (at most a year).
    pub(crate) fn insert_for(&self, key: K, value: V, ttl: Duration) {
        let until = Instant::now() + ttl.min(LONGEST);
        self.entries.insert(key, Entry { value, until });
    }

    /// Drops the entry under `key`.
    pub(crate) fn invalidate<Q>(&self, key: &Q)
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.entries.remove(key);
    }

    /// Drops every entry `stale` says is.
    pub(crate) fn invalidate_entries_if(&self, stale: impl Fn(&K, &V) -> bool) {
        self.entries.retain(|k, e| !stale(k, &e.value));
    }

    /// Drops every entry.
    pub(crate) fn invalidate_all(&self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_leave_at_their_deadline_when_invalidated_and_beyond_capacity() {
        let cache: Bounded<i64, &str> = Bounded::new(100, Duration::from_secs(60));
        cache.insert(1, "kept");
        cache.insert_for(2, "gone", Duration::ZERO);
        assert_eq!(cache.get(&1), Some("kept"));
        assert_eq!(cache.get(&2), None);

        cache.insert(3, "three");
        cache.invalidate_entries_if(|k, _| *k == 3);
        assert_eq!(cache.get(&3), None);
        assert_eq!(cache.get(&1), Some("kept"));
        cache.invalidate(&1);
        assert_eq!(cache.get(&1), None);

        for k in 0..1000 {
            cache.insert(k, "many");
        }
        let kept = (0..1000).filter(|k| cache.get(k).is_some()).count();
        assert!(kept <= 100, "{kept} entries kept, capacity 100");
        cache.invalidate_all();
        assert_eq!((0..1000).filter(|k| cache.get(k).is_some()).count(), 0);
    }
}
