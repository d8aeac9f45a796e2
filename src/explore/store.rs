//! The set of visited states: exact, compact, and numbered in insertion order.
//!
//! Every state is packed in the same number of bytes (see
//! [`Packing`]), so the seed's states take about 15 bytes each and state `i`
//! lives at `i * stride` in fixed-size arena segments that are never copied
//! as the set grows: no index beside them. An open-addressing table of
//! 32-bit entries finds them: each holds a state's number and, in the bits
//! the number does not need yet, a tag of its hash, so that most probes
//! that miss never read a state. Equality is checked on the bytes, so the
//! set is exact: no state is ever lost to a hash collision.
//!
//! Inserts come in batches (all successors of one state): their table slots
//! are read first, so the cache misses of the batch overlap.
//!
//! A state with a word wider than its packing allows widens the packing,
//! and every stored state is packed again (rare: the widths leave room).
//! Blocks expanded under the older packing are repacked when merged.
//!
//! With *hash compaction* ([`StateStore::fingerprints`]) a second table
//! holds only a 64-bit fingerprint of each state's words, and a state's
//! bytes are kept only until the search has expanded it
//! ([`StateStore::release_below`]): far less memory, at the price of a small
//! chance that a new state is taken for one already seen, whose bound
//! [`StateStore::miss_probability`] gives.

use std::hint::black_box;
use std::sync::Arc;

use super::packing::Packing;
use super::prints::Fingerprints;

/// Most bytes of one arena segment; under hash compaction, whose segments
/// are freed once expanded, less.
const SEGMENT: usize = 1 << 26;
const RELEASED_SEGMENT: usize = 1 << 20;

/// Most states a store numbers: a table entry keeps the number in 32 bits
/// at a load of at most one half.
pub(crate) const CAPACITY: usize = (1 << 31) - 1;

pub(crate) struct StateStore {
    keys: Keys,
    /// States before this one are released (fingerprints only).
    first: usize,
    len: usize,
    /// Fingerprint lookups made (fingerprints only).
    lookups: u64,
    /// Each segment holds `1 << shift` states.
    shift: u32,
    segments: Vec<Vec<u8>>,
    /// Exact: per slot, 0 or a state's number + 1 with its hash's tag
    /// above it (see [`StateStore::tag_mask`]).
    table: Vec<u32>,
    /// Hash compaction: the fingerprints.
    prints: Option<Fingerprints>,
    scratch: Vec<u8>,
    words: Vec<i64>,
}

/// How states are keyed: packed bytes, and the hash the table looks them up
/// by. Each block of states to expand carries the store's, so that its
/// expansion keys successors exactly as the store would.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    packing: Arc<Packing>,
    fingerprints: bool,
}

impl Keys {
    /// Appends the packed `words` to `out` and returns the hash to look
    /// them up by, or `None` (nothing appended) when they do not fit the
    /// packing and only the store can take them (it widens).
    #[inline]
    pub fn key(&self, words: &[i64], out: &mut Vec<u8>) -> Option<u64> {
        let start = out.len();
        if !self.packing.pack(words, out) {
            return None;
        }
        Some(if self.fingerprints {
            hash_words(words)
        } else {
            hash64(&out[start..])
        })
    }

    /// Unpacks a state packed under these keys into `out`.
    #[inline]
    pub fn unpack(&self, bytes: &[u8], out: &mut [i64]) {
        self.packing.unpack(bytes, out);
    }

    /// Bytes per packed state.
    pub fn stride(&self) -> usize {
        self.packing.stride()
    }

    /// Which of the store's packings these are.
    pub fn version(&self) -> u32 {
        self.packing.version
    }
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            packing: Arc::new(Packing::fitting(&[])),
            fingerprints: false,
        }
    }
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

/// A 64-bit hash of `bytes` (never 0, the empty slot).
fn hash64(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ v).wrapping_mul(K).rotate_left(29);
    }
    // The last bytes, little-endian, byte by byte: a call to copy a few
    // bytes costs more than the loop.
    let tail = chunks
        .remainder()
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | u64::from(b));
    mix((h ^ tail).wrapping_mul(K))
}

/// A state's fingerprint under hash compaction: a hash of its words, so
/// that it does not change when the packing widens (the released states
/// cannot be hashed again).
fn hash_words(words: &[i64]) -> u64 {
    let mut h: u64 = words.len() as u64;
    for &w in words {
        h = (h ^ w as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
    mix(h)
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h.max(1)
}

/// The bits of an exact table entry of a table of `size` slots that hold a
/// hash tag: those above the largest state number + 1 it can hold (at most
/// half its size).
fn tag_mask(size: usize) -> u32 {
    u32::MAX.checked_shl(size.trailing_zeros()).unwrap_or(0)
}

/// Log2 of the states per segment at this stride.
fn segment_shift(stride: usize, fingerprints: bool) -> u32 {
    let bytes = if fingerprints {
        RELEASED_SEGMENT
    } else {
        SEGMENT
    };
    (bytes / stride.max(1)).max(1).ilog2()
}

impl StateStore {
    /// An exact store, or with `fingerprints` a hash-compacted one, whose
    /// packing starts from the `initial` state's words.
    pub fn new(fingerprints: bool, initial: &[i64]) -> Self {
        let packing = Packing::fitting(initial);
        StateStore {
            shift: segment_shift(packing.stride(), fingerprints),
            keys: Keys {
                packing: Arc::new(packing),
                fingerprints,
            },
            first: 0,
            len: 0,
            lookups: 0,
            segments: Vec::new(),
            table: if fingerprints {
                Vec::new()
            } else {
                vec![0; 1 << 10]
            },
            prints: fingerprints.then(Fingerprints::new),
            scratch: Vec::new(),
            words: vec![0; initial.len()],
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// How states are keyed now.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// State `index` as packed (see [`Keys::unpack`]).
    pub fn bytes(&self, index: usize) -> &[u8] {
        let stride = self.keys.packing.stride();
        let segment = &self.segments[index >> self.shift];
        let at = (index & ((1 << self.shift) - 1)) * stride;
        &segment[at..at + stride]
    }

    /// Inserts one state, widening the packing if it does not fit.
    pub fn insert(&mut self, words: &[i64]) -> Insert {
        if !self.keys.packing.fits(words) {
            self.repack(self.keys.packing.widened(words));
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let hash = self
            .keys
            .key(words, &mut scratch)
            .expect("the packing fits after widening");
        let mut out = [Insert::Full];
        self.insert_packed_batch(&scratch, &[(0, scratch.len(), hash)], &mut out);
        self.scratch = scratch;
        out[0]
    }

    /// Inserts states keyed by [`Keys::key`] under the current keys:
    /// `spans` holds each one's byte range in `bytes` and its hash, and
    /// what happened to each is written into `out` (at least as long). A
    /// state repeated within the batch is new only at its first
    /// occurrence.
    pub fn insert_packed_batch(
        &mut self,
        bytes: &[u8],
        spans: &[(usize, usize, u64)],
        out: &mut [Insert],
    ) {
        let want = self.len + spans.len();
        if let Some(prints) = &self.prints {
            for &(_, _, h) in spans {
                prints.touch(h);
            }
        } else {
            if want * 2 > self.table.len() {
                self.grow_table(want);
            }
            self.touch(spans.iter().map(|&(_, _, h)| h));
        }
        for (k, &(start, end, h)) in spans.iter().enumerate() {
            out[k] = if self.len >= CAPACITY {
                Insert::Full
            } else if self.keys.fingerprints {
                self.insert_fingerprint(&bytes[start..end], h)
            } else {
                self.insert_exact(&bytes[start..end], h)
            };
        }
    }

    /// Reads the table slots of a whole block's successors, and the states
    /// they name where the tag matches, before any is inserted: hundreds of
    /// cache misses overlap instead of a batch's few.
    pub fn touch(&self, hashes: impl Iterator<Item = u64> + Clone) {
        if self.keys.fingerprints {
            return;
        }
        for h in hashes.clone() {
            black_box(self.table[self.home(h)]);
        }
        let tags = self.tag_mask();
        for h in hashes {
            let entry = self.table[self.home(h)];
            if entry != 0 && entry & tags == h as u32 & tags {
                black_box(self.bytes(((entry & !tags) - 1) as usize).first());
            }
        }
    }

    fn tag_mask(&self) -> u32 {
        tag_mask(self.table.len())
    }

    /// Where the exact table's probe for `hash` starts: its high bits, so
    /// that the slot order is the hash order and doubling the table keeps
    /// it (a state at `i` moves near `2i`; see [`StateStore::grow_table`]).
    /// The tag comes from its low bits.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash >> (64 - self.table.len().trailing_zeros())) as usize
    }

    fn insert_exact(&mut self, bytes: &[u8], hash: u64) -> Insert {
        match self.probe(bytes, hash) {
            Ok(index) => Insert::Seen(Some(index)),
            Err(pos) => {
                let index = self.push(bytes);
                self.table[pos] = (hash as u32 & self.tag_mask()) | (index + 1);
                Insert::New(index)
            }
        }
    }

    /// The number of the stored state with these bytes and hash, or the
    /// empty slot where it would go (exact table).
    fn probe(&self, bytes: &[u8], hash: u64) -> Result<u32, usize> {
        let tags = self.tag_mask();
        let tag = hash as u32 & tags;
        let mask = self.table.len() - 1;
        let mut pos = self.home(hash);
        loop {
            let entry = self.table[pos];
            if entry == 0 {
                return Err(pos);
            }
            if entry & tags == tag {
                let index = (entry & !tags) - 1;
                if self.bytes(index as usize) == bytes {
                    return Ok(index);
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Inserts by fingerprint alone: a state whose fingerprint is in the
    /// table counts as seen.
    fn insert_fingerprint(&mut self, bytes: &[u8], fingerprint: u64) -> Insert {
        self.lookups += 1;
        let prints = self.prints.as_mut().expect("a hash-compacted store");
        if prints.insert(fingerprint) {
            Insert::New(self.push(bytes))
        } else {
            Insert::Seen(None)
        }
    }

    /// Whether the table holds fingerprints (hash compaction).
    pub fn fingerprints(&self) -> bool {
        self.keys.fingerprints
    }

    /// Under hash compaction, frees the bytes of the states before
    /// `index`, which the search has expanded and will not read again.
    pub fn release_below(&mut self, index: u32) {
        if !self.keys.fingerprints {
            return;
        }
        self.first = self.first.max((index as usize).min(self.len));
        // Segment `k` holds the states before `(k + 1) << shift`.
        let whole = (self.first >> self.shift).min(self.segments.len());
        for segment in &mut self.segments[..whole] {
            *segment = Vec::new();
        }
    }

    /// Under hash compaction, a bound on the probability that some new
    /// state was taken for one already seen, were fingerprints uniformly
    /// random: each of the `t` lookups matches one of at most `n` stored
    /// fingerprints with probability at most `n / 2^64`, so `t n / 2^64`.
    pub fn miss_probability(&self) -> Option<f64> {
        self.keys
            .fingerprints
            .then(|| self.lookups as f64 * self.len() as f64 / 2f64.powi(64))
    }

    /// The number of a stored state, keyed by [`Keys::key`] under the
    /// current keys (exact stores only).
    pub fn find(&self, bytes: &[u8], hash: u64) -> Option<u32> {
        if self.keys.fingerprints {
            return None;
        }
        self.probe(bytes, hash).ok()
    }

    /// [`StateStore::find`] for a state's words (none that does not fit
    /// the packing is stored).
    pub fn find_words(&self, words: &[i64]) -> Option<u32> {
        let mut bytes = Vec::new();
        let hash = self.keys.key(words, &mut bytes)?;
        self.find(&bytes, hash)
    }

    /// Stores a new state's bytes and returns its number.
    fn push(&mut self, bytes: &[u8]) -> u32 {
        let index = self.len;
        if index >> self.shift == self.segments.len() {
            let room = (1usize << self.shift) * self.keys.packing.stride();
            self.segments.push(Vec::with_capacity(room));
        }
        self.segments
            .last_mut()
            .expect("a segment with room")
            .extend_from_slice(bytes);
        self.len += 1;
        index as u32
    }

    /// Packs every kept state again under `packing`, and finds them again.
    /// Each old segment is freed once packed again, so that the arena is
    /// never held twice.
    fn repack(&mut self, packing: Packing) {
        let old = std::mem::replace(&mut self.keys.packing, Arc::new(packing));
        let old_shift = self.shift;
        let mut old_segments = std::mem::take(&mut self.segments);
        let (first, len) = (self.first, self.len);
        self.shift = segment_shift(self.keys.packing.stride(), self.keys.fingerprints);
        self.len = 0;
        let mut words = std::mem::take(&mut self.words);
        let mut bytes = Vec::new();
        // Released states keep their numbers: their room is left empty.
        let empty = vec![0; self.keys.packing.stride()];
        for _ in 0..first >> self.shift {
            self.segments.push(Vec::new());
        }
        self.len = (first >> self.shift) << self.shift;
        while self.len < first {
            self.push(&empty);
        }
        let last_of_segment = (1 << old_shift) - 1;
        for i in first..len {
            let at = (i & last_of_segment) * old.stride();
            old.unpack(
                &old_segments[i >> old_shift][at..at + old.stride()],
                &mut words,
            );
            bytes.clear();
            assert!(self.keys.packing.pack(&words, &mut bytes), "wider fits");
            self.push(&bytes);
            if i & last_of_segment == last_of_segment {
                old_segments[i >> old_shift] = Vec::new();
            }
        }
        self.words = words;
        if !self.keys.fingerprints {
            let size = self.table.len();
            self.rebuild_table(size);
        }
    }

    /// A larger table: the states are found again in the old table's
    /// slot order, which is their hash order, so the new table is written
    /// almost in order too (only the states' bytes are read at random, and
    /// those reads overlap).
    fn grow_table(&mut self, at_least: usize) {
        let mut size = self.table.len();
        while at_least * 2 > size {
            size *= 2;
        }
        let old = std::mem::replace(&mut self.table, vec![0; size]);
        let old_tags = tag_mask(old.len());
        let indices = old
            .iter()
            .filter(|&&e| e != 0)
            .map(|&e| (e & !old_tags) - 1);
        self.place(indices);
    }

    /// A table of `size` slots holding every stored state, hashed again
    /// (after the packing changed).
    fn rebuild_table(&mut self, size: usize) {
        self.table = Vec::new();
        self.table = vec![0; size];
        self.place(0..self.len as u32);
    }

    /// Puts states `indices` into the (empty enough) table, in batches
    /// whose bytes are touched before they are hashed.
    fn place(&mut self, indices: impl Iterator<Item = u32>) {
        let tags = self.tag_mask();
        let mask = self.table.len() - 1;
        let mut batch = [0u32; 32];
        let mut indices = indices.peekable();
        while indices.peek().is_some() {
            let mut n = 0;
            for (slot, index) in batch.iter_mut().zip(&mut indices) {
                *slot = index;
                black_box(self.bytes(index as usize).first());
                n += 1;
            }
            for &index in &batch[..n] {
                let hash = hash64(self.bytes(index as usize));
                let mut pos = self.home(hash);
                while self.table[pos] != 0 {
                    pos = (pos + 1) & mask;
                }
                self.table[pos] = (hash as u32 & tags) | (index + 1);
            }
        }
    }

    /// Decodes state `index` into `out` (which must have the state's width).
    #[cfg(test)]
    pub fn get(&self, index: u32, out: &mut [i64]) {
        self.keys.unpack(self.bytes(index as usize), out);
    }

    fn segment_bytes(&self) -> usize {
        self.segments.iter().map(Vec::len).sum()
    }

    fn table_bytes(&self) -> usize {
        self.table.len() * 4 + self.prints.as_ref().map_or(0, Fingerprints::bytes)
    }

    /// Bytes in use, counting what the next growth of the table would
    /// allocate beside it (the exact table doubles; the fingerprints grow
    /// a shard at a time): what the store may take at its peak before it
    /// stores many more states. (A segment's room is reserved but not
    /// touched until written, so only what is written counts.)
    pub fn peak_bytes(&self) -> usize {
        let growth = match &self.prints {
            Some(prints) => prints.growth_bytes(),
            None => self.table.len() * 4 * 2,
        };
        self.segment_bytes() + self.table_bytes() + growth
    }

    /// Bytes the packed states and the table take (not the arena's room
    /// still unused).
    pub fn memory_bytes(&self) -> usize {
        self.segment_bytes() + self.table_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_exactly_and_decodes_what_it_stored() {
        let mut store = StateStore::new(false, &[0; 5]);
        let states: Vec<Vec<i64>> = (0..5000)
            .map(|i| vec![i, -i, i64::MAX - i, i64::MIN + i, 0])
            .collect();
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::New(n as u32));
        }
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::Seen(Some(n as u32)));
            assert_eq!(store.find_words(s), Some(n as u32));
            let mut out = vec![0; 5];
            store.get(n as u32, &mut out);
            assert_eq!(&out, s);
        }
        assert_eq!(store.find_words(&[1, 2, 3, 4, 5]), None);
        assert_eq!(store.len(), 5000);
    }

    #[test]
    fn widening_keeps_every_state_and_its_number() {
        // Counters that climb through their range, as loop counters do:
        // the packing widens several times while states are stored.
        let mut store = StateStore::new(false, &[0, 0, 0]);
        let states: Vec<Vec<i64>> = (0..20_000i64)
            .map(|i| vec![i % 7, i / 7, i * 1000])
            .collect();
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::New(n as u32));
        }
        assert!(store.keys().version() >= 3, "{}", store.keys().version());
        assert!(store.keys().packing.stride() < 3 * 8);
        for (n, s) in states.iter().enumerate() {
            assert_eq!(store.insert(s), Insert::Seen(Some(n as u32)));
            let mut out = vec![0; 3];
            store.get(n as u32, &mut out);
            assert_eq!(&out, s);
        }
    }

    /// A small deterministic generator (xorshift), so that a failure
    /// reproduces from the round printed with it.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        /// A word value: mostly small, sometimes wide or negative, now and
        /// then an extreme, so that the packing widens at random times.
        fn value(&mut self) -> i64 {
            let r = self.next();
            let x = (r >> 8) as i64;
            match r % 16 {
                0..=8 => x % 4,
                9..=11 => x % 300,
                12 => -(x % 40),
                13 => x >> (r % 60),
                14 => -(x >> (r % 60)),
                _ => [i64::MIN, i64::MAX, i64::MIN + 1, -1][(r >> 4) as usize % 4],
            }
        }
    }

    /// Random batches against a map from each state to its number: every
    /// insert says new exactly when the map has not seen the state, with the
    /// map's number, and every stored state decodes to its words, however
    /// the packing widened between batches. (Fingerprints: new exactly when
    /// unseen, numbering the same.)
    #[test]
    fn agrees_with_a_map_through_random_batches_and_widenings() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..90 {
            let width = 1 + (rng.next() % 5) as usize;
            let fingerprints = round % 3 == 2;
            let initial: Vec<i64> = (0..width).map(|_| rng.value()).collect();
            let mut store = StateStore::new(fingerprints, &initial);
            let mut map: std::collections::HashMap<Vec<i64>, u32> = Default::default();
            let mut seen: Vec<Vec<i64>> = vec![initial];
            let expect =
                |map: &mut std::collections::HashMap<Vec<i64>, u32>, words: &[i64], got: Insert| {
                    let next = map.len() as u32;
                    let want = match map.get(words) {
                        Some(_) if fingerprints => Insert::Seen(None),
                        Some(&n) => Insert::Seen(Some(n)),
                        None => {
                            map.insert(words.to_vec(), next);
                            Insert::New(next)
                        }
                    };
                    assert_eq!(got, want, "round {round}, state {words:?}");
                };
            for _ in 0..300 {
                let batch: Vec<Vec<i64>> = (0..1 + rng.next() % 12)
                    .map(|_| {
                        if rng.next() % 3 == 0 {
                            seen[(rng.next() % seen.len() as u64) as usize].clone()
                        } else {
                            let mut words = seen[(rng.next() % seen.len() as u64) as usize].clone();
                            let k = (rng.next() % width as u64) as usize;
                            words[k] = rng.value();
                            words
                        }
                    })
                    .collect();
                seen.extend(batch.iter().cloned());
                if rng.next() % 4 == 0 {
                    for words in &batch {
                        let got = store.insert(words);
                        expect(&mut map, words, got);
                    }
                    continue;
                }
                // As the search merges a block: the states packed under the
                // keys of the batch's start go in together; one that does
                // not fit goes in alone, widening the packing.
                let mut rest = &batch[..];
                while !rest.is_empty() {
                    let keys = store.keys().clone();
                    let mut bytes = Vec::new();
                    let mut spans = Vec::new();
                    for words in rest {
                        let start = bytes.len();
                        match keys.key(words, &mut bytes) {
                            Some(hash) => spans.push((start, bytes.len(), hash)),
                            None => break,
                        }
                    }
                    let mut out = vec![Insert::Full; spans.len()];
                    store.insert_packed_batch(&bytes, &spans, &mut out);
                    for (words, got) in rest.iter().zip(out) {
                        expect(&mut map, words, got);
                    }
                    rest = &rest[spans.len()..];
                    if let Some(words) = rest.first() {
                        let got = store.insert(words);
                        expect(&mut map, words, got);
                        rest = &rest[1..];
                    }
                }
            }
            assert_eq!(store.len(), map.len(), "round {round}");
            for (words, &n) in &map {
                let mut out = vec![0; width];
                store.get(n, &mut out);
                assert_eq!(&out, words, "round {round}, state {n}");
                if !fingerprints {
                    assert_eq!(store.find_words(words), Some(n), "round {round}");
                }
            }
        }
    }

    #[test]
    fn a_batch_with_a_repeat_is_new_once() {
        let mut store = StateStore::new(false, &[3, 4]);
        let keys = store.keys().clone();
        let mut bytes = Vec::new();
        let spans: Vec<(usize, usize, u64)> = [[1i64, 2], [3, 4], [1, 2]]
            .iter()
            .map(|s| {
                let start = bytes.len();
                let hash = keys.key(s, &mut bytes).expect("fits the packing");
                (start, bytes.len(), hash)
            })
            .collect();
        let mut out = [Insert::Full; 3];
        store.insert_packed_batch(&bytes, &spans, &mut out);
        assert_eq!(out, [Insert::New(0), Insert::New(1), Insert::Seen(Some(0))]);
        assert_eq!(keys.key(&[5, 4], &mut bytes), None, "wider than [3, 4]");
    }

    #[test]
    fn fingerprints_tell_states_apart_and_free_what_was_expanded() {
        let width = 4096;
        let mut store = StateStore::new(true, &vec![0; width]);
        // Wide states, so that they fill several segments.
        let state = |i: i64| {
            let mut words = vec![i % 60; width];
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
        let mut out = vec![0; width];
        store.get(n as u32 - 1, &mut out);
        assert_eq!(out, state(n - 1));
        let before = store.peak_bytes();
        store.release_below(n as u32 - 1);
        assert!(store.peak_bytes() < before / 2, "{before}");
        store.get(n as u32 - 1, &mut out);
        assert_eq!(out, state(n - 1));
        // A wider state packs the kept ones again; fingerprints stay.
        let mut wide = state(n - 1);
        wide[1] = 1 << 50;
        assert_eq!(store.insert(&wide), Insert::New(n as u32));
        store.get(n as u32 - 1, &mut out);
        assert_eq!(out, state(n - 1));
        assert_eq!(store.insert(&state(3)), Insert::Seen(None));
        let p = store.miss_probability().unwrap();
        assert!(p > 0.0 && p < 1e-9, "{p}");
        assert_eq!(StateStore::new(false, &[]).miss_probability(), None);
    }
}
