//! Evaluating a [`ConstraintSet`] with DataFusion: [`check_constraints`] and
//! its result, [`ConstraintOutcome`].
//!
//! Scans: one to learn the column types (see `source`), one aggregate query for
//! all row and dataset checks together, one grouped query per unique check,
//! and one query per constraint whose violating rows are sampled (only when it
//! has violations). Every query runs generated SQL around the parsed (never
//! the raw) expressions, with DDL, DML and statements disabled, in a session
//! whose memory pool is bounded ([`MEMORY_LIMIT`]; grouped aggregates spill to
//! disk beyond it).
//!
//! NULL semantics, as SQL `CHECK` constraints in Postgres (and the standard):
//! a row check is violated only where its expression is FALSE; NULL (unknown)
//! passes, so `fare >= 0` says nothing about rows without a fare (that is the
//! schema's presence check). A unique check, like Postgres' `UNIQUE` (NULLS
//! DISTINCT), ignores rows with a NULL in any key column. A dataset check has
//! one answer for the whole data and passes only when it is TRUE: an
//! aggregate that cannot be computed (`avg` of no values is NULL) is not
//! evidence that the data is fine.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use arrow::util::display::array_value_to_string;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::error::DataFusionError;
use datafusion::execution::FunctionRegistry;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{DataFrame, SQLOptions, SessionConfig, SessionContext};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tabx_core::{Result, TabxError};
use tabx_engine::SourceOptions;

use super::source::{POSITION, TabxStream, fixed_options, infer_schema};
use super::spec::{Constraint, ConstraintKind, ConstraintSet};

/// DataFusion's memory pool for one check: sorts and grouped aggregates
/// (unique checks) spill to disk beyond it instead of growing without bound.
pub const MEMORY_LIMIT: usize = 1 << 30;

/// What one constraint found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstraintOutcome {
    pub name: String,
    pub kind: ConstraintKind,
    /// The SQL as written (for `unique`, the key columns joined by `, `).
    pub expression: String,
    /// Rows in the data (after `--on-error skip`, sampling and sharding).
    pub rows_checked: u64,
    /// Row: rows where the expression is FALSE. Unique: rows minus distinct
    /// keys, over rows without a NULL key. Dataset: 1 unless the expression is TRUE.
    pub violations: u64,
    /// `violations == 0`.
    pub passed: bool,
    /// Dataset checks: the values involved, e.g. `avg(fare) = 11.72`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Up to `sample_violations` violating rows (unique: duplicated keys, each
    /// once), in input order, with only the columns the constraint names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<Map<String, Value>>,
}

/// Evaluates every constraint of `set` over `inputs` (what `tabx stats` reads:
/// files, directories, globs, URLs; not stdin, which cannot be read twice),
/// read with `options`, sampling up to `sample_violations` violating rows per
/// constraint. Outcomes come in the set's order.
pub fn check_constraints(
    set: &ConstraintSet,
    inputs: &[String],
    options: &SourceOptions,
    sample_violations: usize,
) -> Result<Vec<ConstraintOutcome>> {
    let schema = infer_schema(inputs, options)?;
    for c in &set.constraints {
        check_columns(c, &schema, &set.origin)?;
    }
    let fields = needed_fields(set, &schema);
    let stream = Arc::new(TabxStream::try_new(inputs, fixed_options(options, &schema, &fields), &fields)?);
    let checker = Checker::try_new(set, stream)?;
    // A runtime of its own, started and dropped off any caller's runtime.
    tabx_engine::outside_runtime(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("tabx-sql")
            .build()
            .map_err(|e| TabxError::Internal(format!("cannot start the query runtime: {e}")))?;
        runtime.block_on(checker.run(sample_violations))
    })?
}

/// The columns any constraint names, in data order; at least one column, so
/// that batches carry their row counts.
fn needed_fields(set: &ConstraintSet, schema: &Schema) -> Vec<Field> {
    let named = |f: &&Arc<Field>| set.constraints.iter().any(|c| c.columns.contains(f.name()));
    let mut fields: Vec<Field> = schema.fields().iter().filter(named).map(|f| f.as_ref().clone()).collect();
    if fields.is_empty() {
        fields.extend(schema.fields().iter().take(1).map(|f| f.as_ref().clone()));
    }
    fields
}

fn check_columns(c: &Constraint, schema: &Schema, origin: &str) -> Result<()> {
    let Some(missing) = c.columns.iter().find(|n| n.as_str() == POSITION || schema.field_with_name(n).is_err()) else {
        return Ok(());
    };
    let available: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let mut hint = format!("columns: {}", available.join(", "));
    if let Some(same) = available.iter().find(|a| a.eq_ignore_ascii_case(missing)) {
        hint = match c.kind {
            ConstraintKind::Unique => format!("did you mean `{same}`? names in `unique` are exact; {hint}"),
            _ => format!("did you mean `{same}`? SQL lowercases unquoted names: write \"{same}\"; {hint}"),
        };
    }
    Err(TabxError::config(format!("{}: unknown column `{missing}`", c.label(origin))).with_hint(hint))
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"a" IS NOT NULL AND "b" IS NOT NULL`.
fn keys_present(keys: &[String]) -> String {
    keys.iter().map(|k| format!("{} IS NOT NULL", quote(k))).collect::<Vec<_>>().join(" AND ")
}

struct Checker<'a> {
    set: &'a ConstraintSet,
    ctx: SessionContext,
    stream: Arc<TabxStream>,
}

impl<'a> Checker<'a> {
    fn try_new(set: &'a ConstraintSet, stream: Arc<TabxStream>) -> Result<Self> {
        let internal = |e: DataFusionError| TabxError::Internal(e.to_string());
        let runtime = RuntimeEnvBuilder::new().with_memory_limit(MEMORY_LIMIT, 1.0).build_arc().map_err(internal)?;
        let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
        let schema = stream.schema_ref();
        let table = StreamingTable::try_new(schema, vec![stream.clone()]).map_err(internal)?;
        ctx.register_table("data", Arc::new(table)).map_err(internal)?;
        Ok(Checker { set, ctx, stream })
    }

    async fn run(&self, samples: usize) -> Result<Vec<ConstraintOutcome>> {
        for c in &self.set.constraints {
            self.check_plan(c).await?;
        }
        let mut outcomes = self.row_and_dataset().await?;
        for (c, outcome) in self.set.constraints.iter().zip(&mut outcomes) {
            if c.kind == ConstraintKind::Unique {
                let (rows, keys) = self.unique_counts(c).await?;
                outcome.violations = rows - keys;
            }
            outcome.passed = outcome.violations == 0;
            if samples > 0 && !outcome.passed && c.kind != ConstraintKind::Dataset && !c.columns.is_empty() {
                outcome.samples = self.samples(c, samples).await?;
            }
        }
        Ok(outcomes)
    }

    /// Plans `sql` (without running it) or runs it, naming `what` in errors.
    async fn query(&self, sql: &str, what: &str) -> Result<DataFrame> {
        let options = SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false);
        self.ctx.sql_with_options(sql, options).await.map_err(|e| self.error(what, &e))
    }

    async fn collect(&self, sql: &str, what: &str) -> Result<Vec<RecordBatch>> {
        let df = self.query(sql, what).await?;
        df.collect().await.map_err(|e| self.error(what, &e))
    }

    /// A scan error is returned as the engine raised it (file, line, hint); a
    /// query error names what was being evaluated.
    fn error(&self, what: &str, e: &DataFusionError) -> TabxError {
        if let Some(scan) = self.stream.take_error() {
            return scan;
        }
        let err = TabxError::config(format!("{what}: {}", e.find_root()));
        match e.find_root() {
            DataFusionError::ResourcesExhausted(_) => err.with_hint(format!(
                "the query needs more than {} MiB of memory: check fewer or narrower unique keys at a time",
                MEMORY_LIMIT >> 20
            )),
            _ => err,
        }
    }

    /// Plans each constraint on its own, so that a type error or a misplaced
    /// aggregate is reported with the constraint's name, before any scan.
    async fn check_plan(&self, c: &Constraint) -> Result<()> {
        let Some(expr) = &c.sql else { return Ok(()) };
        let what = c.label(&self.set.origin);
        let aggregate = c.functions.iter().find(|f| self.ctx.udaf(f).is_ok());
        match (c.kind, aggregate) {
            (ConstraintKind::Row, Some(f)) => {
                return Err(TabxError::config(format!("{what}: a row check cannot use the aggregate `{f}`"))
                    .with_hint("check aggregates over the whole data with `dataset:`"));
            }
            (ConstraintKind::Dataset, None) => {
                return Err(TabxError::config(format!("{what}: a dataset check needs an aggregate such as count(*)"))
                    .with_hint("check each row with `row:`, or aggregate, e.g. `min(fare) >= 0`"));
            }
            _ => {}
        }
        let df = self.query(&format!("SELECT ({expr}) AS v FROM data"), &what).await?;
        let t = df.schema().field(0).data_type().clone();
        if !matches!(t, DataType::Boolean | DataType::Null) {
            return Err(TabxError::config(format!("{what}: `{}` is {t}, not a boolean", c.expression))
                .with_hint("compare it, e.g. `... > 0`"));
        }
        // Optimising folds constants, so a literal that cannot be cast to its
        // column's type (`amount > 'x'`) fails here, named, instead of mid-scan.
        df.into_optimized_plan().map_err(|e| self.error(&what, &e))?;
        Ok(())
    }

    /// All row and dataset checks (and the row count) in one aggregate query.
    async fn row_and_dataset(&self) -> Result<Vec<ConstraintOutcome>> {
        let mut select = vec!["count(*)".to_string()];
        for c in &self.set.constraints {
            let Some(expr) = &c.sql else { continue };
            match c.kind {
                ConstraintKind::Row => {
                    select.push(format!("coalesce(sum(CASE WHEN NOT ({expr}) THEN 1 ELSE 0 END), 0)"))
                }
                _ => {
                    select.push(format!("({expr})"));
                    select.extend(c.outer_calls.iter().map(|call| format!("({call})")));
                }
            }
        }
        let list: Vec<String> = select.iter().enumerate().map(|(i, s)| format!("{s} AS c{i}")).collect();
        let batches = self.collect(&format!("SELECT {} FROM data", list.join(", ")), "row and dataset checks").await?;
        let batch = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .ok_or_else(|| TabxError::Internal("the aggregate query returned no row".into()))?;
        let int = |i: usize| -> u64 {
            let col = batch.column(i);
            col.as_primitive_opt::<Int64Type>().filter(|a| a.is_valid(0)).map_or(0, |a| a.value(0).max(0) as u64)
        };
        let rows = int(0);
        let mut next = 1;
        let mut outcomes = Vec::with_capacity(self.set.constraints.len());
        for c in &self.set.constraints {
            let mut outcome = ConstraintOutcome {
                name: c.name.clone(),
                kind: c.kind,
                expression: c.expression.clone(),
                rows_checked: rows,
                violations: 0,
                passed: true,
                value: None,
                samples: Vec::new(),
            };
            match c.kind {
                ConstraintKind::Row => {
                    outcome.violations = int(next);
                    next += 1;
                }
                ConstraintKind::Dataset => {
                    let verdict = batch.column(next).as_boolean_opt().filter(|a| a.is_valid(0)).map(|a| a.value(0));
                    outcome.violations = u64::from(verdict != Some(true));
                    let values: Vec<String> = c
                        .outer_calls
                        .iter()
                        .enumerate()
                        .map(|(j, call)| {
                            let col = batch.column(next + 1 + j);
                            let v = if col.is_null(0) {
                                "NULL".to_string()
                            } else {
                                array_value_to_string(col, 0).unwrap_or_else(|e| format!("<{e}>"))
                            };
                            format!("{call} = {v}")
                        })
                        .collect();
                    outcome.value = Some(values.join(", "));
                    next += 1 + c.outer_calls.len();
                }
                ConstraintKind::Unique => {}
            }
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// Rows with every key present, and their distinct keys.
    async fn unique_counts(&self, c: &Constraint) -> Result<(u64, u64)> {
        let keys: Vec<String> = c.columns.iter().map(|k| quote(k)).collect();
        let sql = format!(
            "SELECT coalesce(sum(n), 0) AS rows, count(*) AS keys FROM \
             (SELECT count(*) AS n FROM data WHERE {} GROUP BY {}) AS g",
            keys_present(&c.columns),
            keys.join(", ")
        );
        let batches = self.collect(&sql, &c.label(&self.set.origin)).await?;
        let value = |i: usize| -> u64 {
            batches
                .iter()
                .find(|b| b.num_rows() > 0)
                .and_then(|b| b.column(i).as_primitive_opt::<Int64Type>().filter(|a| a.is_valid(0)).map(|a| a.value(0)))
                .map_or(0, |v| v.max(0) as u64)
        };
        Ok((value(0), value(1)))
    }

    /// The first `n` violating rows in input order (unique: the first `n`
    /// duplicated keys, by first occurrence), only the named columns.
    async fn samples(&self, c: &Constraint, n: usize) -> Result<Vec<Map<String, Value>>> {
        let columns: Vec<String> = c.columns.iter().map(|k| quote(k)).collect();
        let sql = match (&c.sql, c.kind) {
            (Some(expr), ConstraintKind::Row) => format!(
                "SELECT {} FROM data WHERE NOT ({expr}) ORDER BY {} LIMIT {n}",
                columns.join(", "),
                quote(POSITION)
            ),
            _ => format!(
                "SELECT {cols} FROM data WHERE {} GROUP BY {cols} HAVING count(*) > 1 ORDER BY min({}) LIMIT {n}",
                keys_present(&c.columns),
                quote(POSITION),
                cols = columns.join(", ")
            ),
        };
        let batches = self.collect(&sql, &c.label(&self.set.origin)).await?;
        to_json(&batches)
    }
}

/// Rows as JSON objects, NULLs written out (a sample should show the missing value).
fn to_json(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>> {
    let mut buf = Vec::new();
    {
        let mut writer = arrow::json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, arrow::json::writer::JsonArray>(&mut buf);
        for b in batches {
            writer.write(b)?;
        }
        writer.finish()?;
    }
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&buf).map_err(|e| TabxError::Internal(format!("sampled rows as JSON: {e}")))
}
