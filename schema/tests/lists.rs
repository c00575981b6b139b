//! List columns in their less common Arrow shapes: a null row whose offsets
//! still span child values, and list views. Expected values by hand.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, ListArray, ListViewArray, RecordBatch};
use arrow::buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field};
use tabx_schema::{StatsAccumulator, StatsOptions};

/// (non-missing, missing, tot_num_values, mean, max) of column `a`.
fn summary(column: ArrayRef) -> (u64, u64, u64, f64, f64) {
    let mut stats = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
    stats.update(&RecordBatch::try_from_iter([("a", column)]).unwrap()).unwrap();
    let out = stats.finish();
    let n = out.datasets[0].features[0].num_stats.clone().unwrap();
    let c = &n.common_stats;
    (c.num_non_missing, c.num_missing, c.tot_num_values, n.mean, n.max)
}

fn field() -> Arc<Field> {
    Arc::new(Field::new("item", DataType::Float64, true))
}

/// Rows [1, 2], NULL (its offsets still cover 100, 200), [3]: the null row's
/// children are not values of the feature. By hand: 2 present rows, 3 values,
/// mean 2, max 3.
#[test]
fn a_null_list_row_does_not_count_the_children_its_offsets_span() {
    let values = Float64Array::from(vec![1.0, 2.0, 100.0, 200.0, 3.0]);
    let offsets = OffsetBuffer::new(ScalarBuffer::from(vec![0, 2, 4, 5]));
    let nulls = NullBuffer::from(vec![true, false, true]);
    let list = ListArray::try_new(field(), offsets, Arc::new(values), Some(nulls)).unwrap();
    assert_eq!(summary(Arc::new(list)), (2, 1, 3, 2.0, 3.0));
}

/// The same rows as a list view (offsets and sizes), out of order in the child.
#[test]
fn list_views_are_lists() {
    let values = Float64Array::from(vec![3.0, 100.0, 1.0, 2.0]);
    let offsets = ScalarBuffer::from(vec![2, 1, 0]);
    let sizes = ScalarBuffer::from(vec![2, 1, 1]);
    let nulls = NullBuffer::from(vec![true, false, true]);
    let view = ListViewArray::try_new(field(), offsets, sizes, Arc::new(values), Some(nulls)).unwrap();
    assert_eq!(view.len(), 3);
    assert_eq!(summary(Arc::new(view)), (2, 1, 3, 2.0, 3.0));
}
