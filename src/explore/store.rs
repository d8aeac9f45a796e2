//! The set of visited states: exact, compact, and numbered in insertion order.
//!
//! States are stored as zig-zag varints in one arena (most words are small:
//! program counters, loop counters, mutex holders), so the seed's states take
//! about 16 bytes each. An open-addressing table of 64-bit entries (32-bit
//! hash tag, 32-bit state number) finds them; equality is checked on the
//! bytes, so the set is exact: no state is ever lost to a hash collision.

pub(crate) struct StateStore {
    arena: Vec<u8>,
    ends: Vec<u64>,
    table: Vec<u64>,
    scratch: Vec<u8>,
}

pub(crate) enum Insert {
    New(u32),
    Seen,
}

fn encode(words: &[i64], out: &mut Vec<u8>) {
    out.clear();
    for &w in words {
        let mut z = ((w << 1) ^ (w >> 63)) as u64;
        while z >= 0x80 {
            out.push((z as u8) | 0x80);
            z >>= 7;
        }
        out.push(z as u8);
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
            arena: Vec::new(),
            ends: Vec::new(),
            table: vec![0; 1 << 10],
            scratch: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    fn bytes(&self, index: usize) -> &[u8] {
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        &self.arena[start..self.ends[index] as usize]
    }

    pub fn insert(&mut self, words: &[i64]) -> Insert {
        let mut scratch = std::mem::take(&mut self.scratch);
        encode(words, &mut scratch);
        let result = self.insert_bytes(&scratch);
        self.scratch = scratch;
        result
    }

    fn insert_bytes(&mut self, bytes: &[u8]) -> Insert {
        if (self.ends.len() + 1) * 2 > self.table.len() {
            self.grow();
        }
        let h = hash(bytes);
        let mask = self.table.len() - 1;
        let mut pos = h as usize & mask;
        loop {
            let entry = self.table[pos];
            if entry == 0 {
                let index = self.ends.len() as u32;
                self.arena.extend_from_slice(bytes);
                self.ends.push(self.arena.len() as u64);
                self.table[pos] = (u64::from(h) << 32) | (u64::from(index) + 1);
                return Insert::New(index);
            }
            if (entry >> 32) as u32 == h {
                let index = (entry as u32) - 1;
                if self.bytes(index as usize) == bytes {
                    return Insert::Seen;
                }
            }
            pos = (pos + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.table);
        self.table = vec![0; old.len() * 2];
        let mask = self.table.len() - 1;
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
        let bytes = self.bytes(index as usize);
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

    /// Bytes held by the arena, the index and the table.
    pub fn memory_bytes(&self) -> usize {
        self.arena.capacity() + self.ends.capacity() * 8 + self.table.capacity() * 8
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
            assert!(matches!(store.insert(s), Insert::New(i) if i as usize == n));
        }
        for (n, s) in states.iter().enumerate() {
            assert!(matches!(store.insert(s), Insert::Seen));
            let mut out = vec![0; 5];
            store.get(n as u32, &mut out);
            assert_eq!(&out, s);
        }
        assert_eq!(store.len(), 5000);
    }
}
