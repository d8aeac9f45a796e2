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

use std::hint::black_box;

/// Bytes per arena segment.
const SEGMENT: usize = 1 << 26;

/// Longest encoded state (the location packs its length in 16 bits).
pub(crate) const MAX_ENCODED: usize = u16::MAX as usize;

pub(crate) struct StateStore {
    segments: Vec<Vec<u8>>,
    /// Per state: global start offset << 16 | encoded length.
    locs: Vec<u64>,
    table: Vec<u64>,
    scratch: Vec<u8>,
    spans: Vec<(usize, usize, u32)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Insert {
    /// Stored now, as this state number.
    New(u32),
    /// Stored before, as this state number.
    Seen(u32),
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
pub(crate) fn encode_key(words: &[i64], out: &mut Vec<u8>) -> u32 {
    let start = out.len();
    encode(words, out);
    hash(&out[start..])
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

fn hash(bytes: &[u8]) -> u32 {
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
    (h >> 32) as u32
}

impl StateStore {
    pub fn new() -> Self {
        StateStore {
            segments: Vec::new(),
            locs: Vec::new(),
            table: vec![0; 1 << 10],
            scratch: Vec::new(),
            spans: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.locs.len()
    }

    /// State `index` as encoded (see [`decode`]).
    pub fn bytes(&self, index: usize) -> &[u8] {
        let loc = self.locs[index];
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
        spans: &[(usize, usize, u32)],
        out: &mut [Insert],
    ) {
        if (self.locs.len() + spans.len()) * 2 > self.table.len() {
            self.grow(self.locs.len() + spans.len());
        }
        let mask = self.table.len() - 1;
        // Touch every first probe before resolving any, so the misses overlap.
        for &(_, _, h) in spans {
            black_box(self.table[h as usize & mask]);
        }
        for (k, &(start, end, h)) in spans.iter().enumerate() {
            out[k] = self.insert_encoded(&bytes[start..end], h);
        }
    }

    fn insert_encoded(&mut self, bytes: &[u8], h: u32) -> Insert {
        let mask = self.table.len() - 1;
        let mut pos = h as usize & mask;
        loop {
            let entry = self.table[pos];
            if entry == 0 {
                let index = self.locs.len() as u32;
                let start = self.append(bytes);
                self.locs.push(((start as u64) << 16) | bytes.len() as u64);
                self.table[pos] = (u64::from(h) << 32) | (u64::from(index) + 1);
                return Insert::New(index);
            }
            if (entry >> 32) as u32 == h && self.bytes((entry as u32 - 1) as usize) == bytes {
                return Insert::Seen(entry as u32 - 1);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// The number of a stored state, encoded by [`encode_key`] with hash
    /// `h`, if it is stored.
    pub fn find(&self, bytes: &[u8], h: u32) -> Option<u32> {
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
            let mut pos = (entry >> 32) as usize & mask;
            while self.table[pos] != 0 {
                pos = (pos + 1) & mask;
            }
            self.table[pos] = entry;
        }
    }

    /// Decodes state `index` into `out` (which must have the state's width).
    pub fn get(&self, index: u32, out: &mut [i64]) {
        decode(self.bytes(index as usize), out);
    }

    /// Bytes the encoded states, the index and the table take (not the
    /// arena's room still unused).
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
        let mut store = StateStore::new();
        let states: Vec<Vec<i64>> = (0..5000)
            .map(|i| vec![i, -i, i64::MAX - i, i64::MIN + i, 0])
            .collect();
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::New(n as u32));
        }
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::Seen(n as u32));
            let mut out = vec![0; 5];
            store.get(n as u32, &mut out);
            assert_eq!(&out, s);
        }
        assert_eq!(store.len(), 5000);
    }

    #[test]
    fn a_batch_with_a_repeat_is_new_once() {
        let mut store = StateStore::new();
        let a = [1i64, 2];
        let b = [3i64, 4];
        let mut out = [Insert::Full; 3];
        store.insert_batch([&a[..], &b[..], &a[..]].into_iter(), &mut out);
        assert_eq!(out, [Insert::New(0), Insert::New(1), Insert::Seen(0)]);
    }
}
