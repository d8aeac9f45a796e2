//! The set of visited states: exact, compact, and numbered in insertion order.
//!
//! States are stored as zig-zag varints (most words are small: program
//! counters, loop counters, mutex holders), so the seed's states take about
//! 24 bytes each, in fixed-size arena segments that are never copied as the
//! set grows. An open-addressing table of 64-bit entries (32-bit hash tag,
//! 32-bit state number) finds them; equality is checked on the bytes, so the
//! set is exact: no state is ever lost to a hash collision.
//!
//! Inserts come in batches (all successors of one state): their table slots
//! are read first, so the cache misses of the batch overlap.
//!
//! With *hash compaction* ([`StateStore::fingerprints`]) the table holds
//! only a 64-bit fingerprint per state, and a state's bytes are kept only
//! until the search has expanded it ([`StateStore::release_below`]): far
//! less memory, at the price of a small chance that a new state is taken
//! for one already seen, whose bound [`StateStore::miss_probability`]
//! gives.

use std::hint::black_box;

/// Bytes per arena segment.
const SEGMENT: usize = 1 << 26;

/// Longest encoded state (the location packs its length in 16 bits).
pub(crate) const MAX_ENCODED: usize = u16::MAX as usize;

pub(crate) struct StateStore {
    /// Hash compaction: `table` holds fingerprints, and released
    /// segments are emptied.
    fingerprints: bool,
    /// Segments before this one are released (fingerprints only).
    released: usize,
    /// Fingerprint lookups made (fingerprints only).
    lookups: u64,
    segments: Vec<Vec<u8>>,
    /// Per state from `first_loc` on: global start offset << 16 | encoded
    /// length (under hash compaction, the released states' are dropped).
    locs: std::collections::VecDeque<u64>,
    first_loc: usize,
    table: Vec<u64>,
    scratch: Vec<u8>,
    spans: Vec<(usize, usize, u64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    /// Stored now, as this state number.
    New(u32),
    /// Stored before, as this state number (unknown under hash
    /// compaction).
    Seen(Option<u32>),
    /// Not stored: the store was full (the caller's state limit).
    Full,
}

fn encode(words: &[i64], out: &mut Vec<u8>) {
    for &w in words {
        let mut z = ((w << 1) ^ (w >> 63)) as u64;
        while z >= 0x80 {
            out.push((z as u8) | 0x80);
            z >>= 7;
        }
        out.push(z as u8);
    }
}

/// Appends the encoding of `words` to `out` and returns its hash: the key
/// [`StateStore::insert_encoded_batch`] takes.
pub(crate) fn encode_key(words: &[i64], out: &mut Vec<u8>) -> u64 {
    let start = out.len();
    encode(words, out);
    hash64(&out[start..])
}

/// Decodes an encoded state into `out` (which must have the state's width).
pub(crate) fn decode(bytes: &[u8], out: &mut [i64]) {
    let mut i = 0;
    for w in out.iter_mut() {
        let mut z: u64 = 0;
        let mut shift = 0;
        loop {
            let b = bytes[i];
            i += 1;
            z |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
        }
        *w = ((z >> 1) as i64) ^ -((z & 1) as i64);
    }
}

/// A 64-bit hash of `bytes` (never 0, the empty slot): its high half is
/// the exact table's tag, and the whole a state's fingerprint under hash
/// compaction.
fn hash64(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ v).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h.max(1)
}

impl StateStore {
    /// An exact store, or with `fingerprints` a hash-compacted one.
    pub fn new(fingerprints: bool) -> Self {
        StateStore {
            fingerprints,
            released: 0,
            lookups: 0,
            segments: Vec::new(),
            locs: std::collections::VecDeque::new(),
            first_loc: 0,
            table: vec![0; 1 << 10],
            scratch: Vec::new(),
            spans: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.first_loc + self.locs.len()
    }

    /// State `index` as encoded (see [`decode`]).
    pub fn bytes(&self, index: usize) -> &[u8] {
        let loc = self.locs[index - self.first_loc];
        let start = (loc >> 16) as usize;
        let len = (loc & 0xffff) as usize;
        let segment = &self.segments[start / SEGMENT];
        &segment[start % SEGMENT..start % SEGMENT + len]
    }

    /// Inserts one state.
    pub fn insert(&mut self, words: &[i64]) -> Insert {
        let mut out = [Insert::Full];
        self.insert_batch(std::iter::once(words), &mut out);
        out[0]
    }

    /// Inserts several states, writing what happened to each into `out`
    /// (which must be at least as long). A state repeated within the batch
    /// is new only at its first occurrence.
    pub fn insert_batch<'w>(
        &mut self,
        states: impl Iterator<Item = &'w [i64]>,
        out: &mut [Insert],
    ) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut spans = std::mem::take(&mut self.spans);
        scratch.clear();
        spans.clear();
        for words in states {
            let start = scratch.len();
            let h = encode_key(words, &mut scratch);
            spans.push((start, scratch.len(), h));
        }
        self.insert_encoded_batch(&scratch, &spans, out);
        self.scratch = scratch;
        self.spans = spans;
    }

    /// [`StateStore::insert_batch`] for states already encoded by
    /// [`encode_key`]: `spans` holds each one's byte range in `bytes` and
    /// its hash (worker threads encode; only the inserting is sequential).
    pub fn insert_encoded_batch(
        &mut self,
        bytes: &[u8],
        spans: &[(usize, usize, u64)],
        out: &mut [Insert],
    ) {
        if (self.len() + spans.len()) * 2 > self.table.len() {
            self.grow(self.len() + spans.len());
        }
        let mask = self.table.len() - 1;
        // Touch every first probe before resolving any, so the misses overlap.
        for &(_, _, h) in spans {
            let slot = if self.fingerprints { h } else { h >> 32 };
            black_box(self.table[slot as usize & mask]);
        }
        for (k, &(start, end, h)) in spans.iter().enumerate() {
            out[k] = self.insert_encoded(&bytes[start..end], h);
        }
    }

    fn insert_encoded(&mut self, bytes: &[u8], fingerprint: u64) -> Insert {
        if self.fingerprints {
            return self.insert_fingerprint(bytes, fingerprint);
        }
        let h = (fingerprint >> 32) as u32;
        let mask = self.table.len() - 1;
        let mut pos = h as usize & mask;
        loop {
            let entry = self.table[pos];
            if entry == 0 {
                let index = self.push(bytes);
                self.table[pos] = (u64::from(h) << 32) | (u64::from(index) + 1);
                return Insert::New(index);
            }
            if (entry >> 32) as u32 == h && self.bytes((entry as u32 - 1) as usize) == bytes {
                return Insert::Seen(Some(entry as u32 - 1));
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Inserts by fingerprint alone: a state whose fingerprint is in the
    /// table counts as seen.
    fn insert_fingerprint(&mut self, bytes: &[u8], fingerprint: u64) -> Insert {
        self.lookups += 1;
        let mask = self.table.len() - 1;
        // The low bits place it: the high ones made the exact table's tag.
        let mut pos = fingerprint as usize & mask;
        loop {
            let entry = self.table[pos];
            if entry == 0 {
                let index = self.push(bytes);
                self.table[pos] = fingerprint;
                return Insert::New(index);
            }
            if entry == fingerprint {
                return Insert::Seen(None);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Whether the table holds fingerprints (hash compaction).
    pub fn fingerprints(&self) -> bool {
        self.fingerprints
    }

    /// Under hash compaction, frees the bytes of the states before
    /// `index`, which the search has expanded and will not read again.
    pub fn release_below(&mut self, index: u32) {
        let index = index as usize;
        if !self.fingerprints || index >= self.len() {
            return;
        }
        while self.first_loc < index {
            self.locs.pop_front();
            self.first_loc += 1;
        }
        let first_kept = (self.locs[0] >> 16) as usize / SEGMENT;
        while self.released < first_kept {
            self.segments[self.released] = Vec::new();
            self.released += 1;
        }
    }

    /// Under hash compaction, a bound on the probability that some new
    /// state was taken for one already seen, were fingerprints uniformly
    /// random: each of the `t` lookups matches one of at most `n` stored
    /// fingerprints with probability at most `n / 2^64`, so `t n / 2^64`.
    pub fn miss_probability(&self) -> Option<f64> {
        self.fingerprints
            .then(|| self.lookups as f64 * self.len() as f64 / 2f64.powi(64))
    }

    /// The number of a stored state, encoded by [`encode_key`] with hash
    /// `h`, if it is stored.
    pub fn find(&self, bytes: &[u8], fingerprint: u64) -> Option<u32> {
        let h = (fingerprint >> 32) as u32;
        let mask = self.table.len().checked_sub(1)?;
        let mut pos = h as usize & mask;
        loop {
            let entry = self.table[pos];
            if entry == 0 {
                return None;
            }
            if (entry >> 32) as u32 == h && self.bytes((entry as u32 - 1) as usize) == bytes {
                return Some(entry as u32 - 1);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Stores a new state's bytes and returns its number.
    fn push(&mut self, bytes: &[u8]) -> u32 {
        let index = self.len() as u32;
        let start = self.append(bytes);
        self.locs
            .push_back(((start as u64) << 16) | bytes.len() as u64);
        index
    }

    /// Appends encoded bytes, never splitting a state across segments.
    fn append(&mut self, bytes: &[u8]) -> usize {
        assert!(
            bytes.len() <= MAX_ENCODED,
            "a state encodes to more than 64 KiB"
        );
        let need_new = self
            .segments
            .last()
            .is_none_or(|s| s.len() + bytes.len() > SEGMENT);
        if need_new {
            self.segments.push(Vec::with_capacity(SEGMENT));
        }
        let segment_index = self.segments.len() - 1;
        let segment = &mut self.segments[segment_index];
        let start = segment_index * SEGMENT + segment.len();
        segment.extend_from_slice(bytes);
        start
    }

    fn grow(&mut self, at_least: usize) {
        let mut size = self.table.len();
        while at_least * 2 > size {
            size *= 2;
        }
        let old = std::mem::replace(&mut self.table, vec![0; size]);
        let mask = size - 1;
        for entry in old.into_iter().filter(|&e| e != 0) {
            let mut pos = if self.fingerprints {
                entry as usize & mask
            } else {
                (entry >> 32) as usize & mask
            };
            while self.table[pos] != 0 {
                pos = (pos + 1) & mask;
            }
            self.table[pos] = entry;
        }
    }

    /// Decodes state `index` into `out` (which must have the state's width).
    #[cfg(test)]
    pub fn get(&self, index: u32, out: &mut [i64]) {
        decode(self.bytes(index as usize), out);
    }

    /// Bytes in use, counting the index's room reserved ahead and the
    /// table the next growth would allocate beside the current one: what
    /// the store may take at its peak before it stores many more states.
    /// (A segment's room is reserved but not touched until written, so
    /// only what is written counts.)
    pub fn peak_bytes(&self) -> usize {
        self.segments.iter().map(Vec::len).sum::<usize>()
            + self.locs.capacity() * 8
            + self.table.len() * 8 * 3
    }

    /// Bytes the encoded states, the index and the table take (not the
    /// arena's room still unused).
    pub fn memory_bytes(&self) -> usize {
        self.segments.iter().map(Vec::len).sum::<usize>()
            + self.locs.len() * 8
            + self.table.len() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_exactly_and_decodes_what_it_stored() {
        let mut store = StateStore::new(false);
        let states: Vec<Vec<i64>> = (0..5000)
            .map(|i| vec![i, -i, i64::MAX - i, i64::MIN + i, 0])
            .collect();
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::New(n as u32));
        }
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::Seen(Some(n as u32)));
            let mut out = vec![0; 5];
            store.get(n as u32, &mut out);
            assert_eq!(&out, s);
        }
        assert_eq!(store.len(), 5000);
    }

    #[test]
    fn a_batch_with_a_repeat_is_new_once() {
        let mut store = StateStore::new(false);
        let a = [1i64, 2];
        let b = [3i64, 4];
        let mut out = [Insert::Full; 3];
        store.insert_batch([&a[..], &b[..], &a[..]].into_iter(), &mut out);
        assert_eq!(out, [Insert::New(0), Insert::New(1), Insert::Seen(Some(0))]);
    }

    #[test]
    fn fingerprints_tell_states_apart_and_free_what_was_expanded() {
        let mut store = StateStore::new(true);
        // Wide states (a byte a word), so that they fill two segments.
        let state = |i: i64| {
            let mut words = vec![i % 60; 4096];
            words[0] = i / 60;
            words
        };
        let n = 20_000;
        for i in 0..n {
            assert_eq!(store.insert(&state(i)), Insert::New(i as u32));
        }
        for i in 0..n {
            assert_eq!(store.insert(&state(i)), Insert::Seen(None));
        }
        let mut out = vec![0; 4096];
        store.get(n as u32 - 1, &mut out);
        assert_eq!(out, state(n - 1));
        let before = store.peak_bytes();
        store.release_below(n as u32 - 1);
        assert!(store.peak_bytes() < before / 2, "{before}");
        store.get(n as u32 - 1, &mut out);
        assert_eq!(out, state(n - 1));
        let p = store.miss_probability().unwrap();
        assert!(p > 0.0 && p < 1e-9, "{p}");
        assert_eq!(StateStore::new(false).miss_probability(), None);
    }
}
