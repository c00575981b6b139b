//! SQL slices (`--slice 'long_trip:=trip_miles > 10'`): [`Predicates`]
//! evaluates each slice predicate on every batch (DataFusion, feature `sql`)
//! and appends its value as the boolean column
//! [`tabx_core::predicate_column`] that `SliceSpec::groups` reads. The job
//! crates (`tabx-schema`, `tabx-analyze`) stay free of a SQL engine.

use std::borrow::Cow;

use arrow::array::RecordBatch;
use tabx_core::{Result, SliceSpec};

/// The distinct predicates of some slice specs.
#[derive(Debug, Default)]
pub(crate) struct Predicates {
    /// Each predicate with the column its values go to.
    #[cfg(feature = "sql")]
    list: Vec<(String, tabx_validate::RowPredicate)>,
}

/// Each distinct predicate once; the same name with other SQL is an error.
fn distinct(specs: &[SliceSpec]) -> Result<Vec<(&str, &str)>> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (name, sql) in specs.iter().flat_map(SliceSpec::predicates) {
        match seen.iter().find(|(n, _)| *n == name) {
            Some((_, other)) if *other != sql => {
                return Err(tabx_core::TabxError::config(format!(
                    "slice predicate `{name}` is defined twice: `{other}` and `{sql}`"
                ))
                .with_hint("give each predicate its own name"));
            }
            Some(_) => {}
            None => seen.push((name, sql)),
        }
    }
    Ok(seen)
}

#[cfg(feature = "sql")]
impl Predicates {
    /// The predicates of `specs`, parsed and checked.
    pub(crate) fn of(specs: &[SliceSpec]) -> Result<Self> {
        let list = distinct(specs)?
            .into_iter()
            .map(|(name, sql)| {
                let predicate = tabx_validate::RowPredicate::parse(sql, &format!("slice predicate `{name}`"))?;
                Ok((tabx_core::predicate_column(name), predicate))
            })
            .collect::<Result<_>>()?;
        Ok(Self { list })
    }

    /// The data columns the predicates read.
    pub(crate) fn columns(&self) -> Vec<String> {
        self.list.iter().flat_map(|(_, p)| p.columns().iter().cloned()).collect()
    }

    /// `batch` with one boolean column per predicate (itself when there is none).
    pub(crate) fn annotate<'a>(&self, batch: &'a RecordBatch) -> Result<Cow<'a, RecordBatch>> {
        if self.list.is_empty() {
            return Ok(Cow::Borrowed(batch));
        }
        let mut fields: Vec<arrow::datatypes::FieldRef> = batch.schema().fields().iter().cloned().collect();
        let mut columns = batch.columns().to_vec();
        for (column, predicate) in &self.list {
            fields.push(std::sync::Arc::new(arrow::datatypes::Field::new(
                column,
                arrow::datatypes::DataType::Boolean,
                true,
            )));
            columns.push(std::sync::Arc::new(predicate.evaluate(batch)?));
        }
        let schema = std::sync::Arc::new(arrow::datatypes::Schema::new(fields));
        Ok(Cow::Owned(RecordBatch::try_new(schema, columns)?))
    }
}

#[cfg(not(feature = "sql"))]
impl Predicates {
    /// No predicates, or an error naming the first: SQL needs the `sql` feature.
    pub(crate) fn of(specs: &[SliceSpec]) -> Result<Self> {
        match distinct(specs)?.first() {
            None => Ok(Self::default()),
            Some((name, sql)) => Err(tabx_core::TabxError::config(format!(
                "slice `{name}:={sql}` is a SQL predicate, and this tabx was built without SQL"
            ))
            .with_hint("build with the `sql` feature: cargo run --release --features sql -- ...")),
        }
    }

    pub(crate) fn columns(&self) -> Vec<String> {
        Vec::new()
    }

    pub(crate) fn annotate<'a>(&self, batch: &'a RecordBatch) -> Result<Cow<'a, RecordBatch>> {
        Ok(Cow::Borrowed(batch))
    }
}
