//! FarmHash `Fingerprint64` and the `hash_strings` kernel.
//!
//! TensorFlow hashes strings with FarmHash's `Fingerprint64` wherever a hash
//! must never change: `tf.strings.to_hash_bucket_fast` (what `tft.hash_strings`
//! calls without a key), the OOV buckets of `tf.lookup.StaticVocabularyTable`
//! and the feature hashes of `tf.sparse.cross_hashed`
//! (`tensorflow/core/platform/fingerprint.h`: `Fingerprint64` is
//! `::util::Fingerprint64`, which is `farmhashna::Hash64` on 64-bit builds).
//! [`fingerprint64`] is a port of `farmhashna::Hash64` from Google's
//! `farmhash.cc` (github.com/google/farmhash, MIT licence; also vendored as
//! facebook/folly `folly/external/farmhash/farmhash.cpp`), checked against the
//! `pyfarmhash` wheel and TF's documented bucket ids.
//!
//! Nulls: a null input stays null in [`hash_strings`]' output (TF has no nulls:
//! an absent value of a sparse feature is no value, so no id).

use arrow::array::{Array, Int64Array};
use tabx_core::{Result, TabxError};

use super::values::for_each_bytes;

// Primes of farmhash.cc (shared with CityHash).
const K0: u64 = 0xc3a5_c85c_97cb_3127;
const K1: u64 = 0xb492_b66f_be98_f273;
const K2: u64 = 0x9ae1_6a3b_2f90_404f;

fn fetch64(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(b)
}

fn fetch32(s: &[u8], i: usize) -> u64 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&s[i..i + 4]);
    u64::from(u32::from_le_bytes(b))
}

fn shift_mix(v: u64) -> u64 {
    v ^ (v >> 47)
}

/// Murmur-inspired mix of two words (`HashLen16` with an explicit multiplier).
fn hash_len16(u: u64, v: u64, mul: u64) -> u64 {
    let mut a = (u ^ v).wrapping_mul(mul);
    a ^= a >> 47;
    let mut b = (v ^ a).wrapping_mul(mul);
    b ^= b >> 47;
    b.wrapping_mul(mul)
}

fn hash_len0to16(s: &[u8]) -> u64 {
    let len = s.len();
    if len >= 8 {
        let mul = K2.wrapping_add(len as u64 * 2);
        let a = fetch64(s, 0).wrapping_add(K2);
        let b = fetch64(s, len - 8);
        let c = b.rotate_right(37).wrapping_mul(mul).wrapping_add(a);
        let d = a.rotate_right(25).wrapping_add(b).wrapping_mul(mul);
        return hash_len16(c, d, mul);
    }
    if len >= 4 {
        let mul = K2.wrapping_add(len as u64 * 2);
        let a = fetch32(s, 0);
        return hash_len16((len as u64).wrapping_add(a << 3), fetch32(s, len - 4), mul);
    }
    if len > 0 {
        let (a, b, c) = (u32::from(s[0]), u32::from(s[len >> 1]), u32::from(s[len - 1]));
        let y = a.wrapping_add(b << 8);
        let z = (len as u32).wrapping_add(c << 2);
        return shift_mix(u64::from(y).wrapping_mul(K2) ^ u64::from(z).wrapping_mul(K0)).wrapping_mul(K2);
    }
    K2
}

fn hash_len17to32(s: &[u8]) -> u64 {
    let len = s.len();
    let mul = K2.wrapping_add(len as u64 * 2);
    let a = fetch64(s, 0).wrapping_mul(K1);
    let b = fetch64(s, 8);
    let c = fetch64(s, len - 8).wrapping_mul(mul);
    let d = fetch64(s, len - 16).wrapping_mul(K2);
    hash_len16(
        a.wrapping_add(b).rotate_right(43).wrapping_add(c.rotate_right(30)).wrapping_add(d),
        a.wrapping_add(b.wrapping_add(K2).rotate_right(18)).wrapping_add(c),
        mul,
    )
}

fn hash_len33to64(s: &[u8]) -> u64 {
    let len = s.len();
    let mul = K2.wrapping_add(len as u64 * 2);
    let a = fetch64(s, 0).wrapping_mul(K2);
    let b = fetch64(s, 8);
    let c = fetch64(s, len - 8).wrapping_mul(mul);
    let d = fetch64(s, len - 16).wrapping_mul(K2);
    let y = a.wrapping_add(b).rotate_right(43).wrapping_add(c.rotate_right(30)).wrapping_add(d);
    let z = hash_len16(y, a.wrapping_add(b.wrapping_add(K2).rotate_right(18)).wrapping_add(c), mul);
    let e = fetch64(s, 16).wrapping_mul(mul);
    let f = fetch64(s, 24);
    let g = y.wrapping_add(fetch64(s, len - 32)).wrapping_mul(mul);
    let h = z.wrapping_add(fetch64(s, len - 24)).wrapping_mul(mul);
    hash_len16(
        e.wrapping_add(f).rotate_right(43).wrapping_add(g.rotate_right(30)).wrapping_add(h),
        e.wrapping_add(f.wrapping_add(a).rotate_right(18)).wrapping_add(g),
        mul,
    )
}

/// `WeakHashLen32WithSeeds` over the 32 bytes at `s[i..]`.
fn weak_hash_len32_with_seeds(s: &[u8], i: usize, mut a: u64, mut b: u64) -> (u64, u64) {
    let (w, x, y, z) = (fetch64(s, i), fetch64(s, i + 8), fetch64(s, i + 16), fetch64(s, i + 24));
    a = a.wrapping_add(w);
    b = b.wrapping_add(a).wrapping_add(z).rotate_right(21);
    let c = a;
    a = a.wrapping_add(x).wrapping_add(y);
    b = b.wrapping_add(a.rotate_right(44));
    (a.wrapping_add(z), b.wrapping_add(c))
}

/// FarmHash `Fingerprint64` of `s` (`farmhashna::Hash64`): stable across
/// platforms and releases, the hash TensorFlow uses for string buckets.
pub fn fingerprint64(s: &[u8]) -> u64 {
    const SEED: u64 = 81;
    let len = s.len();
    if len <= 16 {
        return hash_len0to16(s);
    }
    if len <= 32 {
        return hash_len17to32(s);
    }
    if len <= 64 {
        return hash_len33to64(s);
    }

    // Over 64 bytes: keep 56 bytes of state, mix 64-byte chunks, then the last
    // 64 bytes (which may overlap the previous chunk).
    let mut x = SEED;
    let mut y = SEED.wrapping_mul(K1).wrapping_add(113);
    let mut z = shift_mix(y.wrapping_mul(K2).wrapping_add(113)).wrapping_mul(K2);
    let mut v = (0u64, 0u64);
    let mut w = (0u64, 0u64);
    x = x.wrapping_mul(K2).wrapping_add(fetch64(s, 0));

    let end = ((len - 1) / 64) * 64;
    let last64 = end + ((len - 1) & 63) - 63;
    let mut p = 0;
    while p != end {
        x = x.wrapping_add(y).wrapping_add(v.0).wrapping_add(fetch64(s, p + 8)).rotate_right(37).wrapping_mul(K1);
        y = y.wrapping_add(v.1).wrapping_add(fetch64(s, p + 48)).rotate_right(42).wrapping_mul(K1);
        x ^= w.1;
        y = y.wrapping_add(v.0).wrapping_add(fetch64(s, p + 40));
        z = z.wrapping_add(w.0).rotate_right(33).wrapping_mul(K1);
        v = weak_hash_len32_with_seeds(s, p, v.1.wrapping_mul(K1), x.wrapping_add(w.0));
        w = weak_hash_len32_with_seeds(s, p + 32, z.wrapping_add(w.1), y.wrapping_add(fetch64(s, p + 16)));
        std::mem::swap(&mut z, &mut x);
        p += 64;
    }

    let mul = K1.wrapping_add((z & 0xff) << 1);
    let p = last64;
    w.0 = w.0.wrapping_add(((len - 1) & 63) as u64);
    v.0 = v.0.wrapping_add(w.0);
    w.0 = w.0.wrapping_add(v.0);
    x = x.wrapping_add(y).wrapping_add(v.0).wrapping_add(fetch64(s, p + 8)).rotate_right(37).wrapping_mul(mul);
    y = y.wrapping_add(v.1).wrapping_add(fetch64(s, p + 48)).rotate_right(42).wrapping_mul(mul);
    x ^= w.1.wrapping_mul(9);
    y = y.wrapping_add(v.0.wrapping_mul(9)).wrapping_add(fetch64(s, p + 40));
    z = z.wrapping_add(w.0).rotate_right(33).wrapping_mul(mul);
    v = weak_hash_len32_with_seeds(s, p, v.1.wrapping_mul(mul), x.wrapping_add(w.0));
    w = weak_hash_len32_with_seeds(s, p + 32, z.wrapping_add(w.1), y.wrapping_add(fetch64(s, p + 16)));
    std::mem::swap(&mut z, &mut x);
    hash_len16(
        hash_len16(v.0, w.0, mul).wrapping_add(shift_mix(y).wrapping_mul(K0)).wrapping_add(z),
        hash_len16(v.1, w.1, mul).wrapping_add(x),
        mul,
    )
}

/// TensorFlow's `FingerprintCat64` (`tensorflow/core/platform/fingerprint.h`):
/// combines two fingerprints, order-sensitive. `tf.sparse.cross_hashed` folds
/// it over the features of a cross.
pub fn fingerprint_cat64(fp1: u64, fp2: u64) -> u64 {
    const MUL: u64 = 0xc6a4_a793_5bd1_e995;
    let mut result = fp1 ^ MUL;
    result ^= shift_mix(fp2.wrapping_mul(MUL)).wrapping_mul(MUL);
    result = result.wrapping_mul(MUL);
    result = shift_mix(result).wrapping_mul(MUL);
    shift_mix(result)
}

/// The bucket of `bytes` among `buckets`: `Fingerprint64(bytes) % buckets`,
/// as `tf.strings.to_hash_bucket_fast` computes it (unsigned modulo).
pub fn hash_bucket(bytes: &[u8], buckets: u64) -> i64 {
    // `buckets` is checked to fit in i64 by the callers, so the remainder does too.
    (fingerprint64(bytes) % buckets) as i64
}

/// Checks that a bucket count is usable (≥ 1 and representable as an id).
pub(crate) fn check_buckets(buckets: u64, what: &str) -> Result<()> {
    if buckets == 0 || buckets > i64::MAX as u64 {
        return Err(TabxError::config(format!("{what}: the bucket count must be between 1 and 2^63-1, got {buckets}")));
    }
    Ok(())
}

/// `tft.hash_strings` without a key (= `tf.strings.to_hash_bucket_fast`):
/// each value's bucket in `0..hash_buckets`; nulls stay null.
///
/// Accepts Utf8, LargeUtf8, Utf8View, Binary, LargeBinary and BinaryView.
/// Errors on other types and on `hash_buckets == 0`.
pub fn hash_strings(array: &dyn Array, hash_buckets: u64) -> Result<Int64Array> {
    check_buckets(hash_buckets, "hash_strings")?;
    let mut out = Vec::with_capacity(array.len());
    for_each_bytes(array, "hash_strings", |v| out.push(v.map(|b| hash_bucket(b, hash_buckets))))?;
    Ok(Int64Array::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BinaryArray, Float64Array, LargeStringArray, StringArray, StringViewArray};

    #[test]
    fn fingerprint64_matches_pyfarmhash() {
        // `farmhash.fingerprint64(s)` from the pyfarmhash 0.5.1 wheel (Python 3.11),
        // which wraps Google's `util::Fingerprint64`. The inputs cover every length
        // branch: 0, 1-3, 4-7, 8-16, 17-32, 33-64 and the 64-byte loop (65, 128, 201).
        let cases: [(&str, u64); 14] = [
            ("", 11160318154034397263),
            ("a", 12917804110809363939),
            ("abc", 2640714258260161385),
            ("Hello", 15404698994557526151),
            ("2.x", 943390013796179357),
            ("TensorFlow", 4265654129848386254),
            ("0123456789abcdef", 6105018409752412263),
            ("0123456789abcdefg", 12024047538191061578),
            ("the quick brown fox jumps over", 10335427496804070453),
            ("the quick brown fox jumps over the lazy dog, twice", 4472583597495310819),
            (LONG_65, 6939038459966404432),
            (LONG_128, 7090875689639643284),
            (LONG_201, 1401810316841821057),
            ("batch1-FC1-F1", 9500645273450923559),
        ];
        for (s, want) in cases {
            assert_eq!(fingerprint64(s.as_bytes()), want, "{s:?} (len {})", s.len());
        }
    }

    #[test]
    fn fingerprint64_matches_pyfarmhash_at_every_length_to_300() {
        // Python 3.11, pyfarmhash 0.5.1:
        //   pat = bytes((i*37+11) % 256 for i in range(300)); acc = 0
        //   for n in range(301): acc = (acc*31 + farmhash.fingerprint64(pat[:n])) % 2**64
        let pat: Vec<u8> = (0..300u32).map(|i| ((i * 37 + 11) % 256) as u8).collect();
        let acc = (0..=300).fold(0u64, |acc, n| acc.wrapping_mul(31).wrapping_add(fingerprint64(&pat[..n])));
        assert_eq!(acc, 17604955505959123059);
    }

    const LONG_65: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=";
    const LONG_128: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
    const LONG_201: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut al";

    #[test]
    fn to_hash_bucket_fast_doc_example() {
        // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
        // (tensorflow.org/api_docs/python/tf/strings/to_hash_bucket_fast, r2.13).
        let got = hash_strings(&StringArray::from(vec!["Hello", "TensorFlow", "2.x"]), 3).unwrap();
        assert_eq!(got, Int64Array::from(vec![0, 2, 2]));
    }

    #[test]
    fn every_string_type_hashes_alike_and_nulls_stay_null() {
        let vals = vec![Some("Hello"), None, Some(""), Some("2.x")];
        let want = hash_strings(&StringArray::from(vals.clone()), 1000).unwrap();
        assert!(want.is_null(1) && want.null_count() == 1);
        let bytes: Vec<Option<&[u8]>> = vals.iter().map(|v| v.map(str::as_bytes)).collect();
        assert_eq!(hash_strings(&LargeStringArray::from(vals.clone()), 1000).unwrap(), want);
        assert_eq!(hash_strings(&StringViewArray::from(vals.clone()), 1000).unwrap(), want);
        assert_eq!(hash_strings(&BinaryArray::from(bytes), 1000).unwrap(), want);
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = hash_strings(&Float64Array::from(vec![1.0]), 3).unwrap_err();
        assert!(err.to_string().contains("got Float64"), "{err}");
        assert!(hash_strings(&StringArray::from(vec!["a"]), 0).is_err());
        assert!(hash_strings(&StringArray::from(vec!["a"]), u64::MAX).is_err());
        assert!(hash_strings(&StringArray::from(vec!["a"]), i64::MAX as u64).is_ok());
    }
}
