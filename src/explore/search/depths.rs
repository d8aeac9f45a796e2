//! Each stored state's depth, kept only while it can still be asked for.

use std::collections::VecDeque;

/// Each stored state's depth (steps from the initial state). Without a
/// possible cycle only the states not yet expanded are asked for again, so
/// the depths of expanded ones are dropped; with one, the cycle check
/// compares both ends of every edge and every depth is kept.
pub(super) struct Depths {
    keep_all: bool,
    /// The depth of state `first + k` is `kept[k]`.
    first: u32,
    kept: VecDeque<u32>,
}

impl Depths {
    pub fn new(keep_all: bool) -> Self {
        Depths {
            keep_all,
            first: 0,
            kept: VecDeque::new(),
        }
    }

    /// Records the depth of the next state stored.
    pub fn push(&mut self, depth: u32) {
        self.kept.push_back(depth);
    }

    /// State `state`'s depth, if still kept.
    pub fn get(&self, state: u32) -> Option<u32> {
        let k = state.checked_sub(self.first)?;
        self.kept.get(k as usize).copied()
    }

    /// State `state`'s depth, which the caller knows is kept.
    pub fn at(&self, state: u32) -> u32 {
        self.get(state).expect(
            "the depth of a state not yet expanded, or of any state when cycles are possible",
        )
    }

    /// Drops the depths of the states before `state` (all expanded), unless
    /// every depth is kept.
    pub fn release_below(&mut self, state: u32) {
        if self.keep_all {
            return;
        }
        while self.first < state && self.kept.pop_front().is_some() {
            self.first += 1;
        }
    }

    /// Bytes held now, and at most so far.
    pub fn bytes(&self) -> (usize, usize) {
        (self.kept.len() * 4, self.kept.capacity() * 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expanded_states_are_dropped_unless_every_depth_is_kept() {
        for keep_all in [false, true] {
            let mut d = Depths::new(keep_all);
            (0..10).for_each(|k| d.push(k * 2));
            d.release_below(4);
            assert_eq!(d.get(3), keep_all.then_some(6));
            assert_eq!(d.at(4), 8);
            assert_eq!(d.at(9), 18);
            assert_eq!(d.get(10), None);
            d.push(20);
            assert_eq!(d.at(10), 20);
        }
    }
}
