//! Hash compaction's table: each visited state as a 64-bit fingerprint
//! alone.
//!
//! The fingerprints are spread over [`SHARDS`] open-addressing tables by
//! their top bits, and each table grows on its own, by half again, once
//! three quarters full. So a growth holds only one shard twice, where one
//! table doubling holds its old self beside one twice as large (for a
//! moment three times the table), and the table takes between 1.33 and 2
//! slots of 8 bytes a state, where doubling takes up to 2.67.

use std::hint::black_box;

/// Log2 of the number of shards.
const SHARD_BITS: u32 = 6;
/// How many tables the fingerprints are spread over.
const SHARDS: usize = 1 << SHARD_BITS;
/// Slots of a new shard.
const FIRST: usize = 16;

/// A set of fingerprints (never 0, the empty slot).
pub(crate) struct Fingerprints {
    shards: Vec<Shard>,
}

struct Shard {
    slots: Vec<u64>,
    len: usize,
}

impl Shard {
    /// Where the probe for `print` starts: the bits below the shard's,
    /// scaled to the table, so that slot order is fingerprint order.
    #[inline]
    fn home(&self, print: u64) -> usize {
        ((u128::from(print << SHARD_BITS) * self.slots.len() as u128) >> 64) as usize
    }

    /// Puts `print`, not in the table, into an empty slot.
    fn place(&mut self, print: u64) {
        let mut pos = self.home(print);
        while self.slots[pos] != 0 {
            pos = if pos + 1 == self.slots.len() {
                0
            } else {
                pos + 1
            };
        }
        self.slots[pos] = print;
    }

    /// Half as many slots again, the fingerprints placed again in their
    /// old slot order, which is (but for the few that wrapped around) their
    /// order in the new table too.
    fn grow(&mut self) {
        let size = self.slots.len() + self.slots.len() / 2;
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for print in old.into_iter().filter(|&p| p != 0) {
            self.place(print);
        }
    }
}

impl Fingerprints {
    pub fn new() -> Self {
        Fingerprints {
            shards: (0..SHARDS)
                .map(|_| Shard {
                    slots: vec![0; FIRST],
                    len: 0,
                })
                .collect(),
        }
    }

    #[inline]
    fn shard(print: u64) -> usize {
        (print >> (64 - SHARD_BITS)) as usize
    }

    /// Reads the slot where the probe for `print` starts, so that a batch's
    /// cache misses overlap.
    #[inline]
    pub fn touch(&self, print: u64) {
        let shard = &self.shards[Self::shard(print)];
        black_box(shard.slots[shard.home(print)]);
    }

    /// Adds `print` (not 0); whether it was not there yet.
    pub fn insert(&mut self, print: u64) -> bool {
        debug_assert_ne!(print, 0, "0 marks an empty slot");
        let shard = &mut self.shards[Self::shard(print)];
        if (shard.len + 1) * 4 > shard.slots.len() * 3 {
            shard.grow();
        }
        let mut pos = shard.home(print);
        loop {
            let slot = shard.slots[pos];
            if slot == 0 {
                shard.slots[pos] = print;
                shard.len += 1;
                return true;
            }
            if slot == print {
                return false;
            }
            pos = if pos + 1 == shard.slots.len() {
                0
            } else {
                pos + 1
            };
        }
    }

    /// Bytes the table takes.
    pub fn bytes(&self) -> usize {
        self.shards.iter().map(|s| s.slots.len() * 8).sum()
    }

    /// Bytes the next growth allocates beside the table: at most the
    /// largest shard's next size.
    pub fn growth_bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| (s.slots.len() + s.slots.len() / 2) * 8)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fingerprints spread like a good hash's, from a counter.
    fn print(i: u64) -> u64 {
        let mut h = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= h >> 31;
        h.wrapping_mul(0xbf58_476d_1ce4_e5b9).max(1)
    }

    #[test]
    fn new_exactly_once_through_every_growth() {
        let mut set = Fingerprints::new();
        let n = 200_000;
        for i in 0..n {
            assert!(set.insert(print(i)), "{i} is new");
        }
        for i in 0..n {
            assert!(!set.insert(print(i)), "{i} was seen");
        }
        assert!(set.insert(print(n)));
        // Three quarters full at most, two slots a state at least.
        let slots = set.bytes() / 8;
        assert!(slots * 3 >= (n as usize + 1) * 4, "{slots}");
        assert!(slots <= (n as usize + 1) * 2 + SHARDS * FIRST, "{slots}");
        assert!(set.growth_bytes() * 16 < set.bytes(), "one shard's growth");
    }

    #[test]
    fn fingerprints_that_share_a_home_or_wrap_around_are_all_kept() {
        let mut set = Fingerprints::new();
        // All in shard 0, all at the last slots' home: they wrap around.
        let crowd: Vec<u64> = (1..=40).map(|k| (u64::MAX >> SHARD_BITS) - k).collect();
        for &p in &crowd {
            assert!(set.insert(p));
        }
        for &p in &crowd {
            assert!(!set.insert(p));
        }
        assert!(set.insert(1), "the smallest fingerprint, home 0");
        assert!(!set.insert(1));
    }
}
