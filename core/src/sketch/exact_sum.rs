//! [`ExactSum`]: the exact sum of f64 values, correctly rounded once at the end.
//!
//! This is Neal's *small superaccumulator* (R. M. Neal 2015, "Fast exact
//! summation using small and large superaccumulators", arXiv:1505.05571). Every
//! finite double is an integer multiple of 2⁻¹⁰⁷⁴, so the whole sum is one big
//! integer. We hold it in 69 signed 64-bit chunks, chunk `i` weighing
//! 2^(32·i − 1075): a double's 53-bit significand, shifted by the low 5 bits of
//! its exponent field, lands in two neighbouring chunks (32 low bits, ≤ 52 high
//! bits). Chunks are i64 holding nominal 32-bit digits, so ~2¹¹ additions fit
//! before a carry pass ("normalisation") is needed; the hot loop is two integer
//! adds per value.
//!
//! Because the integer is exact, the result does not depend on the order of
//! adds and merges: shards give the same bits as a single pass, which is what
//! makes tabx's mean and std_dev partition-invariant (ARCHITECTURE.md §4).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Mergeable;

/// Exponent fields 1..=2046 give chunk indices 0..=63 plus one for the high
/// part; the rest is headroom for carries of up to 2⁶⁴ values of ±f64::MAX.
const N_CHUNKS: usize = 69;
const DIGIT_BITS: u32 = 32;
const DIGIT_MASK: i64 = (1 << DIGIT_BITS) - 1;
/// After a normalisation every chunk is in [0, 2³²); each add changes a chunk
/// by less than 2⁵². 2³² + 2047·2⁵² < 2⁶³, so 2047 adds cannot overflow.
const ADDS_BETWEEN_CARRIES: u32 = 2047;
const EXP_MASK: u64 = 0x7FF;
const FRAC_MASK: u64 = (1 << 52) - 1;
/// Values per block in [`ExactSum::add_slice`]: 1024 signed significands
/// (|m| < 2⁵³) sum below 2⁶³.
const SAME_EXPONENT_BLOCK: usize = 1024;

/// Exact, order-independent sum of f64 values (see the module docs).
///
/// Non-finite inputs are counted apart: the value is NaN if any NaN or both
/// infinities were added, ±inf if only one sign of infinity was. A finite sum
/// whose correctly rounded value exceeds `f64::MAX` is ±inf (Python's
/// `math.fsum` raises `OverflowError` there instead). An exact zero is `+0.0`,
/// as in `math.fsum`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(into = "ExactSumRepr", try_from = "ExactSumRepr")]
pub struct ExactSum {
    chunks: [i64; N_CHUNKS],
    adds_left: u32,
    pos_inf: u64,
    neg_inf: u64,
    nan: u64,
}

impl Default for ExactSum {
    fn default() -> Self {
        Self { chunks: [0; N_CHUNKS], adds_left: ADDS_BETWEEN_CARRIES, pos_inf: 0, neg_inf: 0, nan: 0 }
    }
}

impl ExactSum {
    /// The number of chunks, chunk `i` weighing 2^(32·i − 1075) (module docs).
    pub const CHUNKS: usize = N_CHUNKS;

    /// The sum held in `chunks` (this type's layout, each |chunk| < 2⁶²,
    /// not necessarily normalised) plus `pos_inf` and `neg_inf` infinities:
    /// how an accumulator kept elsewhere (the CUDA backend's thread blocks,
    /// `tabx-transform`) becomes one, to merge exactly with the others.
    pub fn from_chunks(chunks: [i64; N_CHUNKS], pos_inf: u64, neg_inf: u64) -> Self {
        let mut sum = Self { chunks, pos_inf, neg_inf, ..Self::default() };
        // |chunk| < 2⁶² and carries < 2³⁰: the carry pass cannot overflow.
        sum.normalise();
        sum
    }

    /// Adds one value.
    #[inline]
    pub fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        if (bits >> 52) & EXP_MASK == EXP_MASK {
            self.add_special(bits, 1);
            return;
        }
        add_finite(&mut self.chunks, bits);
        self.adds_left -= 1;
        if self.adds_left == 0 {
            self.normalise();
        }
    }

    /// Adds every value of `xs`: the tight loop, with the carry check hoisted
    /// out to once per block of up to 2047 values.
    ///
    /// A block whose values share one exponent (coordinates, a squared
    /// coordinate: every value in one binade) is one integer: the sum of
    /// their signed significands, in a vectorised pass, scaled by the
    /// exponent's power of two. The per-value loop makes each add wait for
    /// the previous one to the same chunk.
    pub fn add_slice(&mut self, xs: &[f64]) {
        let exponent = |x: &f64| (x.to_bits() >> 52) & EXP_MASK;
        // Values not yet added, from a block of mixed exponents on: runs of
        // such blocks go to the per-value loop in one call.
        let mut mixed_from = 0;
        for (i, block) in xs.chunks(SAME_EXPONENT_BLOCK).enumerate() {
            let (exp, n) = (exponent(&block[0]), block.len());
            // Four probes first: mixed exponents (fares) mostly skip the pass.
            let shared = exp != EXP_MASK
                && [n / 4, n / 2, 3 * n / 4, n - 1].iter().all(|&i| exponent(&block[i]) == exp)
                && block.iter().fold(true, |all, x| all & (exponent(x) == exp));
            if shared {
                let start = i * SAME_EXPONENT_BLOCK;
                self.add_each(&xs[mixed_from..start]);
                self.add_significands(block, exp as u32);
                mixed_from = start + n;
            }
        }
        self.add_each(&xs[mixed_from..]);
    }

    fn add_each(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while !rest.is_empty() {
            let n = rest.len().min(self.adds_left as usize);
            let (block, tail) = rest.split_at(n);
            for &x in block {
                let bits = x.to_bits();
                if (bits >> 52) & EXP_MASK == EXP_MASK {
                    self.add_special(bits, 1);
                } else {
                    add_finite(&mut self.chunks, bits);
                }
            }
            // n ≤ adds_left, so this cannot underflow.
            self.adds_left -= n as u32;
            if self.adds_left == 0 {
                self.normalise();
            }
            rest = tail;
        }
    }

    /// Adds finite values that all have the exponent field `exp`: Σ ±m·2^(e−1075)
    /// with e = max(exp, 1) is (Σ ±m)·2^(e−1075), and Σ ±m is an i64 for up to
    /// [`SAME_EXPONENT_BLOCK`] significands m < 2⁵³.
    fn add_significands(&mut self, xs: &[f64], exp: u32) {
        let implicit = u64::from(exp != 0) << 52;
        let total: i64 = xs
            .iter()
            .map(|x| {
                let bits = x.to_bits();
                let m = ((bits & FRAC_MASK) | implicit) as i64;
                let sign = (bits as i64) >> 63;
                (m ^ sign) - sign
            })
            .sum();
        self.add_scaled(u128::from(total.unsigned_abs()), total < 0, exp.max(1));
    }

    /// Adds ±m·2^(e−1075) for m < 2⁸⁵: its digits from chunk e/32 on. Each
    /// digit is below 2³², within one add's budget.
    fn add_scaled(&mut self, m: u128, negative: bool, e: u32) {
        let sign = -i64::from(negative);
        let mut m = m << (e & 31);
        let mut ix = (e >> 5) as usize;
        while m != 0 {
            let digit = (m as i64) & DIGIT_MASK;
            self.chunks[ix] += (digit ^ sign) - sign;
            m >>= DIGIT_BITS;
            ix += 1;
        }
        self.adds_left -= 1;
        if self.adds_left == 0 {
            self.normalise();
        }
    }

    /// Adds `x` `n` times, exactly: the same sum as `n` calls of
    /// [`add`](Self::add), at the cost of one. What sums a column from its
    /// counts of distinct values ([`ExactValues`](crate::ExactValues)) instead
    /// of value by value.
    #[inline]
    pub fn add_multiple(&mut self, x: f64, n: u64) {
        match n {
            0 => return,
            // A column leaving the cap holds mostly values counted once:
            // one add, not two products spread in digits (4.6% of a
            // `tabx watch` run, whose panes each leave the cap afresh).
            1 => return self.add(x),
            _ => {}
        }
        let bits = x.to_bits();
        if (bits >> 52) & EXP_MASK == EXP_MASK {
            self.add_special(bits, n);
            return;
        }
        let exp = ((bits >> 52) & EXP_MASK) as u32;
        let mant = (bits & FRAC_MASK) | (u64::from(exp != 0) << 52);
        let (negative, e) = (bits >> 63 == 1, exp.max(1));
        // n = hi·2³² + lo: mant·lo < 2⁸⁵, and mant·hi the same 32 bits up.
        self.add_scaled(u128::from(mant) * u128::from(n & 0xFFFF_FFFF), negative, e);
        self.add_scaled(u128::from(mant) * u128::from(n >> 32), negative, e + 32);
    }

    /// Adds an integer exactly: its magnitude in 32-bit digits, each digit
    /// times its power of two being an exact double. For sums of integers
    /// computed in `i128` (cheaper than a value-by-value superaccumulation),
    /// giving the same sum as adding each integer as a double.
    pub fn add_i128(&mut self, v: i128) {
        let sign = if v < 0 { -1.0 } else { 1.0 };
        let mut magnitude = v.unsigned_abs();
        let mut scale = 1.0f64;
        while magnitude != 0 {
            let digit = (magnitude & 0xFFFF_FFFF) as u32;
            if digit != 0 {
                self.add(sign * f64::from(digit) * scale);
            }
            magnitude >>= 32;
            scale *= 4_294_967_296.0;
        }
    }

    /// The exact sum, correctly rounded to the nearest f64 (ties to even).
    pub fn value(&self) -> f64 {
        if self.nan > 0 || (self.pos_inf > 0 && self.neg_inf > 0) {
            return f64::NAN;
        }
        if self.pos_inf > 0 {
            return f64::INFINITY;
        }
        if self.neg_inf > 0 {
            return f64::NEG_INFINITY;
        }
        let mut c = self.chunks;
        normalise(&mut c);
        let negative = c[N_CHUNKS - 1] < 0;
        if negative {
            c.iter_mut().for_each(|d| *d = -*d);
            normalise(&mut c);
        }
        let magnitude = round_to_f64(&c);
        if negative { -magnitude } else { magnitude }
    }

    /// Number of NaN values added.
    pub fn nan_count(&self) -> u64 {
        self.nan
    }

    /// Counts `n` NaN or infinite values (given by their bits).
    #[cold]
    fn add_special(&mut self, bits: u64, n: u64) {
        let count = if bits & FRAC_MASK != 0 {
            &mut self.nan
        } else if bits >> 63 == 0 {
            &mut self.pos_inf
        } else {
            &mut self.neg_inf
        };
        *count += n;
    }

    fn normalise(&mut self) {
        normalise(&mut self.chunks);
        self.adds_left = ADDS_BETWEEN_CARRIES;
    }

    /// Chunks in canonical form: equal sums give equal arrays.
    fn canonical(&self) -> [i64; N_CHUNKS] {
        let mut c = self.chunks;
        normalise(&mut c);
        c
    }
}

/// Adds a finite double (given by its bits) into the chunks.
#[inline(always)]
fn add_finite(chunks: &mut [i64; N_CHUNKS], bits: u64) {
    let exp = ((bits >> 52) & EXP_MASK) as u32;
    // Subnormals (exp 0) have no implicit bit and the scale of exp 1.
    let mant = (bits & FRAC_MASK) | (u64::from(exp != 0) << 52);
    let e = exp.max(1);
    let ix = (e >> 5) as usize;
    let shift = e & 31;
    let low = ((mant << shift) & DIGIT_MASK as u64) as i64;
    let high = (mant >> (DIGIT_BITS - shift)) as i64;
    // Branch-free conditional negation: sign is 0 or -1.
    let sign = (bits as i64) >> 63;
    chunks[ix] += (low ^ sign) - sign;
    chunks[ix + 1] += (high ^ sign) - sign;
}

/// Propagates carries so every chunk but the top one is a digit in [0, 2³²);
/// the top chunk carries the sign.
fn normalise(c: &mut [i64; N_CHUNKS]) {
    let mut carry = 0i64;
    for d in &mut c[..N_CHUNKS - 1] {
        let v = *d + carry;
        *d = v & DIGIT_MASK;
        carry = v >> DIGIT_BITS;
    }
    c[N_CHUNKS - 1] += carry;
}

/// Rounds a non-negative normalised integer M (value M·2⁻¹⁰⁷⁵) to the nearest
/// double, ties to even, with overflow to +inf.
fn round_to_f64(c: &[i64; N_CHUNKS]) -> f64 {
    let Some(h) = c.iter().rposition(|&d| d != 0) else {
        return 0.0;
    };
    let len = 32 * h + (64 - (c[h] as u64).leading_zeros() as usize);
    // Keep 53 significant bits, but never bits below 2⁻¹⁰⁷⁴ (s ≥ 1): below
    // that the double is subnormal and the spacing is fixed.
    let s = len.saturating_sub(53).max(1);
    let t = read_bits(c, s - 1);
    let (m, round) = (t >> 1, t & 1);
    let sticky = any_bits_below(c, s - 1);
    let m = m + (round & (u64::from(sticky) | (m & 1)));
    // With m in [2⁵², 2⁵³] (or below 2⁵² for subnormals, where s = 1), the bit
    // pattern is exactly (s−1)·2⁵² + m; a carry out of the significand rolls
    // into the exponent by itself.
    let bits = ((s as u64 - 1) << 52) + m;
    if bits >= f64::INFINITY.to_bits() { f64::INFINITY } else { f64::from_bits(bits) }
}

/// The 64 bits of M starting at bit `pos`.
fn read_bits(c: &[i64; N_CHUNKS], pos: usize) -> u64 {
    let (j, off) = (pos / 32, pos % 32);
    let digit = |i: usize| c.get(i).map_or(0, |&d| d as u64 as u128);
    let acc = digit(j) | (digit(j + 1) << 32) | (digit(j + 2) << 64);
    (acc >> off) as u64
}

fn any_bits_below(c: &[i64; N_CHUNKS], pos: usize) -> bool {
    let (j, off) = (pos / 32, pos % 32);
    c[..j].iter().any(|&d| d != 0) || c[j] & ((1i64 << off) - 1) != 0
}

impl Mergeable for ExactSum {
    fn merge(&mut self, other: &Self) {
        // Both sides canonical: digits < 2³², so the chunk-wise sum cannot overflow.
        self.normalise();
        for (d, o) in self.chunks.iter_mut().zip(other.canonical()) {
            *d += o;
        }
        self.normalise();
        self.pos_inf += other.pos_inf;
        self.neg_inf += other.neg_inf;
        self.nan += other.nan;
    }
}

/// Equal when the exact sums and the non-finite counts are equal, however the
/// values were added.
impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
            && (self.pos_inf, self.neg_inf, self.nan) == (other.pos_inf, other.neg_inf, other.nan)
    }
}

impl fmt::Debug for ExactSum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExactSum")
            .field("value", &self.value())
            .field("pos_inf", &self.pos_inf)
            .field("neg_inf", &self.neg_inf)
            .field("nan", &self.nan)
            .finish()
    }
}

/// Serialised form: the canonical digits from the lowest non-zero one, so equal
/// sums give identical bytes and typical states take a few dozen bytes.
#[derive(Serialize, Deserialize)]
struct ExactSumRepr {
    first_chunk: u16,
    chunks: Vec<i64>,
    pos_inf: u64,
    neg_inf: u64,
    nan: u64,
}

impl From<ExactSum> for ExactSumRepr {
    fn from(s: ExactSum) -> Self {
        let c = s.canonical();
        let lo = c.iter().position(|&d| d != 0).unwrap_or(N_CHUNKS);
        let hi = c.iter().rposition(|&d| d != 0).map_or(lo, |h| h + 1);
        Self { first_chunk: lo as u16, chunks: c[lo..hi].to_vec(), pos_inf: s.pos_inf, neg_inf: s.neg_inf, nan: s.nan }
    }
}

impl TryFrom<ExactSumRepr> for ExactSum {
    type Error = String;

    fn try_from(r: ExactSumRepr) -> Result<Self, String> {
        let lo = usize::from(r.first_chunk);
        let fits = lo.checked_add(r.chunks.len()).is_some_and(|end| end <= N_CHUNKS);
        // Digits in [0, 2³²); the top chunk holds the sign and, for any real
        // stream, a tiny magnitude (bounded so later carries cannot overflow).
        let digits_ok = r.chunks.iter().enumerate().all(|(i, &d)| {
            if lo + i == N_CHUNKS - 1 { d.unsigned_abs() < 1 << 40 } else { (0..=DIGIT_MASK).contains(&d) }
        });
        if !fits || !digits_ok {
            return Err("ExactSum: chunks out of range".to_string());
        }
        let mut s = ExactSum { pos_inf: r.pos_inf, neg_inf: r.neg_inf, nan: r.nan, ..ExactSum::default() };
        s.chunks[lo..lo + r.chunks.len()].copy_from_slice(&r.chunks);
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

    use super::*;
    use crate::testing::{assert_eq_state, check_merge_laws};
    use crate::{decode_state, encode_state};

    fn sum(xs: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        s.add_slice(xs);
        s.value()
    }

    fn sum_one_by_one(xs: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        xs.iter().for_each(|&x| s.add(x));
        s.value()
    }

    /// 2^k as a double, exact also for subnormal powers (as Python's `2.0**k`).
    fn pow2(k: i32) -> f64 {
        match k {
            -1022.. => f64::from_bits(((k + 1023) as u64) << 52),
            -1074.. => f64::from_bits(1 << (k + 1074)),
            _ => 0.0,
        }
    }

    /// Blocks whose values share an exponent (summed as one integer) give
    /// the chunks of the value-by-value adds: in every binade (subnormal,
    /// ordinary, the largest), signs mixed, and with one value of another
    /// exponent breaking a block.
    #[test]
    fn blocks_of_one_exponent_sum_as_their_values() {
        let mut rng = StdRng::seed_from_u64(3);
        for binade in [0u64, 1, 1000, 1027, 2046] {
            let mut xs: Vec<f64> = (0..5000)
                .map(|_| {
                    let bits = (binade << 52) | (rng.random::<u64>() & FRAC_MASK) | (rng.random::<u64>() & (1 << 63));
                    f64::from_bits(bits)
                })
                .collect();
            let mut one_by_one = ExactSum::default();
            xs.iter().for_each(|&x| one_by_one.add(x));
            let mut sliced = ExactSum::default();
            sliced.add_slice(&xs);
            assert_eq!(sliced, one_by_one, "binade {binade}");
            xs[1500] = 3.0;
            let mut broken = ExactSum::default();
            broken.add_slice(&xs);
            let mut again = ExactSum::default();
            xs.iter().for_each(|&x| again.add(x));
            assert_eq!(broken, again, "binade {binade}, one value of another exponent");
        }
    }

    /// `add_multiple(x, n)` is `n` adds of `x`, bit for bit (the canonical
    /// chunks and the special counts), for every kind of double; a count past
    /// 2³² is the sum of its halves, and an integer's multiple is the i128
    /// product (both checked against independent arithmetic).
    #[test]
    fn a_multiple_is_that_many_adds() {
        let mut rng = StdRng::seed_from_u64(12);
        let specials =
            [0.0, -0.0, 5e-324, -2.2e-308, 1.0, -1.5, f64::MAX, -f64::MAX, f64::INFINITY, -f64::INFINITY, f64::NAN];
        let mut xs: Vec<f64> = specials.to_vec();
        xs.extend((0..300).map(|_| f64::from_bits(rng.random::<u64>())));
        xs.extend((0..300).map(|_| rng.random_range(-1e6..1e6)));
        let mut one_by_one = ExactSum::default();
        let mut multiples = ExactSum::default();
        for &x in &xs {
            let n = rng.random_range(0..3000u64);
            (0..n).for_each(|_| one_by_one.add(x));
            multiples.add_multiple(x, n);
            assert_eq!(multiples, one_by_one, "{x:e} × {n}");
        }
        let (x, big) = (-3.0e-300, (1u64 << 40) + 12_345);
        let (mut whole, mut halves) = (ExactSum::default(), ExactSum::default());
        whole.add_multiple(x, big);
        halves.add_multiple(x, big - (1 << 39));
        halves.add_multiple(x, 1 << 39);
        assert_eq!(whole, halves);
        let mut product = ExactSum::default();
        product.add_multiple(-123_456_789.0, u64::MAX);
        let mut expected = ExactSum::default();
        expected.add_i128(-123_456_789 * i128::from(u64::MAX));
        assert_eq!(product, expected);
    }

    /// An integer added in 32-bit digits is the same sum, bit for bit (the
    /// canonical chunks), as the integers added one by one as doubles.
    #[test]
    fn integers_added_as_i128_equal_their_doubles() {
        let mut rng = StdRng::seed_from_u64(9);
        let xs: Vec<i64> = (0..5000).map(|_| rng.random_range(-(1i64 << 53) + 1..1i64 << 53)).collect();
        let mut by_double = ExactSum::default();
        let mut by_i128 = ExactSum::default();
        let (mut sum, mut sum_sq) = (0i128, 0i128);
        let mut squares = ExactSum::default();
        for &x in &xs {
            by_double.add(x as f64);
            // x² exactly as two doubles (Dekker), as the statistics add it.
            let (p, xf) = ((x as f64) * (x as f64), x as f64);
            squares.add(p);
            squares.add(xf.mul_add(xf, -p));
            sum += i128::from(x);
            sum_sq += i128::from(x) * i128::from(x);
        }
        by_i128.add_i128(sum);
        assert_eq!(by_i128, by_double);
        let mut sq = ExactSum::default();
        sq.add_i128(sum_sq);
        assert_eq!(sq, squares);
        for v in [0i128, -1, 1 << 100, -(1 << 126) + 7, i128::from(u32::MAX) + 1] {
            let mut s = ExactSum::default();
            s.add_i128(v);
            assert_eq!(s.value(), v as f64, "{v}");
        }
    }

    #[test]
    fn matches_python_fsum() {
        // Each expectation is `math.fsum(case).hex()` from CPython 3.11.
        let cases: &[(&[f64], f64)] = &[
            (&[1e16, 1.0, -1e16], 1.0),
            (&[1.0, pow2(-53)], 1.0), // exact tie: to even
            (&[1.0, pow2(-53), 5e-324], 1.000_000_000_000_000_2),
            (&[0.1; 10], 1.0),
            (&[1e100, 1.0, -1e100, 1e-100, 0.1, -0.3], 0.8), // 0x1.999999999999ap-1
            (&[5e-324, 5e-324, -2.225_073_858_507_201_4e-308, 2.225_073_858_507_201e-308], 5e-324),
            (&[f64::MAX, -f64::MAX, f64::MAX, 1.0], f64::MAX),
            (&[f64::MAX, pow2(969)], f64::MAX), // a quarter ulp: rounds down
            (&[], 0.0),
        ];
        for (xs, want) in cases {
            assert_eq!(sum(xs).to_bits(), want.to_bits(), "{xs:?}");
            assert_eq!(sum_one_by_one(xs).to_bits(), want.to_bits(), "{xs:?}");
        }
    }

    #[test]
    fn matches_python_fsum_on_long_inputs() {
        // python3 -c 'import math; print(math.fsum(
        //   [((i*7919)%1000-500)*2.0**((i*37)%E-O)/3.0 for i in range(10000)]).hex())'
        let xs = |e: i32, o: i32| -> Vec<f64> {
            (0..10_000).map(|i| ((i * 7919) % 1000 - 500) as f64 * pow2((i * 37) % e - o) / 3.0).collect()
        };
        assert_eq!(sum(&xs(2000, 1000)), 2f64.powi(1008) * f64::from_bits(0x3FF0_7BCB_8676_3121));
        // Subnormal result: -0x0.0017f4caef3cbp-1022.
        assert_eq!(sum(&xs(60, 1100)), -(0x017F_4CAE_F3CB_u64 as f64) * 5e-324);
        // 1000 values, range 2^±100: -0x1.b0a56a02bf580p+105 (naive sum ends in ...582).
        let ys: Vec<f64> =
            (0..1000).map(|i| ((i * 7919) % 1000 - 500) as f64 * pow2((i * 13) % 200 - 100) / 3.0).collect();
        assert_eq!(sum(&ys), -f64::from_bits(0x3FFB_0A56_A02B_F580) * pow2(105));
    }

    #[test]
    fn overflow_and_non_finite() {
        // fsum raises OverflowError for these; we return ±inf (documented).
        assert_eq!(sum(&[f64::MAX, f64::MAX]), f64::INFINITY);
        assert_eq!(sum(&[-f64::MAX, -pow2(970)]), f64::NEG_INFINITY); // half ulp, ties away from odd MAX
        assert_eq!(sum(&[f64::MAX, f64::MAX, -f64::MAX]), f64::MAX); // intermediate overflow is fine
        assert_eq!(sum(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert_eq!(sum(&[1.0, f64::NEG_INFINITY, f64::NEG_INFINITY]), f64::NEG_INFINITY);
        assert!(sum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert!(sum(&[1.0, f64::NAN]).is_nan());
        assert!(sum(&[-f64::NAN]).is_nan());
        assert_eq!(sum(&[-0.0, -0.0]).to_bits(), 0.0f64.to_bits()); // as fsum: +0.0
        assert_eq!(sum(&[-5e-324]), -5e-324);
    }

    #[test]
    fn many_adds_cross_the_carry_threshold() {
        // 1e6 copies of 0.1: exact value 1e6 * 0.1000000000000000055511151231257827
        // = 100000.0000000000055511...; nearest double is 100000.0.
        let xs = vec![0.1; 1_000_000];
        assert_eq!(sum(&xs), 100_000.0);
        assert_eq!(sum(&vec![f64::MAX; 5000]), f64::INFINITY);
        let mut alt: Vec<f64> = vec![f64::MAX; 5000];
        alt.extend(vec![-f64::MAX; 5000]);
        alt.push(3.0);
        assert_eq!(sum(&alt), 3.0);
    }

    #[test]
    fn order_and_partition_give_identical_bits() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut xs: Vec<f64> = (0..5000)
            .map(|_| {
                let m: f64 = rng.random_range(-1.0..1.0);
                m * pow2(rng.random_range(-1080..1000))
            })
            .collect();
        xs.extend([1e300, -1e300, 5e-324, -0.0]);
        let want = sum(&xs);
        for round in 0..5 {
            xs.shuffle(&mut rng);
            let cut = rng.random_range(0..xs.len());
            let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
            a.add_slice(&xs[..cut]);
            xs[cut..].iter().for_each(|&x| b.add(x));
            if round % 2 == 0 {
                a.merge(&b);
            } else {
                b.merge(&a);
                a = b;
            }
            assert_eq!(a.value().to_bits(), want.to_bits());
        }
    }

    #[test]
    fn chunks_from_elsewhere_are_normalised() {
        // 1.0 = 2⁵² · 2⁻⁵²: exponent field 1023 is chunk 31, shift 31, so the
        // significand 2⁵² lands as 2⁵¹ in chunk 32, weighing 2^(32·32 − 1075).
        let mut chunks = [0i64; ExactSum::CHUNKS];
        chunks[32] = 1 << 51;
        assert_eq!(ExactSum::from_chunks(chunks, 0, 0).value(), 1.0);
        // Unnormalised: −1 + 2³³ · 2^(32·31 − 1075) = −1 + 2⁻⁵⁰, by hand.
        chunks[32] = -(1 << 51);
        chunks[31] = 1 << 33;
        let mut want = ExactSum::default();
        want.add(-1.0);
        want.add(pow2(-50));
        assert_eq!(ExactSum::from_chunks(chunks, 0, 0), want);
        assert_eq!(ExactSum::from_chunks(chunks, 0, 0).value(), -1.0 + pow2(-50));
        assert!(ExactSum::from_chunks(chunks, 1, 0).value().is_infinite());
    }

    #[test]
    fn merge_laws() {
        let xs: Vec<f64> =
            (0..3000).map(|i| ((i * 7919) % 1000 - 500) as f64 * pow2((i * 37) % 300 - 150) / 3.0).collect();
        check_merge_laws(&xs, |s: &mut ExactSum, b: &[f64]| s.add_slice(b), assert_eq_state);
        let odd = [f64::NAN, f64::INFINITY, -0.0, 5e-324, f64::MAX, f64::MAX];
        check_merge_laws(&odd, |s: &mut ExactSum, b: &[f64]| s.add_slice(b), assert_eq_state);
    }

    #[test]
    fn equal_sums_serialise_identically() {
        let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
        a.add_slice(&[1.0, 2.0, -0.5]);
        b.add_slice(&[2.5]);
        assert_eq!(a, b);
        assert_eq!(encode_state(&a).unwrap(), encode_state(&b).unwrap());
        let back: ExactSum = decode_state(&encode_state(&a).unwrap(), "test").unwrap();
        assert_eq!(back.value(), 2.5);
        assert!(decode_state::<ExactSum>(&[200, 0, 1, 2, 0, 0, 0], "bad").is_err());
    }

    #[test]
    fn throughput() {
        let xs: Vec<f64> = (0..1_000_000).map(|i| (i as f64).sqrt() * 1e-3 - 0.4).collect();
        // Best of 5 passes (timings only, printed with --nocapture; no assertion).
        let mut s = ExactSum::default();
        let ns = (0..5)
            .map(|_| {
                let t = std::time::Instant::now();
                s.add_slice(&xs);
                t.elapsed().as_nanos() as f64 / 1e6
            })
            .fold(f64::INFINITY, f64::min);
        println!("ExactSum::add_slice: {ns:.2} ns/value (sum {})", s.value());
    }
}
