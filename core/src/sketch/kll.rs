//! [`KllSketch`]: a seeded, mergeable quantile sketch with a stated rank error.
//!
//! Karnin, Lang, Liberty 2016 ("Optimal Quantile Approximation in Streams"),
//! laid out as Apache DataSketches' KLL sketch: a stack of *levels* (compactors);
//! an item on level h stands for 2^h input values. Level h may hold about
//! k·(2/3)^depth items (depth counted from the top level, never fewer than 8).
//! When the sketch is full, the lowest over-full level is sorted and *compacted*:
//! a fair coin picks the odd or the even items, which move up one level
//! (doubling their weight); the others are dropped. The coin comes from a
//! SplitMix64 generator whose state is part of the sketch, so the same input in
//! the same order (and the same merge order) gives byte-identical sketches, and
//! feeding values one by one or in batches of any size gives the same sketch.
//!
//! Rank error: with probability ≈ 99 % a single quantile is within
//! [`KllSketch::normalized_rank_error`] ≈ 2.296 / k^0.9723 (DataSketches'
//! empirical fit), 0.01 for the default k = 269. Memory: O(k + log(n/k)) items.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::SplitMix64;
use super::sort::sort_f64;
use crate::Mergeable;

/// Smallest capacity of any level (DataSketches' `m`), also the smallest k.
const MIN_WIDTH: usize = 8;
/// DataSketches' fit of the single-quantile rank error: eps = A / k^B.
const EPS_A: f64 = 2.296;
const EPS_B: f64 = 0.9723;

/// A KLL quantile sketch of f64 values (see the module docs).
///
/// Quantiles are *inclusive nearest-rank*: `quantile(q)` is the smallest
/// retained value whose estimated rank (number of values ≤ it) is at least
/// ⌈q·n⌉, i.e. numpy's `quantile(method="inverted_cdf")`. For the median of an
/// odd n that is `numpy.median`; for an even n it is the lower middle value.
/// `q = 0` and `q = 1` return the exact minimum and maximum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KllRepr")]
pub struct KllSketch {
    k: u16,
    n: u64,
    min: Option<f64>,
    max: Option<f64>,
    /// `levels[0]` is unsorted; every higher level is sorted by `total_cmp`.
    levels: Vec<Vec<f64>>,
    rng: SplitMix64,
    /// Length of level 0 at which the sketch is full (derived, not stored).
    #[serde(skip)]
    level0_limit: usize,
    /// Capacity of each level (derived from k and the number of levels).
    #[serde(skip)]
    caps: Vec<usize>,
}

impl Default for KllSketch {
    /// `with_epsilon(0.01, 0)`: k = 269.
    fn default() -> Self {
        Self::with_epsilon(0.01, 0)
    }
}

impl KllSketch {
    /// An empty sketch with parameter `k` (raised to at least 8) whose coins
    /// are drawn from `seed`.
    pub fn new(k: u16, seed: u64) -> Self {
        let mut s = Self {
            k: k.max(MIN_WIDTH as u16),
            n: 0,
            min: None,
            max: None,
            levels: vec![Vec::new()],
            rng: SplitMix64::new(seed),
            level0_limit: 0,
            caps: Vec::new(),
        };
        s.refresh();
        s
    }

    /// The smallest k whose normalised rank error is at most `eps`, by
    /// DataSketches' fit eps = 2.296 / k^0.9723, rounded up as DataSketches does (0.01 → 269). A NaN or
    /// non-positive `eps` gives the largest k (65535).
    pub fn with_epsilon(eps: f64, seed: u64) -> Self {
        let k =
            if eps > 0.0 { (EPS_A / eps).powf(1.0 / EPS_B).ceil().min(f64::from(u16::MAX)) as u16 } else { u16::MAX };
        Self::new(k, seed)
    }

    /// Draws the coins of the compactions to come from `seed` (one seed per
    /// partition of a scan: `partition_seed`).
    pub fn reseed(&mut self, seed: u64) {
        self.rng = SplitMix64::new(seed);
    }

    /// Adds one value; NaN is ignored, ±inf are ordinary values.
    #[inline]
    pub fn update(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        self.widen(x, x);
        self.levels[0].push(x);
        if self.levels[0].len() >= self.level0_limit {
            self.compress();
        }
    }

    /// Adds every value of `xs`; gives exactly the sketch that calling
    /// [`Self::update`] on each value would, in bulk: level 0 is filled by
    /// copying and sorted once per compaction.
    pub fn update_slice(&mut self, xs: &[f64]) {
        let mut rest = xs;
        while !rest.is_empty() {
            // Copy up to the point where `update` would compact (NaNs skipped,
            // so a block may stop short of it; the loop then takes more).
            let take = self.level0_limit.saturating_sub(self.levels[0].len()).clamp(1, rest.len());
            let before = self.levels[0].len();
            self.levels[0].extend(rest[..take].iter().filter(|x| !x.is_nan()));
            rest = &rest[take..];
            if let Some((lo, hi)) = min_max(&self.levels[0][before..]) {
                self.n += (self.levels[0].len() - before) as u64;
                self.widen(lo, hi);
            }
            if self.levels[0].len() >= self.level0_limit {
                self.compress();
            }
        }
    }

    /// Adds a run sorted by [`f64::total_cmp`] (the NaNs a total-order sort
    /// puts at its ends are skipped), compacting the run as a whole: while it
    /// holds at least twice the capacity of the level it has reached (and a
    /// level above it exists), a fair coin keeps its odd or even items, which
    /// move up a level, the odd one out staying behind; what is left merges
    /// into the level reached, and the sketch compresses as usual.
    ///
    /// Each of those compactions is a KLL compaction of a sorted buffer (its
    /// rank error at most the items' weight, zero in expectation), only with a
    /// larger buffer than the level's: the run at level h holds at least 2·c_h
    /// items, so per value it adds less variance at each level than the
    /// level's own compactions would (Karnin, Lang, Liberty 2016, §3). The
    /// sketch differs from [`Self::update_slice`]'s, within the same bound
    /// (`sorted_runs_within_bound`), and is reproducible for the same runs.
    /// It costs about two copies per value instead of one pass per level.
    pub fn update_sorted(&mut self, run: &mut Vec<f64>) {
        let first = run.iter().position(|x| !x.is_nan()).unwrap_or(run.len());
        let last = run.iter().rposition(|x| !x.is_nan()).map_or(first, |i| i + 1);
        run.truncate(last);
        run.drain(..first);
        let (Some(&lo), Some(&hi)) = (run.first(), run.last()) else { return };
        debug_assert!(run.is_sorted_by(|a, b| a.total_cmp(b).is_le()), "update_sorted takes a sorted run");
        self.n += run.len() as u64;
        self.widen(lo, hi);
        let mut h = 0;
        while h + 1 < self.levels.len() && run.len() >= 2 * self.caps[h] {
            if run.len() % 2 == 1 {
                let smallest = run[0];
                self.insert_sorted(h, &[smallest]);
            }
            let half = promote_half(&mut self.rng, run, 0);
            run.truncate(half);
            h += 1;
        }
        self.insert_sorted(h, run);
        self.compress();
    }

    /// Sorts `batch` ([`sort_f64`]) and adds it as one run ([`Self::update_sorted`]).
    pub fn update_batch(&mut self, batch: &mut Vec<f64>) {
        sort_f64(batch);
        self.update_sorted(batch);
    }

    /// Takes `lo` and `hi` into the exact min and max (−0.0 below +0.0).
    fn widen(&mut self, lo: f64, hi: f64) {
        self.min = Some(self.min.map_or(lo, |m| if lo.total_cmp(&m) == Ordering::Less { lo } else { m }));
        self.max = Some(self.max.map_or(hi, |m| if hi.total_cmp(&m) == Ordering::Greater { hi } else { m }));
    }

    /// Adds sorted `items` to level `h`: appended to level 0 (unsorted),
    /// merged into a higher (sorted) level from the back.
    fn insert_sorted(&mut self, h: usize, items: &[f64]) {
        if h == 0 {
            self.levels[0].extend_from_slice(items);
        } else {
            merge_from_back(&mut self.levels[h], items);
        }
    }

    /// Number of (non-NaN) values seen.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// True when no value was seen.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The parameter k.
    pub fn k(&self) -> u16 {
        self.k
    }

    /// The exact smallest value (−0.0 counts as below +0.0).
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// The exact largest value.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// Single-quantile rank error at ≈ 99 % confidence: 2.296 / k^0.9723.
    pub fn normalized_rank_error(&self) -> f64 {
        EPS_A / f64::from(self.k).powf(EPS_B)
    }

    /// Number of items retained (the memory the sketch holds, in f64s).
    pub fn num_retained(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    /// The q-quantile (see the type docs); `None` when empty or q ∉ [0, 1].
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles(&[q]).pop().filter(|v| !v.is_nan())
    }

    /// Many quantiles from one sorted view; NaN for an invalid q or an empty sketch.
    pub fn quantiles(&self, qs: &[f64]) -> Vec<f64> {
        let view = SortedView::new(self);
        qs.iter().map(|&q| view.quantile(self, q)).collect()
    }

    /// Estimated fraction of values ≤ `x`; NaN when empty or `x` is NaN.
    pub fn rank(&self, x: f64) -> f64 {
        self.cdf(&[x])[0]
    }

    /// Estimated fraction of values ≤ each split, from one sorted view.
    pub fn cdf(&self, splits: &[f64]) -> Vec<f64> {
        let view = SortedView::new(self);
        splits.iter().map(|&x| view.rank(self, x)).collect()
    }

    /// Recomputes the derived fields after the levels changed.
    fn refresh(&mut self) {
        let num_levels = self.levels.len();
        if self.caps.len() != num_levels {
            self.caps = (0..num_levels).map(|h| level_capacity(self.k, num_levels, h)).collect();
        }
        let upper: usize = self.levels[1..].iter().map(Vec::len).sum();
        self.level0_limit = self.caps.iter().sum::<usize>().saturating_sub(upper).max(1);
    }

    /// Compacts the lowest full level until the sketch fits its capacity.
    fn compress(&mut self) {
        while self.num_retained() >= self.caps.iter().sum() {
            let Some(h) = (0..self.levels.len()).find(|&h| self.levels[h].len() >= self.caps[h]) else {
                break; // unreachable by pigeonhole; keeps a bad state from looping
            };
            self.compact(h);
        }
        self.refresh();
    }

    /// One KLL compaction of level `h` into level `h + 1`, without allocating
    /// (this runs every few dozen updates).
    fn compact(&mut self, h: usize) {
        if h + 1 == self.levels.len() {
            self.levels.push(Vec::new());
            self.caps.clear();
            self.refresh();
        }
        let (lower, upper) = self.levels.split_at_mut(h + 1);
        let (buf, above) = (&mut lower[h], &mut upper[0]);
        if h == 0 {
            buf.sort_unstable_by(f64::total_cmp);
        }
        let odd = buf.len() % 2;
        let half = promote_half(&mut self.rng, buf, odd);
        merge_from_back(above, &buf[odd..odd + half]);
        buf.truncate(odd);
    }
}

/// KLL's coin on sorted `buf`: an odd item out stays behind (the smallest,
/// `buf[0]`, as DataSketches keeps it), and a fair coin picks the even or the
/// odd ones of the rest, which are packed from `buf[to]` on (`to` at most
/// the odd item's count, so nothing is overwritten before it is read).
/// Returns how many were picked: the items that move up a level.
fn promote_half(rng: &mut SplitMix64, buf: &mut [f64], to: usize) -> usize {
    let odd = buf.len() % 2;
    let offset = odd + (rng.next_u64() & 1) as usize;
    let half = (buf.len() - odd) / 2;
    for i in 0..half {
        buf[to + i] = buf[offset + 2 * i];
    }
    half
}

/// Capacity of level `h` of `num_levels`: round(k·(2/3)^depth), depth counted
/// from the top, at least 8; in integers as DataSketches does, so every
/// platform agrees.
fn level_capacity(k: u16, num_levels: usize, h: usize) -> usize {
    let depth = (num_levels - 1 - h) as u32;
    if depth > 30 {
        return MIN_WIDTH; // 65535·(2/3)^31 < 1
    }
    let twice = (u64::from(k) << 1) << depth;
    let cap = (twice / 3u64.pow(depth)).div_ceil(2) as usize;
    cap.max(MIN_WIDTH)
}

impl Mergeable for KllSketch {
    /// Level-wise union, then compaction; the result keeps the smaller k and
    /// `self`'s coin generator.
    fn merge(&mut self, other: &Self) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        self.k = self.k.min(other.k);
        self.n += other.n;
        self.min = [self.min, other.min].into_iter().flatten().min_by(f64::total_cmp);
        self.max = [self.max, other.max].into_iter().flatten().max_by(f64::total_cmp);
        if self.levels.len() < other.levels.len() {
            self.levels.resize(other.levels.len(), Vec::new());
        }
        self.levels[0].extend_from_slice(&other.levels[0]);
        for (mine, theirs) in self.levels.iter_mut().zip(&other.levels).skip(1) {
            *mine = merge_sorted(mine, theirs);
        }
        self.caps.clear(); // k or the number of levels may have changed
        self.refresh();
        self.compress();
    }
}

/// All retained items sorted, with cumulative weights.
struct SortedView {
    values: Vec<f64>,
    cum: Vec<u64>,
}

impl SortedView {
    fn new(s: &KllSketch) -> Self {
        let mut items: Vec<(f64, u64)> =
            s.levels.iter().enumerate().flat_map(|(h, l)| l.iter().map(move |&v| (v, 1u64 << h))).collect();
        items.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut total = 0;
        let cum = items
            .iter()
            .map(|&(_, w)| {
                total += w;
                total
            })
            .collect();
        Self { values: items.into_iter().map(|(v, _)| v).collect(), cum }
    }

    fn quantile(&self, s: &KllSketch, q: f64) -> f64 {
        let (Some(min), Some(max)) = (s.min, s.max) else { return f64::NAN };
        if !(0.0..=1.0).contains(&q) {
            return f64::NAN;
        }
        if q == 0.0 {
            return min;
        }
        if q == 1.0 {
            return max;
        }
        // Natural rank ⌈q·n⌉, forgiving float noise such as 0.3·10 = 3.0000000000000004.
        let t = q * s.n as f64;
        let near = t.round();
        let rank = if (t - near).abs() <= 1e-9 * t.max(1.0) { near } else { t.ceil() };
        // Items carry weights summing to n; scale in case of a future weight drift.
        let target = rank / s.n as f64 * self.cum.last().copied().unwrap_or(0) as f64;
        let i = self.cum.partition_point(|&c| (c as f64) < target);
        self.values.get(i).copied().unwrap_or(max)
    }

    fn rank(&self, s: &KllSketch, x: f64) -> f64 {
        let (Some(min), Some(max), Some(&total)) = (s.min, s.max, self.cum.last()) else { return f64::NAN };
        if x.is_nan() {
            return f64::NAN;
        }
        if x < min {
            return 0.0;
        }
        if x >= max {
            return 1.0;
        }
        let i = self.values.partition_point(|&v| v <= x);
        if i == 0 { 0.0 } else { self.cum[i - 1] as f64 / total as f64 }
    }
}

/// Merges sorted `run` into sorted `level` in place, from the back (no
/// allocation past `level`'s growth; an item of `run` goes after equal ones).
fn merge_from_back(level: &mut Vec<f64>, run: &[f64]) {
    let (mut i, mut j) = (level.len(), run.len());
    level.resize(level.len() + run.len(), 0.0);
    for w in (0..level.len()).rev() {
        if j == 0 {
            break;
        }
        if i > 0 && level[i - 1].total_cmp(&run[j - 1]) == Ordering::Greater {
            level[w] = level[i - 1];
            i -= 1;
        } else {
            level[w] = run[j - 1];
            j -= 1;
        }
    }
}

fn merge_sorted(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j].total_cmp(&a[i]) == Ordering::Less {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn min_max(xs: &[f64]) -> Option<(f64, f64)> {
    let first = *xs.first()?;
    Some(xs.iter().fold((first, first), |(lo, hi), &x| {
        (
            if x.total_cmp(&lo) == Ordering::Less { x } else { lo },
            if x.total_cmp(&hi) == Ordering::Greater { x } else { hi },
        )
    }))
}

/// The serialised fields, checked on the way in so a corrupt partial cannot
/// make later updates panic or loop.
#[derive(Deserialize)]
struct KllRepr {
    k: u16,
    n: u64,
    min: Option<f64>,
    max: Option<f64>,
    levels: Vec<Vec<f64>>,
    rng: SplitMix64,
}

impl TryFrom<KllRepr> for KllSketch {
    type Error = String;

    fn try_from(r: KllRepr) -> Result<Self, String> {
        let weight = r.levels.iter().enumerate().try_fold(0u64, |acc, (h, l)| {
            let w = u32::try_from(h).ok().and_then(|h| 1u64.checked_shl(h))?;
            acc.checked_add(w.checked_mul(l.len() as u64)?)
        });
        let ok = usize::from(r.k) >= MIN_WIDTH
            && !r.levels.is_empty()
            && r.levels.len() <= 64
            && weight == Some(r.n)
            && r.levels.iter().flatten().all(|v| !v.is_nan())
            && r.levels[1..].iter().all(|l| l.is_sorted_by(|a, b| a.total_cmp(b).is_le()))
            && (r.n == 0) == (r.min.is_none() || r.max.is_none());
        if !ok {
            return Err("KllSketch: inconsistent state".to_string());
        }
        let mut s = Self {
            k: r.k,
            n: r.n,
            min: r.min,
            max: r.max,
            levels: r.levels,
            rng: r.rng,
            level0_limit: 0,
            caps: Vec::new(),
        };
        s.refresh();
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};

    use super::*;
    use crate::encode_state;
    use crate::testing::check_merge_laws;

    fn sketch(xs: &[f64]) -> KllSketch {
        let mut s = KllSketch::default();
        s.update_slice(xs);
        s
    }

    /// Largest |estimated rank − true rank| over 99 probe quantiles: q's
    /// distance from the true ranks of the value answered, and the estimated
    /// rank of a value against the fraction of `sorted` ≤ it.
    fn max_rank_error(s: &KllSketch, sorted: &[f64]) -> f64 {
        let n = sorted.len() as f64;
        (1..100)
            .map(|i| {
                let q = f64::from(i) / 100.0;
                let v = s.quantile(q).unwrap();
                // v's true ranks: from the fraction below it to the fraction ≤ it
                // (the two differ by v's count, which repeated values make large).
                let below = sorted.partition_point(|&x| x < v) as f64 / n;
                let at_most = sorted.partition_point(|&x| x <= v) as f64 / n;
                let r = s.rank(sorted[(q * n) as usize]);
                let true_r = (sorted.partition_point(|&x| x <= sorted[(q * n) as usize])) as f64 / n;
                (below - q).max(q - at_most).max(0.0).max((r - true_r).abs())
            })
            .fold(0.0, f64::max)
    }

    fn sorted(xs: &[f64]) -> Vec<f64> {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn exact_below_k() {
        // Inclusive nearest rank ⌈q·n⌉ = numpy.quantile(xs, q, method="inverted_cdf").
        let s = sketch(&[3.0, 1.0, 4.0, 1.0, 5.0]);
        assert_eq!(s.quantile(0.5), Some(3.0)); // numpy.median: 3.0
        let s = sketch(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(s.quantile(0.5), Some(2.0)); // lower median (numpy.median gives 2.5)
        // numpy.quantile(range(10), [0.1, 0.3, 0.35, 0.9], method="inverted_cdf") = [0, 2, 3, 8]
        let s = sketch(&(0..10).rev().map(f64::from).collect::<Vec<_>>());
        assert_eq!(s.quantiles(&[0.1, 0.3, 0.35, 0.9]), vec![0.0, 2.0, 3.0, 8.0]);
        assert_eq!((s.quantile(0.0), s.quantile(1.0)), (Some(0.0), Some(9.0)));
        assert_eq!(s.cdf(&[-1.0, 0.0, 4.5, 9.0]), vec![0.0, 0.1, 0.5, 1.0]);
        assert_eq!(s.count(), 10);
    }

    #[test]
    fn rank_error_within_bound_on_a_million_values() {
        let mut rng = StdRng::seed_from_u64(1);
        let uniform: Vec<f64> = (0..1_000_000).map(|_| rng.random::<f64>()).collect();
        // Lognormal(0, 2) by Box–Muller: heavily skewed.
        let lognormal: Vec<f64> = (0..1_000_000)
            .map(|_| {
                let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
                (2.0 * (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()).exp()
            })
            .collect();
        for xs in [&uniform, &lognormal] {
            let s = sketch(xs);
            let err = max_rank_error(&s, &sorted(xs));
            assert!(err <= s.normalized_rank_error(), "rank error {err}");
            // Bounded memory: about 3k items plus 8 per level.
            assert!(s.num_retained() < 3 * usize::from(s.k()) + 8 * 20, "{}", s.num_retained());
        }
    }

    #[test]
    fn merged_parts_within_bound() {
        let mut rng = StdRng::seed_from_u64(2);
        let xs: Vec<f64> = (0..400_000).map(|_| rng.random::<f64>().powi(3)).collect();
        let mut merged = KllSketch::default();
        for (i, part) in xs.chunks(50_000).enumerate() {
            let mut s = KllSketch::new(269, i as u64);
            s.update_slice(part);
            merged.merge(&s);
        }
        assert_eq!(merged.count(), 400_000);
        let err = max_rank_error(&merged, &sorted(&xs));
        assert!(err <= merged.normalized_rank_error(), "rank error {err}");
    }

    /// 64 shards of a sharded scan, each its partition's seed
    /// (`partition_seed(shard, 0)`, as the statistics and transform fits seed
    /// task 0 of every pod), merged: still within the stated rank bound.
    #[test]
    fn sixty_four_shards_merged_within_bound() {
        let mut rng = StdRng::seed_from_u64(6);
        let xs: Vec<f64> = (0..640_000).map(|_| rng.random::<f64>().powi(3)).collect();
        let mut merged = KllSketch::with_epsilon(0.01, 0);
        for (shard, part) in xs.chunks(10_000).enumerate() {
            let mut s = KllSketch::with_epsilon(0.01, crate::partition_seed(shard, 0));
            s.update_slice(part);
            merged.merge(&s);
        }
        assert_eq!(merged.count(), 640_000);
        let err = max_rank_error(&merged, &sorted(&xs));
        assert!(err <= merged.normalized_rank_error(), "rank error {err}");
        // Distinct coins for every (shard, task) pair.
        let seeds: std::collections::HashSet<u64> =
            (0..64).flat_map(|s| (0..64).map(move |t| crate::partition_seed(s, t))).collect();
        assert_eq!(seeds.len(), 64 * 64);
    }

    #[test]
    fn reproducible_and_batch_invariant() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut xs: Vec<f64> = (0..100_000).map(|_| rng.random::<f64>()).collect();
        let a = sketch(&xs);
        let mut b = KllSketch::default();
        xs.iter().for_each(|&x| b.update(x));
        assert_eq!(encode_state(&a).unwrap(), encode_state(&b).unwrap());
        let mut c = KllSketch::default();
        xs.chunks(333).for_each(|batch| c.update_slice(batch));
        assert_eq!(a, c);
        // Another order: other bits, same accuracy.
        xs.shuffle(&mut rng);
        let d = sketch(&xs);
        assert!(max_rank_error(&d, &sorted(&xs)) <= d.normalized_rank_error());
    }

    /// Sorted runs of the sizes a scan feeds (batches of 8,192 less nulls,
    /// and short ones), compacted whole: within the stated bound on uniform,
    /// skewed and heavily repeated values, memory bounded, reproducible.
    #[test]
    fn sorted_runs_within_bound() {
        let mut rng = StdRng::seed_from_u64(7);
        let uniform: Vec<f64> = (0..1_000_000).map(|_| rng.random::<f64>()).collect();
        let cubed: Vec<f64> = uniform.iter().map(|x| x.powi(3) * 1e6).collect();
        let repeated: Vec<f64> = uniform.iter().map(|x| (x * 50.0).floor()).collect();
        for xs in [&uniform, &cubed, &repeated] {
            let feed = |seed: u64| {
                let mut s = KllSketch::new(269, seed);
                let mut rest = &xs[..];
                let mut size = 8192;
                while !rest.is_empty() {
                    let mut run = rest[..size.min(rest.len())].to_vec();
                    rest = &rest[run.len()..];
                    run.sort_by(f64::total_cmp);
                    s.update_sorted(&mut run);
                    size = if size == 8192 { 7 } else { 8192 - 301 };
                }
                s
            };
            let s = feed(1);
            assert_eq!(s.count(), 1_000_000);
            let err = max_rank_error(&s, &sorted(xs));
            assert!(err <= s.normalized_rank_error(), "rank error {err} of {:?}", &xs[..3]);
            assert!(s.num_retained() < 3 * usize::from(s.k()) + 8 * 20, "{}", s.num_retained());
            // The retained weights still sum to the count (decoding checks it).
            let bytes = encode_state(&s).unwrap();
            assert_eq!(crate::decode_state::<KllSketch>(&bytes, "runs").unwrap(), s);
            assert_eq!(bytes, encode_state(&feed(1)).unwrap());
            assert_ne!(s, feed(2));
        }
        // NaNs at either end of a total-order sort are skipped; the rest counts.
        let mut s = KllSketch::default();
        let mut run = vec![-f64::NAN, -1.0, 0.0, 2.0, f64::NAN];
        s.update_sorted(&mut run);
        assert_eq!((s.count(), s.min(), s.max(), s.quantile(0.5)), (3, Some(-1.0), Some(2.0), Some(0.0)));
        s.update_sorted(&mut vec![f64::NAN]);
        assert_eq!(s.count(), 3);
    }

    #[test]
    fn odd_inputs() {
        let s = sketch(&[f64::NAN, 2.0, f64::NAN]);
        assert_eq!((s.count(), s.quantile(0.5)), (1, Some(2.0)));
        let s = sketch(&[f64::NAN]);
        assert!(s.is_empty() && s.quantile(0.5).is_none() && s.rank(1.0).is_nan() && s.min().is_none());
        assert!(s.quantiles(&[0.5])[0].is_nan());
        let same = sketch(&vec![7.0; 100_000]);
        assert_eq!(same.quantiles(&[0.0, 0.3, 1.0]), vec![7.0; 3]);
        assert_eq!((same.rank(7.0), same.rank(6.9)), (1.0, 0.0));
        let inf = sketch(&[f64::NEG_INFINITY, 0.0, -0.0, 5e-324, f64::INFINITY]);
        assert_eq!(inf.quantile(0.2), Some(f64::NEG_INFINITY));
        assert_eq!(inf.max(), Some(f64::INFINITY));
        assert_eq!(inf.min().map(f64::to_bits), Some(f64::NEG_INFINITY.to_bits()));
        assert_eq!(inf.rank(0.0), 0.6);
        assert!(inf.quantile(f64::NAN).is_none() && inf.quantile(1.5).is_none() && inf.rank(f64::NAN).is_nan());
        assert_eq!(KllSketch::with_epsilon(0.01, 0).k(), 269);
        assert_eq!(KllSketch::with_epsilon(f64::NAN, 0).k(), u16::MAX);
        assert_eq!(KllSketch::with_epsilon(5.0, 0).k(), 8);
        assert!((KllSketch::default().normalized_rank_error() - 0.00998).abs() < 1e-4);
    }

    #[test]
    fn merge_laws() {
        let mut rng = StdRng::seed_from_u64(4);
        let mut xs: Vec<f64> = (0..20_000).map(|_| rng.random::<f64>() * 100.0).collect();
        xs.extend([f64::NAN, f64::INFINITY, -0.0]);
        let exact = sorted(&xs.iter().copied().filter(|x| !x.is_nan()).collect::<Vec<_>>());
        let same = |got: &KllSketch, want: &KllSketch, how: &str| {
            assert_eq!((got.count(), got.min(), got.max()), (want.count(), want.min(), want.max()), "{how}");
            let err = max_rank_error(got, &exact);
            assert!(err <= got.normalized_rank_error(), "{how}: rank error {err}");
        };
        check_merge_laws(&xs, |s: &mut KllSketch, b: &[f64]| s.update_slice(b), same);
        let bad = encode_state(&(8u16, 5u64, Some(1.0), Some(2.0), vec![vec![1.0]], 0u64)).unwrap();
        assert!(crate::decode_state::<KllSketch>(&bad, "bad").is_err());
    }

    #[test]
    fn throughput() {
        let mut rng = StdRng::seed_from_u64(5);
        let xs: Vec<f64> = (0..1_000_000).map(|_| rng.random::<f64>()).collect();
        // Best of 3 runs each (timings only, printed with --nocapture).
        let best = |f: &dyn Fn() -> KllSketch| {
            (0..3)
                .map(|_| {
                    let t = std::time::Instant::now();
                    std::hint::black_box(f());
                    t.elapsed().as_nanos() as f64 / 1e6
                })
                .fold(f64::INFINITY, f64::min)
        };
        let per = best(&|| sketch(&xs));
        let per_one = best(&|| {
            let mut one = KllSketch::default();
            xs.iter().for_each(|&x| one.update(x));
            one
        });
        let s = sketch(&xs);
        println!(
            "KllSketch::update_slice: {per:.1} ns/value, update: {per_one:.1} ns/value ({} retained)",
            s.num_retained()
        );
    }
}
