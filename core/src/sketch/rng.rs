//! The one pseudo-random generator of tabx-core: SplitMix64.
//!
//! Sketches keep its 64-bit state inside themselves and serialise it, so a run
//! that is repeated (same input, same partitioning, same seed) draws the same
//! coins and writes the same bytes. SplitMix64 (Steele, Lea, Flood 2014, "Fast
//! splittable pseudorandom number generators") passes BigCrush, needs one word
//! of state and a handful of instructions per draw: all a KLL coin needs.
//! Seeded tests (hostile inputs, determinism) draw from it too, so there is
//! one generator to read.

use serde::{Deserialize, Serialize};

/// SplitMix64: `state += golden gamma`, then a 64-bit finaliser (Stafford's mix 13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose first draw depends on `seed` only.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// A uniform index in `0..n` (`n > 0`); Lemire's multiply-shift, whose tiny
    /// bias is irrelevant for shuffling test inputs. `below(0)` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// SplitMix64's finaliser (Steele, Lea and Flood 2014): a bijection of u64
/// whose every output bit depends on every input bit, so nearby integers
/// spread over a hash table (the CUDA backend's integer tables hash with it,
/// as `mix64` in its kernels.cu).
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_reference_sequence() {
        // First outputs for seed 0, from the reference C code in Vigna's
        // splitmix64.c (prng.di.unimi.it).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }
}
