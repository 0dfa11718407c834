//! Deterministic inputs: iteration `i` of seed `s` is always the same byte
//! string, so the driver can regenerate an input that crashed a child
//! process and a failure is reproducible from `(seed, iteration)` alone.

/// SplitMix64: small, fast, good enough to feed `arbitrary`.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// The input of iteration `iteration` for `seed`: random bytes of a length
/// up to `max_len`, skewed towards short inputs (small modules are cheap
/// and find most bugs; long ones give big modules and many calls).
pub fn input(seed: u64, iteration: u64, max_len: usize) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed ^ iteration.wrapping_mul(0xd134_2543_de82_ef95));
    // Skip the first outputs: neighbouring iterations start close.
    rng.next_u64();
    let max = max_len.max(1) as u64;
    let len = match rng.below(4) {
        0 => rng.below(max.min(1024)),
        1 | 2 => rng.below(max.min(8 * 1024)),
        _ => rng.below(max),
    } as usize;
    let mut data = vec![0u8; len];
    rng.fill(&mut data);
    data
}

#[cfg(test)]
mod tests {
    #[test]
    fn inputs_are_deterministic() {
        assert_eq!(super::input(7, 3, 4096), super::input(7, 3, 4096));
        assert_ne!(super::input(7, 3, 4096), super::input(7, 4, 4096));
    }
}
