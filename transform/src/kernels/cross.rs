//! Hashed feature crosses, as `tf.sparse.cross_hashed` computes them.
//!
//! For one row with values `v1, …, vn` (one per column), TF's `HashCrosser`
//! (`tensorflow/core/kernels/sparse_cross_op.cc`) computes
//!
//! ```text
//! h = hash_key                                   (default 0xDECAFCAFFE)
//! for each column i: h = FingerprintCat64(h, feature(vi))
//! id = h % num_buckets        (or h % i64::MAX when num_buckets is 0)
//! ```
//!
//! with `feature(v)` = `Fingerprint64(bytes)` for strings and the value
//! itself (two's complement bits) for integers. The ids match TF's own tests
//! (`sparse_cross_op_test.py`: `test_hashed_zero_bucket_no_hash_key`,
//! `test_hashed_zero_bucket`). Note that an integer column does not cross
//! like the decimal strings of its values; cast it to strings first to get
//! that.
//!
//! Nulls: TF crosses the values present in a row, and a row with no value in
//! some column has no cross; here each row has at most one value per column,
//! so a null in any column gives a null id.

use arrow::array::{Array, Int64Array};
use tabx_core::{Result, TabxError};

use super::hash::{fingerprint_cat64, fingerprint64};
use super::values::{for_each_bytes, for_each_integer};

/// `tf.sparse.cross_hashed`'s default `hash_key` (`_DEFAULT_HASH_KEY` in
/// `tensorflow/python/ops/sparse_ops.py`).
pub const DEFAULT_HASH_KEY: u64 = 0x00DE_CAFC_AFFE;

/// `tf.sparse.cross_hashed(columns, num_buckets=hash_buckets)` with the
/// default key: the bucket of each row's cross, in `0..hash_buckets`
/// (`hash_buckets == 0`: the raw cross modulo `i64::MAX`, as TF does).
///
/// Columns: one or more string, binary or integer arrays of equal length.
pub fn cross_hashed(columns: &[&dyn Array], hash_buckets: u64) -> Result<Int64Array> {
    cross_hashed_with_key(columns, hash_buckets, DEFAULT_HASH_KEY)
}

/// [`cross_hashed`] with an explicit `hash_key`.
pub fn cross_hashed_with_key(columns: &[&dyn Array], hash_buckets: u64, hash_key: u64) -> Result<Int64Array> {
    let Some(first) = columns.first() else {
        return Err(TabxError::config("cross_hashed needs at least one column"));
    };
    let n = first.len();
    if let Some(other) = columns.iter().find(|c| c.len() != n) {
        return Err(TabxError::schema(format!(
            "cross_hashed: columns have different lengths ({n} and {})",
            other.len()
        )));
    }
    let mut acc: Vec<Option<u64>> = vec![Some(hash_key); n];
    for column in columns {
        let mut row = 0;
        fold_features(*column, |feature| {
            acc[row] = match (acc[row], feature) {
                (Some(h), Some(f)) => Some(fingerprint_cat64(h, f)),
                _ => None,
            };
            row += 1;
        })?;
    }
    if hash_buckets > i64::MAX as u64 {
        return Err(TabxError::config(format!("cross_hashed: {hash_buckets} buckets is more than ids can count")));
    }
    // Both moduli are at most i64::MAX, so the ids fit in i64.
    let modulus = if hash_buckets == 0 { i64::MAX as u64 } else { hash_buckets };
    Ok(acc.into_iter().map(|h| h.map(|h| (h % modulus) as i64)).collect())
}

/// Calls `f` with each row's feature hash (`None` for nulls), as TF's
/// `SparseTensorColumn<int64>::Feature` computes it.
fn fold_features(array: &dyn Array, mut f: impl FnMut(Option<u64>)) -> Result<()> {
    // `as u64`: the int64 value's two's complement bits, as TF's cast to uint64.
    if !for_each_integer(array, |v| f(v.map(|v| v as u64))) {
        for_each_bytes(array, "cross_hashed", |v| f(v.map(fingerprint64)))
            .map_err(|e| e.with_hint("cross string, binary or integer columns; bucketize floats first"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, StringArray};

    fn one(s: &str) -> StringArray {
        StringArray::from(vec![s])
    }

    #[test]
    fn matches_tf_sparse_cross_op_tests() {
        // tensorflow/python/kernel_tests/sparse_ops/sparse_cross_op_test.py:
        // test_hashed_zero_bucket_no_hash_key -> 1971693436396284976, and
        // test_hashed_zero_bucket (hash_key = _DEFAULT_HASH_KEY + 1) -> 4847552627144134031.
        let (a, b, c) = (one("batch1-FC1-F1"), one("batch1-FC2-F1"), one("batch1-FC3-F1"));
        let cols: [&dyn Array; 3] = [&a, &b, &c];
        assert_eq!(cross_hashed(&cols, 0).unwrap(), Int64Array::from(vec![1971693436396284976]));
        assert_eq!(
            cross_hashed_with_key(&cols, 0, DEFAULT_HASH_KEY + 1).unwrap(),
            Int64Array::from(vec![4847552627144134031])
        );
        // Bucketed: the unreduced 64-bit cross modulo 100 (Python, as in the next test).
        assert_eq!(cross_hashed(&cols, 100).unwrap(), Int64Array::from(vec![83]));
        // HashCrosserV2 (SparseCrossHashed, strong_hash=False) starts from the first
        // feature instead of the key; its test expects 79 for num_buckets=100.
        let v2 = [b"batch1-FC2-F1", b"batch1-FC3-F1"]
            .iter()
            .fold(fingerprint64(b"batch1-FC1-F1"), |h, s| fingerprint_cat64(h, fingerprint64(*s)));
        assert_eq!(v2 % 100, 79);
    }

    #[test]
    fn integers_cross_as_their_bits_and_nulls_give_null() {
        // Python, with pyfarmhash and FingerprintCat64 transcribed from fingerprint.h:
        // h = 0xDECAFCAFFE; for x in [fingerprint64('a'), 7, (-3) & (2**64-1)]: h = cat(h, x)
        // -> 8981293985642943479, % 1000 = 479.
        let s = StringArray::from(vec![Some("a"), Some("a"), None]);
        let i = Int64Array::from(vec![Some(7), None, Some(7)]);
        let j = Int64Array::from(vec![-3, -3, -3]);
        let got = cross_hashed(&[&s, &i, &j], 1000).unwrap();
        assert_eq!(got, Int64Array::from(vec![Some(479), None, None]));
        let raw = cross_hashed(&[&s, &i, &j], 0).unwrap();
        assert_eq!(raw.value(0), (8981293985642943479u64 % i64::MAX as u64) as i64);
    }

    #[test]
    fn order_matters_and_bad_input_is_an_error() {
        let (a, b) = (one("x"), one("y"));
        assert_ne!(cross_hashed(&[&a, &b], 0).unwrap(), cross_hashed(&[&b, &a], 0).unwrap());
        assert!(cross_hashed(&[], 10).is_err());
        assert!(cross_hashed(&[&a, &StringArray::from(vec!["p", "q"])], 10).is_err());
        let err = cross_hashed(&[&a, &Float64Array::from(vec![1.0])], 10).unwrap_err();
        assert!(err.to_string().contains("got Float64"), "{err}");
        assert!(cross_hashed(&[&a, &b], u64::MAX).is_err());
    }
}
