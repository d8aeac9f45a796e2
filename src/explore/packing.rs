//! How the visited set packs a state: each word in a fixed number of bits,
//! so that every state takes the same number of bytes (the *stride*) and
//! state `i` lives at `i * stride`, with no index beside it.
//!
//! The widths are learned: they start from what is known of each word (see
//! [`known_extremes`]) and grow when a state to store has a word that does
//! not fit, with some room to spare so that a counter climbing through its
//! range widens a few times, not at every step. The store then packs every state again under the new widths (see
//! `store.rs`). A packing is canonical: one state, one encoding, so equal
//! states have equal bytes under the same packing.

use crate::model::Scenario;

/// Per word of `sc`'s states, the value farthest from 0 it is known to
/// take where that is known (0 elsewhere): a program's counter, a mutex's
/// holder, a read-write mutex's words, a `sync.Once`'s, a condition
/// variable's waiters. A packing that fits these from the start does not
/// widen late, when the first thread reaches its last instruction.
pub(crate) fn known_extremes(sc: &Scenario) -> Vec<i64> {
    let layout = &sc.layout;
    let threads = sc.threads.len() as i64;
    let mut words = vec![0; layout.width];
    for (t, thread) in sc.threads.iter().enumerate() {
        if let Some(bound) = thread.behaviour.first_word_bound() {
            words[layout.thread_base[t]] = bound;
        }
    }
    let names = &sc.names;
    words[layout.mutex_base..][..names.mutexes.len()].fill(threads);
    for m in 0..names.rw_mutexes.len() {
        // The writer word is negative while a writer holds it.
        words[layout.rw_base + 2 * m] = -threads;
        words[layout.rw_base + 2 * m + 1] = threads;
    }
    for o in 0..names.onces.len() {
        words[layout.once_base + 2 * o] = threads;
        words[layout.once_base + 2 * o + 1] = 1;
    }
    words[layout.cond_base..][..names.conds.len() * sc.threads.len()].fill(1);
    words
}

/// Bits added beyond the `need` a value has when a word widens: a counter
/// that grows widens again only once it is several times as large.
fn room(need: u32) -> u32 {
    1 + need / 4
}

/// The bit width of every word of a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Packing {
    /// Per word: its bits, and whether it holds a negative value (then
    /// zig-zag encoded; most words never do, and save the sign bit).
    widths: Vec<(u8, bool)>,
    stride: usize,
    /// Counts the packings a store has used: blocks packed under an older
    /// one are repacked before they are stored.
    pub version: u32,
}

#[inline]
fn zigzag(w: i64) -> u64 {
    ((w << 1) ^ (w >> 63)) as u64
}

#[inline]
fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
}

/// `w` as packed in a word that is `signed` or not (then `w` must not be
/// negative).
#[inline]
fn encoded(w: i64, signed: bool) -> u64 {
    if signed { zigzag(w) } else { w as u64 }
}

/// What a word of value `w` needs: whether signed, and its bits.
fn needs(w: i64, signed: bool) -> (u32, bool) {
    let signed = signed || w < 0;
    (bits(encoded(w, signed)), signed)
}

/// Bits `z` needs.
fn bits(z: u64) -> u32 {
    64 - z.leading_zeros()
}

impl Packing {
    /// The narrowest packing that fits `words`.
    pub fn fitting(words: &[i64]) -> Self {
        let widths = words
            .iter()
            .map(|&w| {
                let (b, signed) = needs(w, false);
                (b as u8, signed)
            })
            .collect();
        Packing::with_widths(widths, 0)
    }

    /// Every word at 64 bits: fits every state.
    #[cfg(test)]
    pub fn full(width: usize) -> Self {
        Packing::with_widths(vec![(64, true); width], 0)
    }

    fn with_widths(widths: Vec<(u8, bool)>, version: u32) -> Self {
        let total: usize = widths.iter().map(|&(b, _)| usize::from(b)).sum();
        Packing {
            stride: total.div_ceil(8),
            widths,
            version,
        }
    }

    /// Bytes per state.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Whether every word of `words` fits its width.
    pub fn fits(&self, words: &[i64]) -> bool {
        words.iter().zip(&self.widths).all(|(&w, &(b, signed))| {
            (signed || w >= 0) && (b >= 64 || encoded(w, signed) >> b == 0)
        })
    }

    /// A wider packing that also fits `words`: each word that does not fit
    /// gets the bits it needs and some [`room`] more (and a sign, if
    /// negative).
    pub fn widened(&self, words: &[i64]) -> Self {
        let widths = words
            .iter()
            .zip(&self.widths)
            .map(|(&w, &(b, signed))| {
                let (need, now_signed) = needs(w, signed);
                // A word that becomes signed needs one bit more for the
                // values it held.
                let held = u32::from(b) + u32::from(now_signed && !signed);
                if need <= held && now_signed == signed {
                    (b, signed)
                } else {
                    ((need.max(held) + room(need)).min(64) as u8, now_signed)
                }
            })
            .collect();
        Packing::with_widths(widths, self.version + 1)
    }

    /// Appends the packed `words` to `out`; false (and nothing appended)
    /// when some word does not fit.
    #[inline]
    pub fn pack(&self, words: &[i64], out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let mut acc: u64 = 0;
        let mut held: u32 = 0;
        for (&w, &(b, signed)) in words.iter().zip(&self.widths) {
            let b = u32::from(b);
            if b == 0 {
                if w != 0 {
                    out.truncate(start);
                    return false;
                }
                continue;
            }
            let z = encoded(w, signed);
            if (!signed && w < 0) || (b < 64 && z >> b != 0) {
                out.truncate(start);
                return false;
            }
            acc |= z << held;
            if held + b >= 64 {
                out.extend_from_slice(&acc.to_le_bytes());
                // The bits of `z` that did not fit in `acc`.
                acc = if held == 0 { 0 } else { z >> (64 - held) };
                held = held + b - 64;
            } else {
                held += b;
            }
        }
        for &b in &acc.to_le_bytes()[..held.div_ceil(8) as usize] {
            out.push(b);
        }
        debug_assert_eq!(out.len() - start, self.stride);
        true
    }

    /// Unpacks a state packed under this packing into `out` (which must
    /// have the state's width).
    #[inline]
    pub fn unpack(&self, bytes: &[u8], out: &mut [i64]) {
        let mut next = 0;
        // Reads the next (up to) 8 bytes, zero past the end.
        let load = |next: &mut usize| {
            let at = *next;
            *next += 8;
            match bytes.get(at..at + 8) {
                Some(chunk) => u64::from_le_bytes(chunk.try_into().expect("8 bytes")),
                // The last bytes, byte by byte: a call to copy a few bytes
                // costs more than the loop.
                None => bytes[at.min(bytes.len())..]
                    .iter()
                    .rev()
                    .fold(0, |acc, &b| (acc << 8) | u64::from(b)),
            }
        };
        let mut acc: u64 = 0;
        let mut held: u32 = 0;
        for (w, &(b, signed)) in out.iter_mut().zip(&self.widths) {
            let b = u32::from(b);
            if b == 0 {
                *w = 0;
                continue;
            }
            let z = if held >= b {
                let z = if b == 64 {
                    acc
                } else {
                    acc & ((1u64 << b) - 1)
                };
                acc = if b == 64 { 0 } else { acc >> b };
                held -= b;
                z
            } else {
                // The low `held` bits come from `acc`, the rest from the
                // next 8 bytes.
                let fresh = load(&mut next);
                let z = acc | if held == 0 { fresh } else { fresh << held };
                let z = if b == 64 { z } else { z & ((1u64 << b) - 1) };
                let used = b - held;
                acc = if used == 64 { 0 } else { fresh >> used };
                held = 64 - used;
                z
            };
            *w = if signed { unzigzag(z) } else { z as i64 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(packing: &Packing, words: &[i64]) {
        let mut bytes = vec![7u8]; // packing appends
        assert!(packing.pack(words, &mut bytes), "{words:?} fits");
        assert_eq!(bytes.len(), 1 + packing.stride());
        let mut out = vec![1; words.len()];
        packing.unpack(&bytes[1..], &mut out);
        assert_eq!(out, words);
    }

    #[test]
    fn packs_and_unpacks_every_width_exactly() {
        let words: Vec<i64> = vec![0, 1, -1, 52, 34_320, i64::MAX, i64::MIN, -7, 3, 0, 1 << 40];
        round_trip(&Packing::fitting(&words), &words);
        round_trip(&Packing::full(words.len()), &words);
        // Widths that straddle 64-bit boundaries in every way.
        for shift in 0..64 {
            let words: Vec<i64> = (0..9).map(|i| (1i64 << shift).wrapping_sub(i)).collect();
            round_trip(&Packing::fitting(&words), &words);
        }
    }

    #[test]
    fn a_word_too_wide_does_not_fit_until_widened() {
        let narrow = Packing::fitting(&[3, 0, 5]);
        let mut bytes = Vec::new();
        assert!(!narrow.fits(&[3, 1, 5]));
        assert!(!narrow.pack(&[3, 1, 5], &mut bytes));
        assert!(!narrow.pack(&[3, 0, 500], &mut bytes));
        assert!(bytes.is_empty(), "nothing appended");
        let wide = narrow.widened(&[3, 1, 500]);
        assert_eq!(wide.version, 1);
        assert!(wide.fits(&[3, 1, 500]) && wide.fits(&[3, 0, 5]));
        round_trip(&wide, &[3, 1, 500]);
        // Room to spare: 3 times the value still fits.
        assert!(wide.fits(&[3, 3, 1500]));
        // A word that turns negative becomes signed.
        let signed = wide.widened(&[3, -1, 5]);
        assert!(signed.fits(&[3, -1, 500]) && signed.fits(&[3, 1, 500]));
        round_trip(&signed, &[3, -3, 500]);
    }

    #[test]
    fn one_state_one_encoding() {
        let packing = Packing::fitting(&[100, -100, 7]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert!(packing.pack(&[100, -100, 7], &mut a));
        assert!(packing.pack(&[100, -100, 7], &mut b));
        assert_eq!(a, b);
        let mut c = Vec::new();
        assert!(packing.pack(&[100, -100, 6], &mut c));
        assert_ne!(a, c);
    }
}
