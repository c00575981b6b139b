//! Vocabularies: the exact mergeable count state behind `tft.vocabulary`, and
//! the lookup behind `tft.apply_vocabulary`.
//!
//! - [`VocabularyState`] counts every distinct token (exact, no sketch); shard
//!   states merge by adding counts and serialise with serde, so partial fits
//!   can be written as `*.partial` files and merged in any order.
//! - [`VocabularyState::finish`] ranks the tokens as TFT does (below).
//! - [`VocabularyLookup`] / [`apply_vocabulary`] map tokens to ids as
//!   `tft.apply_vocabulary` does with `tf.lookup.StaticVocabularyTable`.
//!
//! # Ranking (TFT's `vocabulary`, text file format)
//! TFT's Beam implementation (`tensorflow_transform/beam/analyzer_impls.py`,
//! `_OrderElementsFn` / `order_by_decreasing_counts`) sorts `(count, token)`
//! pairs with `counts.sort(reverse=True)`: frequency descending, and ties by
//! token **descending** in byte order ("For tied frequencies, larger
//! (lexicographic) items come first", `vocabulary_integration_test.py`).
//! Before that it drops `""` and tokens containing `\n` or `\r`, which the
//! text vocabulary file cannot hold (they become out-of-vocabulary); keeps
//! tokens whose count is `>= frequency_threshold` (so 0 and 1 keep all); and
//! keeps the first `top_k` (Beam's `Top.Largest` over the same pairs, so the
//! cut breaks ties the same way).
//!
//! One TFT quirk is left to the caller: when nothing survives, TFT writes a
//! single placeholder token ([`EMPTY_VOCABULARY_TOKEN`], or `-1` for integer
//! input) so that TF's tables can initialise; `finish` returns the empty list,
//! and a caller that wants TFT's OOV ids bit for bit (they start at the
//! vocabulary size, so at 1 there) pushes the placeholder itself.
//!
//! # Integers
//! TFT's vocabulary of an int64 feature holds the decimal strings of the
//! values (`b'13'`, `b'-10'`), and its lookup hashes OOV integers as their
//! decimal strings (`StaticVocabularyTable` calls `as_string` before
//! `to_hash_bucket_fast`). Both here accept integer arrays and do the same.
//!
//! # Nulls
//! A null is an absent value (a missing entry of a TFT `VarLenFeature`): it is
//! not counted, and it maps to a null id (no id), never to `default_value`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use arrow::array::{Array, AsArray, Int64Array};
use arrow::datatypes::DataType;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tabx_core::{Mergeable, Result, TabxError};

use super::hash::{check_buckets, hash_bucket};
use super::values::for_each_integer;

/// The token TFT writes when a vocabulary would be empty (string input).
pub const EMPTY_VOCABULARY_TOKEN: &str = "49d0cd50-04bb-48c0-bc6f-5b575dce351a";

/// Exact counts of the distinct tokens seen so far.
///
/// Ordered map so that serialisation is deterministic (the merge-law suite
/// checks that a state re-encodes to the same bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabularyState {
    counts: BTreeMap<String, u64>,
}

impl VocabularyState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts every non-null value of a string or integer array (see the
    /// module docs for integers). Binary values must be UTF-8.
    pub fn update(&mut self, array: &dyn Array) -> Result<()> {
        // Counted in a hash map first: a batch repeats few distinct tokens
        // (payment types, companies), and the ordered map's lookups cost a
        // string comparison per tree level each.
        let mut batch: FxHashMap<String, u64> = FxHashMap::default();
        for_each_token(array, "vocabulary", |token| {
            if let Some(t) = token {
                match batch.get_mut(t) {
                    Some(c) => *c += 1,
                    None => {
                        batch.insert(t.to_string(), 1);
                    }
                }
            }
        })?;
        for (token, count) in batch {
            match self.counts.get_mut(&token) {
                Some(c) => *c = c.saturating_add(count),
                None => {
                    self.counts.insert(token, count);
                }
            }
        }
        Ok(())
    }

    /// Adds `count` occurrences of `token`.
    pub fn add(&mut self, token: &str, count: u64) {
        match self.counts.get_mut(token) {
            Some(c) => *c = c.saturating_add(count),
            None => {
                self.counts.insert(token.to_string(), count);
            }
        }
    }

    /// How often `token` was seen.
    pub fn count(&self, token: &str) -> u64 {
        self.counts.get(token).copied().unwrap_or(0)
    }

    /// Number of distinct tokens.
    pub fn len(&self) -> usize {
        self.counts.len()
    }

    /// Whether no token was seen.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Approximate bytes held, for memory budgets.
    pub fn size(&self) -> usize {
        // Key bytes plus the String header, the count and a BTreeMap slot's share.
        self.counts.keys().map(|k| k.len() + 48).sum()
    }

    /// The tokens with their counts, ranked as TFT ranks them (module docs):
    /// filtered, then frequency descending with ties by token descending,
    /// then cut to `top_k`.
    pub fn ranked(&self, top_k: Option<usize>, frequency_threshold: u64) -> Vec<(&str, u64)> {
        let mut ranked: Vec<(&str, u64)> = self
            .counts
            .iter()
            .filter(|(t, c)| **c >= frequency_threshold && storable_in_text_file(t))
            .map(|(t, c)| (t.as_str(), *c))
            .collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(a.0)));
        if let Some(k) = top_k {
            ranked.truncate(k);
        }
        ranked
    }

    /// The vocabulary TFT's `vocabulary(top_k, frequency_threshold)` writes:
    /// the tokens of [`Self::ranked`], id = position.
    pub fn finish(&self, top_k: Option<usize>, frequency_threshold: u64) -> Vec<String> {
        self.ranked(top_k, frequency_threshold).into_iter().map(|(t, _)| t.to_string()).collect()
    }
}

impl Mergeable for VocabularyState {
    fn merge(&mut self, other: &Self) {
        for (token, count) in &other.counts {
            self.add(token, *count);
        }
    }
}

/// TFT's text vocabulary file holds one token per line: no empty tokens, no
/// line breaks (`FilterProblematicStrings` in `analyzer_impls.py`).
fn storable_in_text_file(token: &str) -> bool {
    !token.is_empty() && !token.contains(['\n', '\r'])
}

/// A vocabulary ready for lookups: build once, apply to every batch.
///
/// Ids: a token's position in the vocabulary; otherwise, with
/// `num_oov_buckets > 0`, `vocab_size + Fingerprint64(token) % num_oov_buckets`
/// (`tf.lookup.StaticVocabularyTable`, whose default hasher is
/// `to_hash_bucket_fast`); otherwise `default_value` (TFT's default is -1).
/// Nulls map to null.
#[derive(Debug, Clone)]
pub struct VocabularyLookup {
    ids: FxHashMap<String, i64>,
    num_oov_buckets: u64,
    default_value: i64,
    /// Unique per built lookup (clones share it): a GPU backend caches its
    /// device copy of the table under this key.
    key: u64,
}

impl VocabularyLookup {
    /// Indexes `vocab`. Errors on a repeated token (TF's table initialisation
    /// refuses them too) and on more OOV buckets than ids can count.
    pub fn try_new(vocab: &[String], num_oov_buckets: u64, default_value: i64) -> Result<Self> {
        if num_oov_buckets > 0 {
            check_buckets(num_oov_buckets, "apply_vocabulary: num_oov_buckets")?;
        }
        let mut ids = FxHashMap::with_capacity_and_hasher(vocab.len(), Default::default());
        for (i, token) in vocab.iter().enumerate() {
            if ids.insert(token.clone(), i as i64).is_some() {
                return Err(TabxError::config(format!("vocabulary: token {token:?} appears more than once"))
                    .with_hint("a vocabulary lists each token once; rebuild it with VocabularyState::finish"));
            }
        }
        static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let key = NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(Self { ids, num_oov_buckets, default_value, key })
    }

    /// The tokens in id order (ids are positions: 0..vocab_size).
    pub fn tokens(&self) -> Vec<&str> {
        let mut tokens = vec![""; self.ids.len()];
        for (token, &id) in &self.ids {
            tokens[id as usize] = token;
        }
        tokens
    }

    /// OOV buckets after the vocabulary (0: unknown tokens get the default value).
    pub fn num_oov_buckets(&self) -> u64 {
        self.num_oov_buckets
    }

    /// The id of an unknown token when there are no OOV buckets.
    pub fn default_value(&self) -> i64 {
        self.default_value
    }

    /// A number unique to this built lookup (its clones share it), for caches
    /// of derived tables such as the CUDA backend's device copy.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Number of tokens in the vocabulary (OOV ids start here).
    pub fn vocab_size(&self) -> usize {
        self.ids.len()
    }

    /// The id of one token.
    pub fn id(&self, token: &str) -> i64 {
        match self.ids.get(token) {
            Some(&id) => id,
            None if self.num_oov_buckets > 0 => {
                self.ids.len() as i64 + hash_bucket(token.as_bytes(), self.num_oov_buckets)
            }
            None => self.default_value,
        }
    }

    /// The ids of a string or integer array (nulls stay null).
    pub fn apply(&self, array: &dyn Array) -> Result<Int64Array> {
        let mut out = Vec::with_capacity(array.len());
        for_each_token(array, "apply_vocabulary", |token| out.push(token.map(|t| self.id(t))))?;
        Ok(Int64Array::from(out))
    }
}

/// `tft.apply_vocabulary(x, vocab, num_oov_buckets, default_value)` on one
/// array; see [`VocabularyLookup`] for the ids. Build a [`VocabularyLookup`]
/// once instead when applying the same vocabulary to many batches.
pub fn apply_vocabulary(
    array: &dyn Array,
    vocab: &[String],
    num_oov_buckets: u64,
    default_value: i64,
) -> Result<Int64Array> {
    VocabularyLookup::try_new(vocab, num_oov_buckets, default_value)?.apply(array)
}

/// Calls `f` with each value of a string, binary (UTF-8) or integer array as a
/// token (`None` for nulls); integers as their decimal strings.
pub(crate) fn for_each_token(array: &dyn Array, what: &str, mut f: impl FnMut(Option<&str>)) -> Result<()> {
    let mut buf = String::new();
    let integers = for_each_integer(array, |v| match v {
        Some(v) => {
            buf.clear();
            // Writing to a String cannot fail.
            let _ = write!(buf, "{v}");
            f(Some(&buf));
        }
        None => f(None),
    });
    if integers {
        return Ok(());
    }
    macro_rules! binary {
        ($iter:expr) => {{
            for (row, v) in $iter.enumerate() {
                match v.map(std::str::from_utf8).transpose() {
                    Ok(t) => f(t),
                    Err(_) => {
                        return Err(TabxError::invalid_input(
                            format!("row {row}"),
                            format!("{what}: binary value is not UTF-8"),
                        ));
                    }
                }
            }
        }};
    }
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().for_each(f),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(f),
        DataType::Utf8View => array.as_string_view().iter().for_each(f),
        DataType::Binary => binary!(array.as_binary::<i32>().iter()),
        DataType::LargeBinary => binary!(array.as_binary::<i64>().iter()),
        DataType::BinaryView => binary!(array.as_binary_view().iter()),
        other => {
            return Err(TabxError::schema(format!("{what} needs a string or integer column, got {other}"))
                .with_hint("vocabularies are built over strings or integers; bucketize floats first"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{BinaryArray, Float32Array, Int64Array, StringArray};
    use tabx_core::testing::{assert_eq_state, check_merge_laws};

    fn state_of(tokens: &[&str]) -> VocabularyState {
        let mut s = VocabularyState::new();
        s.update(&StringArray::from(tokens.to_vec())).unwrap();
        s
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ties_go_to_the_larger_token() {
        // vocabulary_integration_test.py, _COMPOSITE_..._TEST_CASES 'sparse':
        // hello x3, goodbye x2, world x1, ' ' x1 -> [hello, goodbye, world, ' '].
        let s = state_of(&["hello", "world", "hello", "goodbye", "hello", "goodbye", " "]);
        assert_eq!(s.finish(None, 0), strings(&["hello", "goodbye", "world", " "]));
        assert_eq!(
            apply_vocabulary(&StringArray::from(vec!["hello", "world", "goodbye", " "]), &s.finish(None, 0), 0, -1)
                .unwrap(),
            Int64Array::from(vec![0, 2, 1, 3])
        );
    }

    #[test]
    fn integers_rank_as_decimal_strings() {
        // testVocabulary '_int_feature_with_no_frequency_and_no_shuffle': [1, 2, 2, 3] -> [2, 3, 1].
        let mut s = VocabularyState::new();
        s.update(&Int64Array::from(vec![1, 2, 2, 3])).unwrap();
        assert_eq!(s.finish(None, 0), strings(&["2", "3", "1"]));
        // '_int_feature_with_top_k': [111, 2, 2, 3], top_k=2 -> [2, 3] ("3" > "111").
        let mut s = VocabularyState::new();
        s.update(&Int64Array::from(vec![111, 2, 2, 3])).unwrap();
        assert_eq!(s.finish(Some(2), 0), strings(&["2", "3"]));
        // testComputeAndApplyVocabulary '_positive_and_negative_integers'.
        let x = Int64Array::from(vec![13, 14, 13, 13, 12, 14, 11, 10, 10, -10, -10, -20]);
        let mut s = VocabularyState::new();
        s.update(&x).unwrap();
        let vocab = s.finish(None, 0);
        assert_eq!(vocab, strings(&["13", "14", "10", "-10", "12", "11", "-20"]));
        assert_eq!(
            apply_vocabulary(&x, &vocab, 0, -1).unwrap(),
            Int64Array::from(vec![0, 1, 0, 0, 4, 1, 5, 2, 2, 3, 3, 6])
        );
    }

    #[test]
    fn text_format_drops_empty_and_line_breaks() {
        // testComputeAndApplyVocabulary '_whitespace_newlines_and_empty_strings_text'
        // and '_whitespace_newlines_empty_oov_buckets_text'.
        let x = ["hello", "world", "hello", "hello", "goodbye", "world", "aaaaa", " ", "", "\n", "hi \n ho \n", "\r"];
        let vocab = state_of(&x).finish(None, 0);
        assert_eq!(vocab, strings(&["hello", "world", "goodbye", "aaaaa", " "]));
        let arr = StringArray::from(x.to_vec());
        assert_eq!(
            apply_vocabulary(&arr, &vocab, 0, -1).unwrap(),
            Int64Array::from(vec![0, 1, 0, 0, 2, 1, 3, 4, -1, -1, -1, -1])
        );
        assert_eq!(
            apply_vocabulary(&arr, &vocab, 1, -1).unwrap(),
            Int64Array::from(vec![0, 1, 0, 0, 2, 1, 3, 4, 5, 5, 5, 5])
        );
    }

    #[test]
    fn joint_vocabulary_of_three_columns() {
        // testJointVocabularyForMultipleFeatures (text format): a, b, c concatenated.
        let mut s = VocabularyState::new();
        for col in [
            vec!["hello", "good", "goodbye", " "],
            vec!["world", "", "hello", "aaaaa"],
            vec!["aaaaa", "hello", "\n", "bbbbb"],
        ] {
            s.update(&StringArray::from(col)).unwrap();
        }
        let vocab = s.finish(None, 0);
        assert_eq!(vocab, strings(&["hello", "aaaaa", "world", "goodbye", "good", "bbbbb", " "]));
        let lookup = VocabularyLookup::try_new(&vocab, 0, -1).unwrap();
        let a = lookup.apply(&StringArray::from(vec!["hello", "good", "goodbye", " "])).unwrap();
        let b = lookup.apply(&StringArray::from(vec!["world", "", "hello", "aaaaa"])).unwrap();
        assert_eq!(a, Int64Array::from(vec![0, 4, 3, 6]));
        assert_eq!(b, Int64Array::from(vec![2, -1, 0, 1]));
    }

    #[test]
    fn threshold_top_k_and_default_value() {
        // testComputeAndApplyVocabulary '_frequency_threshold' / '_top_k' (VarLen rows
        // flattened) / '_empty_vocabulary_from_high_frequency_threshold'.
        let x = ["hello", "hello", "world", "hello", "goodbye", "world", "hello", "goodbye", "foo"];
        let s = state_of(&x);
        let arr = StringArray::from(x.to_vec());
        let by_threshold = s.finish(None, 2);
        assert_eq!(by_threshold, strings(&["hello", "world", "goodbye"]));
        assert_eq!(
            apply_vocabulary(&arr, &by_threshold, 0, -99).unwrap(),
            Int64Array::from(vec![0, 0, 1, 0, 2, 1, 0, 2, -99])
        );
        let top2 = s.finish(Some(2), 0);
        assert_eq!(
            apply_vocabulary(&arr, &top2, 0, -99).unwrap(),
            Int64Array::from(vec![0, 0, 1, 0, -99, 1, 0, -99, -99])
        );
        assert!(s.finish(None, 77).is_empty());
        assert_eq!(apply_vocabulary(&arr, &s.finish(None, 77), 0, -99).unwrap(), Int64Array::from(vec![-99; 9]));
        // Thresholds 0 and 1 keep everything.
        assert_eq!(s.finish(None, 0), s.finish(None, 1));
        assert_eq!(s.finish(Some(0), 0), Vec::<String>::new());
    }

    #[test]
    fn oov_buckets_hash_with_fingerprint64() {
        // testComputeAndApplyVocabulary '_top_k_and_oov': top_k=1, num_oov_buckets=3;
        // TFT's expected ids depend on the hash ("the test will break if the hash changes").
        let rows = [
            vec!["hello", "hello", "world", "world"],
            vec!["hello", "tarkus", "toccata"],
            vec!["hello", "goodbye", "foo"],
        ];
        let mut s = VocabularyState::new();
        rows.iter().for_each(|r| s.update(&StringArray::from(r.clone())).unwrap());
        let vocab = s.finish(Some(1), 0);
        assert_eq!(vocab, strings(&["hello"]));
        let lookup = VocabularyLookup::try_new(&vocab, 3, -99).unwrap();
        let got: Vec<Int64Array> = rows.iter().map(|r| lookup.apply(&StringArray::from(r.clone())).unwrap()).collect();
        assert_eq!(got[0], Int64Array::from(vec![0, 0, 2, 2]));
        assert_eq!(got[1], Int64Array::from(vec![0, 3, 1]));
        assert_eq!(got[2], Int64Array::from(vec![0, 2, 1]));
    }

    #[test]
    fn nulls_are_not_counted_and_stay_null() {
        let arr = StringArray::from(vec![Some("a"), None, Some("a"), None]);
        let mut s = VocabularyState::new();
        s.update(&arr).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.count("a"), 2);
        let ids = apply_vocabulary(&arr, &s.finish(None, 0), 2, -1).unwrap();
        assert_eq!(ids, Int64Array::from(vec![Some(0), None, Some(0), None]));
    }

    #[test]
    fn bad_input_is_an_error() {
        let mut s = VocabularyState::new();
        let err = s.update(&Float32Array::from(vec![1.0])).unwrap_err();
        assert!(err.to_string().contains("got Float32"), "{err}");
        let not_utf8: &[u8] = &[0xff, 0xfe];
        assert!(s.update(&BinaryArray::from(vec![Some(not_utf8)])).is_err());
        assert!(VocabularyLookup::try_new(&strings(&["a", "b", "a"]), 0, -1).is_err());
        assert!(VocabularyLookup::try_new(&strings(&["a"]), u64::MAX, -1).is_err());
    }

    #[test]
    fn binary_and_string_count_alike() {
        let mut s = VocabularyState::new();
        let b: &[u8] = b"x";
        s.update(&BinaryArray::from(vec![Some(b), None])).unwrap();
        assert_eq!(s, state_of(&["x"]));
    }

    #[test]
    fn merge_laws() {
        // Zipf-ish tokens with many ties, plus the tokens the text format drops.
        let mut tokens: Vec<String> = (0..3000u32).map(|i| format!("t{}", (i * 7919) % (1 + i % 97))).collect();
        tokens.extend(["", "\n", "a\rb"].map(String::from));
        check_merge_laws(
            &tokens,
            |s: &mut VocabularyState, batch: &[String]| {
                s.update(&StringArray::from_iter_values(batch)).unwrap();
            },
            assert_eq_state,
        );
        check_merge_laws(
            &Vec::<String>::new(),
            |s: &mut VocabularyState, b: &[String]| b.iter().for_each(|t| s.add(t, 1)),
            assert_eq_state,
        );
    }
}
