//! [`hash64`]: the one byte hash behind distinct counts and sampling.
//!
//! It is XXH3-64 (Yann Collet, xxHash 0.8) with seed 0 and no secret: fast on
//! short strings (a few ns), well mixed in every bit (HyperLogLog reads the top
//! bits for the register and the rest for the rank), and defined on bytes, so
//! the same value hashes the same on every platform and endianness.
//!
//! **Stable across tabx versions.** Partial states (`*.partial` files holding
//! HyperLogLog registers) written by one version are merged by another, and
//! hash-based sampling must pick the same rows in every run. Changing this
//! function is a breaking change of the partial-state format; the tests below
//! pin reference outputs so it cannot change by accident (e.g. a crate update).

use xxhash_rust::xxh3::xxh3_64;

/// A fixed-seed, platform-independent 64-bit hash of `bytes` (XXH3-64, seed 0).
#[inline]
pub fn hash64(bytes: &[u8]) -> u64 {
    xxh3_64(bytes)
}

/// The seed of one partition's sketches: partition `task` of shard `shard`.
/// Distinct for every (shard, task) of a run, so that no two partitions of a
/// sharded scan draw the same coins (which would correlate their sketches'
/// errors instead of letting them cancel when merged); the same for the same
/// partition on every run. Mix in the user's seed and the column's name.
pub fn partition_seed(shard: usize, task: usize) -> u64 {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&(shard as u64).to_le_bytes());
    key[8..].copy_from_slice(&(task as u64).to_le_bytes());
    hash64(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_outputs() {
        // "" and "a": published XXH3_64bits (seed 0) test vectors (xxHash's
        // sanity checks); "tabx": this function's output when it was pinned.
        assert_eq!(hash64(b""), 0x2D06_8005_38D3_94C2);
        assert_eq!(hash64(b"a"), 0xE6C6_32B6_1E96_4E1F);
        assert_eq!(hash64(b"tabx"), 0x0925_AC4E_6416_1065);
    }

    #[test]
    fn spreads_bits() {
        // Neighbouring keys differ in about half of the 64 bits.
        let total: u32 =
            (0u32..1000).map(|i| (hash64(&i.to_le_bytes()) ^ hash64(&(i + 1).to_le_bytes())).count_ones()).sum();
        let mean = f64::from(total) / 1000.0;
        assert!((30.0..34.0).contains(&mean), "{mean}");
    }
}
