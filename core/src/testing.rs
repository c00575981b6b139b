//! Test support shared by every crate that defines a mergeable state.
//!
//! [`check_merge_laws`] is the one law suite of STYLE.md ("Tests"): it feeds the
//! same input to a state in every way the engine may (whole, re-batched, split
//! over shards merged in any order, written to a `*.partial` file and read back,
//! merged with an empty state) and asks the caller's `assert_same` to compare
//! each result with the whole-input state. Exact states pass
//! [`assert_eq_state`]; sketches pass a closure that compares within their
//! stated error.
//!
//! ```
//! use tabx_core::ExactSum;
//! use tabx_core::testing::{assert_eq_state, check_merge_laws};
//!
//! let xs = [1e16, 1.0, -1e16, 0.1, f64::NAN];
//! check_merge_laws(&xs, |s: &mut ExactSum, batch: &[f64]| s.add_slice(batch), assert_eq_state);
//! ```
//!
//! Public (but hidden from the docs) so that other crates' tests can use it;
//! it panics on failure like any assertion, so do not call it outside tests.

use std::fmt::Debug;

use serde::{Serialize, de::DeserializeOwned};

use crate::sketch::SplitMix64;
use crate::{Mergeable, decode_state, encode_state};

/// The batch sizes the suite re-batches the input at.
pub const BATCH_SIZES: [usize; 3] = [1, 7, 1024];
/// Number of partitions ("shards") the input is split into.
pub const PARTITIONS: usize = 4;

/// Checks that every way of building the state from `values` agrees with one
/// `update` over the whole input.
///
/// `update(state, batch)` folds one batch into a state. `assert_same(got,
/// want, how)` must panic when `got` differs from `want` (the whole-input
/// state) by more than the state allows; `how` names the path, for messages.
///
/// The paths, in order (each `how` string says which failed):
/// 1. `batch=N`: the input fed in batches of 1, 7 and 1024 values.
/// 2. `forward` / `reversed` / `shuffled` / `tree`: the input cut into 4
///    contiguous partitions (uneven sizes, some empty for short inputs), one
///    state each, merged left to right, right to left, in a fixed-seed
///    shuffled order, and pairwise `(p0+p1)+(p2+p3)`.
/// 3. `partials`: each partition state encoded with [`encode_state`],
///    decoded with [`decode_state`], then merged (the multi-process path).
/// 4. `round trip`: the whole state through encode/decode; re-encoding the
///    decoded state must give the same bytes (serialisation is deterministic).
/// 5. `empty+state` / `state+empty`: merged with `S::default()` on both sides.
///
/// An empty `values` is allowed and checks that empty states merge cleanly.
pub fn check_merge_laws<T, S>(values: &[T], update: impl Fn(&mut S, &[T]), assert_same: impl Fn(&S, &S, &str))
where
    S: Mergeable + Serialize + DeserializeOwned + Debug,
{
    let build = |part: &[T]| {
        let mut s = S::default();
        if !part.is_empty() {
            update(&mut s, part);
        }
        s
    };
    let whole = build(values);

    for size in BATCH_SIZES {
        let mut s = S::default();
        values.chunks(size).for_each(|batch| update(&mut s, batch));
        assert_same(&s, &whole, &format!("batch={size}"));
    }

    // Uneven cut points: 1/8, 1/2, 5/8 of the input.
    let n = values.len();
    let cuts = [0, n / 8, n / 2, n * 5 / 8, n];
    let parts: Vec<S> = cuts.windows(2).map(|w| build(&values[w[0]..w[1]])).collect();
    let merge_in = |order: &[usize]| {
        let mut acc = S::default();
        order.iter().for_each(|&i| acc.merge(&parts[i]));
        acc
    };
    let forward: Vec<usize> = (0..PARTITIONS).collect();
    let reversed: Vec<usize> = forward.iter().rev().copied().collect();
    let mut shuffled = forward.clone();
    let mut rng = SplitMix64::new(0x7AB5);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i + 1));
    }
    assert_same(&merge_in(&forward), &whole, "forward");
    assert_same(&merge_in(&reversed), &whole, "reversed");
    assert_same(&merge_in(&shuffled), &whole, &format!("shuffled {shuffled:?}"));
    let (mut left, mut right) = (parts[0].clone(), parts[2].clone());
    left.merge(&parts[1]);
    right.merge(&parts[3]);
    left.merge(&right);
    assert_same(&left, &whole, "tree");

    let mut from_partials = S::default();
    for p in &parts {
        let bytes = encode_state(p).expect("encode partition");
        from_partials.merge(&decode_state::<S>(&bytes, "partition").expect("decode partition"));
    }
    assert_same(&from_partials, &whole, "partials");

    let bytes = encode_state(&whole).expect("encode whole");
    let back: S = decode_state(&bytes, "whole").expect("decode whole");
    assert_same(&back, &whole, "round trip");
    assert_eq!(encode_state(&back).expect("re-encode"), bytes, "round trip: re-encoding changed the bytes");

    let mut left_empty = S::default();
    left_empty.merge(&whole);
    assert_same(&left_empty, &whole, "empty+state");
    let mut right_empty = whole.clone();
    right_empty.merge(&S::default());
    assert_same(&right_empty, &whole, "state+empty");
}

/// `assert_same` for exact states: `==`, with the path in the message.
pub fn assert_eq_state<S: PartialEq + Debug>(got: &S, want: &S, how: &str) {
    assert_eq!(got, want, "merge law broken on path `{how}`");
}
