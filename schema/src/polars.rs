//! Statistics of a polars `DataFrame` (the `polars` cargo feature).
//!
//! polars 0.55 carries its own Arrow implementation (`polars-arrow`), so its
//! arrays are not arrow-rs arrays. Each column chunk crosses to arrow 59 through
//! the [Arrow C Data Interface]: polars-arrow exports the array and its field,
//! arrow-rs imports them. The buffers are shared, not copied (arrow-rs copies a
//! buffer only when it is not aligned for its type). Strings cross as `Utf8View`
//! (polars' own layout, so no conversion) and lists as `LargeList`.
//!
//! [Arrow C Data Interface]: https://arrow.apache.org/docs/format/CDataInterface.html

use std::sync::Arc;

use ::polars::prelude::{CompatLevel, DataFrame};
use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, make_array};
use arrow::datatypes::{Field, Schema};
use arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi};
use polars_arrow::ffi::{export_array_to_c, export_field_to_c};
use tabx_core::{Result, TabxError};

use crate::StatsAccumulator;

/// The DataFrame's rows as Arrow record batches, one per chunk.
///
/// No rows are copied when the columns' chunks line up (a frame built in one go,
/// or read by polars' readers). A frame whose columns are chunked differently
/// (e.g. after `hstack` of frames built apart) is rechunked first, which copies
/// the multi-chunk columns once.
///
/// Columns of a type that arrow-rs cannot import are a `Config` error.
pub fn record_batches_from_polars(df: &DataFrame) -> Result<Vec<RecordBatch>> {
    // `iter_chunks` needs every column in chunks of the same lengths;
    // `should_rechunk` compares them, scalar (literal) columns included.
    let rechunked;
    let df = if df.should_rechunk() {
        let mut copy = df.clone();
        copy.rechunk_mut();
        rechunked = copy;
        &rechunked
    } else {
        df
    };
    // `newest` keeps polars' string and binary views as they are (arrow 59 reads
    // Utf8View/BinaryView); `oldest` would copy them into offset-based arrays.
    let mut batches = Vec::new();
    let mut schema: Option<Arc<Schema>> = None;
    for chunk in df.iter_chunks(CompatLevel::newest(), false) {
        let rows = chunk.height();
        let (polars_schema, arrays) = chunk.into_schema_and_arrays();
        let mut fields = Vec::with_capacity(arrays.len());
        let mut columns = Vec::with_capacity(arrays.len());
        for (polars_field, array) in polars_schema.iter_values().zip(arrays) {
            let (field, column) = import_column(polars_field, array)?;
            fields.push(field);
            columns.push(column);
        }
        // Every chunk has the same fields: share one schema between the batches.
        let batch_schema = match &schema {
            Some(s) if s.fields().iter().map(|f| f.as_ref()).eq(fields.iter()) => Arc::clone(s),
            _ => {
                let s = Arc::new(Schema::new(fields));
                schema = Some(Arc::clone(&s));
                s
            }
        };
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        batches.push(RecordBatch::try_new_with_options(batch_schema, columns, &options)?);
    }
    Ok(batches)
}

// The casts in `import_column` rely on both crates' C Data Interface structs
// having one layout.
const _: () = {
    use std::mem::{align_of, size_of};
    assert!(size_of::<polars_arrow::ffi::ArrowSchema>() == size_of::<FFI_ArrowSchema>());
    assert!(align_of::<polars_arrow::ffi::ArrowSchema>() == align_of::<FFI_ArrowSchema>());
    assert!(size_of::<polars_arrow::ffi::ArrowArray>() == size_of::<FFI_ArrowArray>());
    assert!(align_of::<polars_arrow::ffi::ArrowArray>() == align_of::<FFI_ArrowArray>());
};

/// Moves one polars-arrow array (and its field) across the C Data Interface.
fn import_column(
    polars_field: &polars_arrow::datatypes::Field,
    array: Box<dyn polars_arrow::array::Array>,
) -> Result<(Field, ArrayRef)> {
    let name = polars_field.name.to_string();
    let unsupported = |message: String| TabxError::Config {
        message: format!("polars column `{name}` ({:?}) cannot be read as Arrow: {message}", polars_field.dtype),
        hint: Some(
            "cast the column to a plain type (integer, float, string, boolean, list) before computing statistics"
                .into(),
        ),
    };

    let mut c_schema = export_field_to_c(polars_field);
    let mut c_array = export_array_to_c(array);
    // SAFETY: polars-arrow's `ArrowSchema` and arrow-rs's `FFI_ArrowSchema` are both
    // `#[repr(C)]` definitions of the C Data Interface's `struct ArrowSchema`, so the
    // pointer cast reinterprets one valid, initialised value as the other. `from_raw`
    // moves the struct out and leaves a released (empty) one behind, so polars' Drop
    // does nothing and the release callback runs exactly once, from arrow-rs's Drop.
    let c_schema = unsafe { FFI_ArrowSchema::from_raw((&raw mut c_schema).cast::<FFI_ArrowSchema>()) };
    // SAFETY: as above, for `struct ArrowArray`; ownership of the buffers moves to arrow-rs.
    let c_array = unsafe { FFI_ArrowArray::from_raw((&raw mut c_array).cast::<FFI_ArrowArray>()) };

    let field = Field::try_from(&c_schema).map_err(|e| unsupported(e.to_string()))?;
    // SAFETY: `c_array` and `c_schema` were just exported by polars-arrow from one
    // array and its own field, so the array matches the schema and follows the C
    // Data Interface (lengths, offsets and buffers as the format requires).
    let data = unsafe { from_ffi(c_array, &c_schema) }.map_err(|e| unsupported(e.to_string()))?;
    if data.data_type() != field.data_type() {
        return Err(TabxError::Internal(format!(
            "polars column `{name}`: imported array is {} but its field says {}",
            data.data_type(),
            field.data_type()
        )));
    }
    Ok((field, make_array(data)))
}

impl StatsAccumulator {
    /// Adds the rows of a polars `DataFrame`, one batch per chunk (see
    /// [`record_batches_from_polars`]). Needs the `polars` feature.
    ///
    /// ```
    /// use polars::prelude::*;
    /// use tabx_schema::{StatsAccumulator, StatsOptions};
    ///
    /// let df = df!("trip_seconds" => [60i64, 0, 300], "company" => ["a", "b", "a"])?;
    /// let mut stats = StatsAccumulator::try_new(StatsOptions::default())?;
    /// stats.update_polars(&df)?;
    /// assert_eq!(stats.num_examples(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_polars(&mut self, df: &DataFrame) -> Result<()> {
        for batch in record_batches_from_polars(df)? {
            self.update(&batch)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ::polars::prelude::{AnyValue, Column, DataType as PlDataType, NamedFrom, Scalar, Series};
    use arrow::array::{Array, AsArray, BooleanArray, Float64Array, Int64Array, ListArray, StringArray};
    use arrow::datatypes::{DataType, Float64Type, Int64Type};

    use super::*;
    use crate::{DatasetFeatureStatisticsList, FeatureNameStatistics, FeatureType, StatsOptions};

    /// Four rows: an i64 with a null, an f64 with a NaN, a string with a null, a
    /// bool, and a list<i64> with a list, an empty list, a null and a one-value list.
    fn polars_frame() -> DataFrame {
        let list = Series::new(
            "l".into(),
            [
                Some(Series::new("".into(), [1i64, 2])),
                Some(Series::new_empty("".into(), &PlDataType::Int64)),
                None,
                Some(Series::new("".into(), [3i64])),
            ],
        );
        DataFrame::new_infer_height(vec![
            Column::new("i".into(), [Some(1i64), None, Some(3), Some(0)]),
            Column::new("f".into(), [1.5f64, f64::NAN, -2.0, 4.0]),
            Column::new("s".into(), [Some("a"), None, Some("bb"), Some("a")]),
            Column::new("b".into(), [true, false, true, true]),
            list.into(),
        ])
        .unwrap()
    }

    /// The same rows built directly with arrow-rs, in its offset-based types
    /// (`Utf8`, `List`) rather than the view/large types polars exports.
    fn arrow_batch() -> RecordBatch {
        let list = ListArray::from_iter_primitive::<Int64Type, _, _>([
            Some(vec![Some(1), Some(2)]),
            Some(vec![]),
            None,
            Some(vec![Some(3)]),
        ]);
        RecordBatch::try_from_iter([
            ("i", Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(0)])) as ArrayRef),
            ("f", Arc::new(Float64Array::from(vec![1.5, f64::NAN, -2.0, 4.0])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec![Some("a"), None, Some("bb"), Some("a")])) as ArrayRef),
            ("b", Arc::new(BooleanArray::from(vec![true, false, true, true])) as ArrayRef),
            ("l", Arc::new(list) as ArrayRef),
        ])
        .unwrap()
    }

    fn stats_of_polars(df: &DataFrame) -> DatasetFeatureStatisticsList {
        let mut stats = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
        stats.update_polars(df).unwrap();
        stats.finish()
    }

    fn stats_of_arrow(batches: &[RecordBatch]) -> DatasetFeatureStatisticsList {
        let mut stats = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
        for batch in batches {
            stats.update(batch).unwrap();
        }
        stats.finish()
    }

    fn feature<'a>(list: &'a DatasetFeatureStatisticsList, name: &str) -> &'a FeatureNameStatistics {
        list.datasets[0].features.iter().find(|f| f.name == name).unwrap()
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
    }

    #[test]
    fn types_cross_as_arrow_types() {
        let batches = record_batches_from_polars(&polars_frame()).unwrap();
        assert_eq!(batches.len(), 1);
        let batch = &batches[0];
        assert_eq!(batch.num_rows(), 4);
        let types: Vec<_> = batch.schema().fields().iter().map(|f| f.data_type().clone()).collect();
        assert_eq!(types[..4], [DataType::Int64, DataType::Float64, DataType::Utf8View, DataType::Boolean]);
        assert!(matches!(&types[4], DataType::LargeList(item) if item.data_type() == &DataType::Int64));
        assert_eq!(batch.column(0).null_count(), 1);
        assert!(batch.column(1).as_primitive::<Float64Type>().value(1).is_nan());
        assert_eq!(batch.column(2).as_string_view().value(2), "bb");
        assert!(batch.column(2).is_null(1));
        let list = batch.column(4).as_list::<i64>();
        assert_eq!(list.value_offsets(), [0, 2, 2, 2, 3]);
        assert!(list.is_null(2));
    }

    #[test]
    fn statistics_equal_those_of_the_same_arrow_batch() {
        let from_polars = stats_of_polars(&polars_frame());
        let from_arrow = stats_of_arrow(&[arrow_batch()]);
        assert_eq!(serde_json::to_string(&from_polars).unwrap(), serde_json::to_string(&from_arrow).unwrap());

        // By hand, over the 4 rows.
        assert_eq!(from_polars.datasets[0].num_examples, 4);
        // i = [1, null, 3, 0]: 3 present; mean 4/3; population variance
        // ((1-4/3)² + (3-4/3)² + (0-4/3)²)/3 = (1/9 + 25/9 + 16/9)/3 = 14/9.
        let i = feature(&from_polars, "i");
        assert_eq!(i.feature_type, FeatureType::Int);
        let n = i.num_stats.as_ref().unwrap();
        assert_eq!((n.common_stats.num_non_missing, n.common_stats.num_missing), (3, 1));
        assert_close(n.mean, 4.0 / 3.0);
        assert_close(n.std_dev, (14.0f64 / 9.0).sqrt());
        assert_eq!((n.num_zeros, n.min, n.max), (1, 0.0, 3.0));
        // f = [1.5, NaN, -2, 4]: NaN is present but left out of the moments:
        // mean 3.5/3 = 7/6; variance ((1/3)² + (-19/6)² + (17/6)²)/3 = (4 + 361 + 289)/108 = 654/108.
        let f = feature(&from_polars, "f");
        assert_eq!(f.feature_type, FeatureType::Float);
        let n = f.num_stats.as_ref().unwrap();
        assert_eq!((n.common_stats.num_non_missing, n.common_stats.num_missing), (4, 0));
        assert_close(n.mean, 7.0 / 6.0);
        assert_close(n.std_dev, (654.0f64 / 108.0).sqrt());
        assert_eq!((n.num_zeros, n.min, n.max), (0, -2.0, 4.0));
        assert!(n.histograms.iter().all(|h| h.num_nan == 1));
        // s = ["a", null, "bb", "a"]: 3 present, 2 distinct, "a" twice, length (1+2+1)/3.
        let s = feature(&from_polars, "s");
        assert_eq!(s.feature_type, FeatureType::String);
        let st = s.string_stats.as_ref().unwrap();
        assert_eq!((st.common_stats.num_non_missing, st.common_stats.num_missing), (3, 1));
        assert_eq!(st.unique, 2);
        assert_eq!((st.top_values[0].value.as_str(), st.top_values[0].frequency), ("a", 2.0));
        assert_close(st.avg_length, 4.0 / 3.0);
        // b = [true, false, true, true] as 0/1: mean 3/4, one zero, variance 3/16.
        let b = feature(&from_polars, "b");
        assert_eq!(b.feature_type, FeatureType::Int);
        let n = b.num_stats.as_ref().unwrap();
        assert_eq!((n.mean, n.num_zeros, n.min, n.max), (0.75, 1, 0.0, 1.0));
        assert_close(n.std_dev, (3.0f64 / 16.0).sqrt());
        // l = [[1, 2], [], null, [3]]: 3 present (the empty list counts), 0..2 values
        // per example, 3 values in all (avg 1), values 1, 2, 3 with mean 2.
        let l = feature(&from_polars, "l");
        assert_eq!(l.feature_type, FeatureType::Int);
        let n = l.num_stats.as_ref().unwrap();
        let c = &n.common_stats;
        assert_eq!((c.num_non_missing, c.num_missing, c.min_num_values, c.max_num_values), (3, 1, 0, 2));
        assert_eq!((c.tot_num_values, c.avg_num_values), (3, 1.0));
        assert_eq!((n.mean, n.min, n.max), (2.0, 1.0, 3.0));
    }

    #[test]
    fn each_chunk_is_one_batch() {
        let df = polars_frame();
        let twice = df.vstack(&df).unwrap();
        assert_eq!(twice.first_col_n_chunks(), 2);
        let batches = record_batches_from_polars(&twice).unwrap();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), [4, 4]);
        let same = stats_of_arrow(&[arrow_batch(), arrow_batch()]);
        assert_eq!(serde_json::to_string(&stats_of_polars(&twice)).unwrap(), serde_json::to_string(&same).unwrap());
        assert_eq!(same.datasets[0].num_examples, 8);
    }

    #[test]
    fn misaligned_chunks_are_rechunked() {
        // `i` in two chunks (2 + 2 rows) beside a one-chunk `f`.
        let mut i = Series::new("i".into(), [Some(1i64), None]);
        i.append(&Series::new("i".into(), [Some(3i64), Some(0)])).unwrap();
        assert_eq!(i.n_chunks(), 2);
        let f = Series::new("f".into(), [1.5f64, f64::NAN, -2.0, 4.0]);
        let df = DataFrame::new_infer_height(vec![i.into(), f.into()]).unwrap();
        assert!(df.should_rechunk());
        let batches = record_batches_from_polars(&df).unwrap();
        assert_eq!(batches.len(), 1);
        let expected = arrow_batch().project(&[0, 1]).unwrap();
        assert_eq!(batches[0].columns(), expected.columns());
    }

    #[test]
    fn scalar_columns_beside_chunked_ones() {
        let mut i = Series::new("i".into(), [Some(1i64), None]);
        i.append(&Series::new("i".into(), [Some(3i64), Some(0)])).unwrap();
        let k = Column::new_scalar("k".into(), Scalar::new(PlDataType::Int64, AnyValue::Int64(7)), 4);
        let df = DataFrame::new_infer_height(vec![i.into(), k]).unwrap();
        let batches = record_batches_from_polars(&df).unwrap();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 4);
        let k: Vec<_> =
            batches.iter().flat_map(|b| b.column(1).as_primitive::<Int64Type>().values().to_vec()).collect();
        assert_eq!(k, [7, 7, 7, 7]);
    }

    #[test]
    fn numbers_are_not_copied() {
        let df = polars_frame();
        let batches = record_batches_from_polars(&df).unwrap();
        let polars_ints = df.column("i").unwrap().as_materialized_series().i64().unwrap();
        let polars_ptr = polars_ints.downcast_iter().next().unwrap().values().as_ptr();
        let arrow_ptr = batches[0].column(0).as_primitive::<Int64Type>().values().as_ptr();
        assert_eq!(polars_ptr, arrow_ptr);
    }

    #[test]
    fn empty_frames_give_no_rows() {
        let mut stats = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
        stats.update_polars(&DataFrame::empty()).unwrap();
        stats.update_polars(&polars_frame().head(Some(0))).unwrap();
        assert_eq!(stats.num_examples(), 0);
    }
}
