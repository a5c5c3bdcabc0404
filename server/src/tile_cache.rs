//! The in-memory tile cache: bounded in bytes, keyed by dataset version, tile and
//! layer selection (which carries the caller's clearance), with hit and miss counts
//! for `/metrics`.
//!
//! Entries keep the tile as built and, once a client has asked for it compressed, its
//! gzip form too, so a cached gzip tile costs no compression.

use std::sync::atomic::{AtomicU64, Ordering};

pub use layers::tiles::TileBody as CachedTile;
use layers::tiles::TileId;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// What identifies a cached tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Hash of the dataset version.
    pub version: u64,
    /// [`layers::tiles::Selection::key`]: name, layers and clearance.
    pub selection: u64,
    pub tile: TileId,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<TileKey, CachedTile> for ByBytes {
    fn weight(&self, _key: &TileKey, tile: &CachedTile) -> u64 {
        // Key and bookkeeping count too, so empty tiles are not free.
        64 + tile.raw.as_ref().map_or(0, |b| b.len() as u64)
            + tile.gzip.as_ref().map_or(0, |b| b.len() as u64)
    }
}

/// Hit/miss counts and size, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileCacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
    pub bytes: u64,
    pub capacity_bytes: u64,
}

pub struct TileCache {
    cache: Option<Cache<TileKey, CachedTile, ByBytes>>,
    capacity: u64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl TileCache {
    /// A cache holding up to `capacity_bytes` of tiles; 0 disables it.
    pub fn new(capacity_bytes: u64) -> Self {
        let cache = (capacity_bytes > 0).then(|| {
            // Room for the count of average-sized (~16 KB) tiles the bound allows.
            let items = (capacity_bytes / 16_384).clamp(64, 1 << 20) as usize;
            Cache::with_weighter(items, capacity_bytes, ByBytes)
        });
        TileCache {
            cache,
            capacity: capacity_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.cache.is_some()
    }

    /// Look a tile up, counting the hit or miss.
    pub fn get(&self, key: &TileKey) -> Option<CachedTile> {
        let found = self.cache.as_ref().and_then(|c| c.get(key));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn insert(&self, key: TileKey, tile: CachedTile) {
        if let Some(c) = &self.cache {
            c.insert(key, tile);
        }
    }

    pub fn clear(&self) {
        if let Some(c) = &self.cache {
            c.clear();
        }
    }

    pub fn stats(&self) -> TileCacheStats {
        TileCacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.cache.as_ref().map_or(0, |c| c.len() as u64),
            bytes: self
                .cache
                .as_ref()
                .map_or(0, quick_cache::sync::Cache::weight),
            capacity_bytes: self.capacity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use bytes::Bytes;

    fn key(x: u32) -> TileKey {
        TileKey {
            version: 1,
            selection: 2,
            tile: TileId::new(10, x, 0).unwrap(),
        }
    }

    fn tile(n: usize) -> CachedTile {
        CachedTile {
            raw: Some(Bytes::from(vec![0u8; n])),
            gzip: None,
        }
    }

    #[test]
    fn counts_hits_and_misses() {
        let c = TileCache::new(1 << 20);
        assert!(c.get(&key(1)).is_none());
        c.insert(key(1), tile(100));
        assert_eq!(c.get(&key(1)).unwrap().raw.unwrap().len(), 100);
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.entries), (1, 1, 1));
    }

    #[test]
    fn stays_within_its_byte_bound() {
        let c = TileCache::new(200_000);
        for x in 0..100 {
            c.insert(key(x), tile(10_000));
        }
        let s = c.stats();
        assert!(s.bytes <= 200_000, "{s:?}");
        assert!(s.entries < 100 && s.entries > 0, "{s:?}");
    }

    #[test]
    fn zero_capacity_disables_it() {
        let c = TileCache::new(0);
        c.insert(key(1), tile(10));
        assert!(c.get(&key(1)).is_none());
        assert!(!c.enabled());
        assert_eq!(c.stats().misses, 1);
    }
}
