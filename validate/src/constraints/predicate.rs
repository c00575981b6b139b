//! [`RowPredicate`]: one boolean SQL expression evaluated on record batches
//! by DataFusion's physical expressions, with no query and no scan of its
//! own (the slices `NAME:=SQL` of `tabx evaluate` and `tabx stats`).
//!
//! The expression passes the same shape checks as a `row` constraint (one
//! expression; no subquery, window function or qualified name) and may not
//! call an aggregate. It is planned once per batch schema: batches of one
//! scan share a schema, so a scan plans it once per distinct file schema.

use std::sync::{Arc, Mutex};

use arrow::array::{AsArray, BooleanArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::execution::FunctionRegistry;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;
use tabx_core::{Result, TabxError};

use super::spec::checked_expression;

/// A boolean SQL expression over a row's columns (see the module docs).
pub struct RowPredicate {
    /// Names the predicate in errors, e.g. "slice predicate `long_trip`".
    what: String,
    /// The parsed expression, printed back: DataFusion plans this, never the raw text.
    sql: String,
    columns: Vec<String>,
    ctx: SessionContext,
    planned: Mutex<Option<(SchemaRef, Arc<dyn PhysicalExpr>)>>,
}

impl std::fmt::Debug for RowPredicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowPredicate").field("what", &self.what).field("sql", &self.sql).finish()
    }
}

const HINT: &str = "write one boolean SQL expression over the row's columns, e.g. `trip_miles > 10 AND fare < 100`";

impl RowPredicate {
    /// Parses and checks `sql`; `what` names the predicate in every error.
    pub fn parse(sql: &str, what: &str) -> Result<Self> {
        let (expr, refs) =
            checked_expression(sql).map_err(|m| TabxError::config(format!("{what}: {m}")).with_hint(HINT))?;
        let ctx = SessionContext::new();
        if let Some(f) = refs.functions.iter().find(|f| ctx.udaf(f).is_ok()) {
            return Err(
                TabxError::config(format!("{what}: a row predicate cannot use the aggregate `{f}`")).with_hint(HINT)
            );
        }
        Ok(Self {
            what: what.to_string(),
            sql: expr.to_string(),
            columns: refs.columns,
            ctx,
            planned: Mutex::new(None),
        })
    }

    /// The columns the expression names, as DataFusion resolves them
    /// (unquoted names lowercased).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The expression's value on each row of `batch`: true, false or NULL.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<BooleanArray> {
        let expr = self.planned_for(batch.schema())?;
        let value = expr
            .evaluate(batch)
            .and_then(|v| v.into_array(batch.num_rows()))
            .map_err(|e| TabxError::config(format!("{}: `{}`: {}", self.what, self.sql, e.find_root())))?;
        // A NULL literal has type Null; every other value is Boolean (checked when planned).
        Ok(cast(&value, &DataType::Boolean)?.as_boolean().clone())
    }

    /// The physical expression for batches of `schema`, planned on first use.
    fn planned_for(&self, schema: SchemaRef) -> Result<Arc<dyn PhysicalExpr>> {
        let mut planned = self.planned.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((known, expr)) = planned.as_ref()
            && (Arc::ptr_eq(known, &schema) || known == &schema)
        {
            return Ok(Arc::clone(expr));
        }
        let fail = |e: datafusion::error::DataFusionError| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            TabxError::config(format!("{}: `{}`: {}", self.what, self.sql, e.find_root()))
                .with_hint(format!("{HINT}; columns are: {}", names.join(", ")))
        };
        let df_schema = DFSchema::try_from(schema.as_ref().clone()).map_err(fail)?;
        let logical = self.ctx.parse_sql_expr(&self.sql, &df_schema).map_err(fail)?;
        let expr = self.ctx.create_physical_expr(logical, &df_schema).map_err(fail)?;
        let t = expr.data_type(&schema).map_err(fail)?;
        if !matches!(t, DataType::Boolean | DataType::Null) {
            return Err(TabxError::config(format!("{}: `{}` is {t}, not a boolean", self.what, self.sql))
                .with_hint("compare it, e.g. `... > 0`"));
        }
        *planned = Some((schema, Arc::clone(&expr)));
        Ok(expr)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, Float64Array, StringArray};

    use super::*;

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("trip_miles", Arc::new(Float64Array::from(vec![Some(12.5), Some(3.0), None, Some(10.0)])) as _),
            ("payment_type", Arc::new(StringArray::from(vec!["Cash", "Credit Card", "Cash", "Cash"])) as _),
        ])
        .unwrap()
    }

    #[test]
    fn evaluates_per_row_with_sql_null_semantics() {
        let p = RowPredicate::parse("trip_miles > 10", "slice predicate `long`").unwrap();
        assert_eq!(p.columns(), ["trip_miles"]);
        // 12.5 > 10, 3 > 10, NULL > 10 is NULL, 10 > 10 (hand-checked).
        assert_eq!(p.evaluate(&batch()).unwrap(), BooleanArray::from(vec![Some(true), Some(false), None, Some(false)]));
        let p = RowPredicate::parse("payment_type IN ('Cash', 'x') AND trip_miles >= 10", "p").unwrap();
        assert_eq!(p.evaluate(&batch()).unwrap(), BooleanArray::from(vec![Some(true), Some(false), None, Some(true)]));
        let p = RowPredicate::parse("NULL", "p").unwrap();
        assert_eq!(p.evaluate(&batch()).unwrap().null_count(), 4);
    }

    #[test]
    fn bad_predicates_are_named() {
        let cases = [
            ("trip_miles", "is Float64, not a boolean"),
            ("nope > 1", "columns are: trip_miles, payment_type"),
            ("avg(trip_miles) > 1", "cannot use the aggregate `avg`"),
            ("trip_miles > (SELECT 1)", "subqueries are not allowed"),
            ("trip_miles > 1; DROP TABLE x", "is not a single expression"),
            ("row_number() OVER () > 1", "window functions"),
        ];
        for (sql, want) in cases {
            let err = RowPredicate::parse(sql, "slice predicate `long`").and_then(|p| p.evaluate(&batch()).map(|_| ()));
            let err = err.unwrap_err().to_string();
            assert!(err.contains("slice predicate `long`") && err.contains(want), "{sql}: {err}");
        }
    }
}
