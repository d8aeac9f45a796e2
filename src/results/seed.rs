//! Seeds: SplitMix64, the small generator behind each shuttle execution's
//! seed (a function of the run's seed and the execution's number alone, so
//! that shards agree) and behind the explorer's random probes.

/// SplitMix64: a 64-bit state advanced by a fixed odd gamma and mixed.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value below `n` (`n` small: the modulo's bias is negligible).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// The seed of execution `i` of a run seeded with `seed`.
    pub fn nth(seed: u64, i: usize) -> u64 {
        SplitMix(seed.wrapping_add((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))).next()
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix;

    #[test]
    fn an_executions_seed_depends_on_the_run_seed_and_its_number_alone() {
        assert_eq!(SplitMix::nth(7, 3), SplitMix::nth(7, 3));
        assert_ne!(SplitMix::nth(7, 3), SplitMix::nth(7, 4));
        assert_ne!(SplitMix::nth(7, 3), SplitMix::nth(8, 3));
        // The first value of a generator seeded like execution 0's.
        assert_eq!(SplitMix::nth(0, 0), SplitMix(0).next());
    }
}
