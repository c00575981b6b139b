//! The data as DataFusion sees it: tabx's own scan, streamed into a
//! DataFusion [`StreamingTable`](datafusion::catalog::streaming::StreamingTable).
//!
//! Why tabx's reader and not DataFusion's CSV/Parquet tables: constraints must
//! see the same columns and types as `tabx stats` (TFDV's INT < FLOAT < STRING
//! typing from every value, where DataFusion infers from a sample and types
//! differently), the same rows (`--on-error skip|quarantine`, `--sample-rate`,
//! `--shard`) and the same errors (file and line of a bad row, which arrow-csv
//! cannot give, and it swallows rows after an unclosed quote).
//!
//! Two passes: [`infer_schema`] scans once to learn every column's final type
//! (a CSV column can turn STRING in its last row); then each query runs
//! [`TabxStream`], which scans again with those types fixed and hands batches
//! to DataFusion through a bounded channel, so memory holds a few batches
//! however large the input. Each batch carries a hidden row position
//! ([`POSITION`]: task index and row within the task) so that sampled
//! violations come out in input order whatever the thread scheduling.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, UInt64Array, new_null_array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use tabx_core::{Result, TabxError};
use tabx_engine::{ColumnType, OnError, ScanPlan, SourceOptions, scan_fold, scan_ordered};

/// The hidden column with each row's position: `task << 40 | row in task`.
pub(crate) const POSITION: &str = "__tabx_row_position";

/// The columns of the data, in the order first seen, each with one Arrow type.
pub(crate) fn infer_schema(inputs: &[String], options: &SourceOptions) -> Result<Schema> {
    if inputs.iter().any(|i| i == "-") {
        return Err(TabxError::config("constraints cannot read stdin: the input is read more than once")
            .with_hint("write the input to a file first"));
    }
    let plan = ScanPlan::try_new(inputs, options.clone())?;
    // Per task: each column's name with the Arrow types its batches had.
    let (states, report) = scan_fold(
        &plan,
        |_| Vec::<(String, BTreeSet<String>, Vec<DataType>)>::new(),
        |seen, batch| {
            for field in batch.schema().fields() {
                let i = match seen.iter().position(|(n, _, _)| n == field.name()) {
                    Some(i) => i,
                    None => {
                        seen.push((field.name().clone(), BTreeSet::new(), Vec::new()));
                        seen.len() - 1
                    }
                };
                let (_, keys, types) = &mut seen[i];
                if keys.insert(field.data_type().to_string()) {
                    types.push(field.data_type().clone());
                }
            }
            Ok(())
        },
    )?;
    for w in &report.warnings {
        tracing::warn!("{w}");
    }
    let mut order: Vec<String> = Vec::new();
    let mut types: BTreeMap<String, Vec<DataType>> = BTreeMap::new();
    for (name, _, ts) in states.into_iter().flatten() {
        if !types.contains_key(&name) {
            order.push(name.clone());
        }
        let all = types.entry(name).or_default();
        for t in ts {
            if !all.contains(&t) {
                all.push(t);
            }
        }
    }
    let fields = order
        .into_iter()
        .map(|name| {
            let seen = &types[&name];
            let t = unify(&name, report.column_types.get(&name).copied(), seen)?;
            Ok(Field::new(name, t, true))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Schema::new(fields))
}

/// One type for a column: the TFDV type for CSV columns (Binary where a STRING
/// value was not UTF-8), else the one non-null type its batches had.
fn unify(name: &str, tfdv: Option<ColumnType>, seen: &[DataType]) -> Result<DataType> {
    let non_null: Vec<&DataType> = seen.iter().filter(|t| !t.is_null()).collect();
    Ok(match tfdv {
        Some(ColumnType::Int) => DataType::Int64,
        Some(ColumnType::Float) => DataType::Float64,
        Some(ColumnType::String) if non_null.contains(&&DataType::Binary) => DataType::Binary,
        Some(ColumnType::String) => DataType::Utf8,
        None => match non_null.as_slice() {
            [] => DataType::Null,
            [t] => (*t).clone(),
            [a, b] if a.is_numeric() && b.is_numeric() => DataType::Float64,
            many => {
                let list = many.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
                return Err(TabxError::schema(format!(
                    "column `{name}` has different types in different files: {list}"
                ))
                .with_hint("check the constraints on files of one schema at a time"));
            }
        },
    })
}

/// Options for the later scans: only `columns` (those the constraints name),
/// their types fixed as the first pass found them so that no batch changes
/// type mid-stream.
pub(crate) fn fixed_options(options: &SourceOptions, schema: &Schema, columns: &[Field]) -> SourceOptions {
    let mut fixed = options.clone();
    // The first pass wrote the quarantine file; later passes drop the same rows.
    if matches!(fixed.on_error, OnError::Quarantine(_)) {
        fixed.on_error = OnError::Skip;
    }
    for field in schema.fields() {
        let t = match field.data_type() {
            DataType::Int64 => ColumnType::Int,
            DataType::Float64 => ColumnType::Float,
            DataType::Utf8 | DataType::Binary => ColumnType::String,
            _ => continue,
        };
        fixed.column_types.entry(field.name().clone()).or_insert(t);
    }
    fixed.projection = if columns.is_empty() { None } else { Some(columns.iter().map(|f| f.name().clone()).collect()) };
    fixed
}

/// A [`PartitionStream`] that runs a fresh tabx scan each time DataFusion executes it.
pub(crate) struct TabxStream {
    plan: Arc<ScanPlan>,
    /// The projected columns plus [`POSITION`].
    schema: SchemaRef,
    /// The first scan error, kept whole (file, line, hint) for the caller.
    error: Arc<Mutex<Option<TabxError>>>,
}

impl std::fmt::Debug for TabxStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TabxStream").field("files", &self.plan.files()).field("schema", &self.schema).finish()
    }
}

impl TabxStream {
    pub(crate) fn try_new(inputs: &[String], options: SourceOptions, columns: &[Field]) -> Result<Self> {
        let mut fields: Vec<Field> = columns.to_vec();
        fields.push(Field::new(POSITION, DataType::UInt64, false));
        Ok(TabxStream {
            plan: Arc::new(ScanPlan::try_new(inputs, options)?),
            schema: Arc::new(Schema::new(fields)),
            error: Arc::new(Mutex::new(None)),
        })
    }

    pub(crate) fn schema_ref(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The scan error behind a failed query, if a scan failed.
    pub(crate) fn take_error(&self) -> Option<TabxError> {
        self.error.lock().ok()?.take()
    }
}

/// How a scan thread ended, told to the stream once the channel closes.
enum Ending {
    Done,
    Failed(String),
}

impl PartitionStream for TabxStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let threads = match self.plan.options().threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        // Bounded: workers wait while DataFusion is behind, so memory holds a few batches.
        let (tx, rx) = tokio::sync::mpsc::channel::<RecordBatch>(2 * threads);
        let ending: Arc<Mutex<Option<Ending>>> = Arc::new(Mutex::new(None));
        let (plan, schema, error, end) = (self.plan.clone(), self.schema.clone(), self.error.clone(), ending.clone());
        std::thread::spawn(move || {
            let result = scan_ordered(
                &plan,
                |task| (task as u64, 0u64, tx.clone()),
                |(task, rows, tx), batch| {
                    let conformed = conform(batch, &schema, *task << 40 | *rows)?;
                    *rows += batch.num_rows() as u64;
                    // A closed channel means DataFusion needs no more rows (LIMIT, or it failed).
                    tx.blocking_send(conformed).map_err(|_| TabxError::config("query finished"))
                },
                |_| Ok(()),
            );
            let outcome = match result {
                Ok(_) => Ending::Done,
                Err(e) => {
                    let message = e.to_string();
                    if let Ok(mut slot) = error.lock() {
                        slot.get_or_insert(e);
                    }
                    Ending::Failed(message)
                }
            };
            if let Ok(mut slot) = end.lock() {
                *slot = Some(outcome);
            }
            // The channel closes only now, after the ending is recorded.
            drop(tx);
        });
        let stream = futures::stream::unfold((rx, ending, false), |(mut rx, ending, over)| async move {
            if over {
                return None;
            }
            if let Some(batch) = rx.recv().await {
                return Some((Ok(batch), (rx, ending, false)));
            }
            let outcome = ending.lock().ok().and_then(|mut e| e.take());
            match outcome {
                Some(Ending::Done) => None,
                Some(Ending::Failed(m)) => Some((Err(DataFusionError::External(m.into())), (rx, ending, true))),
                // The thread died without recording an end (a panic): never pass a partial scan as whole.
                None => Some((
                    Err(DataFusionError::Internal("the tabx scan thread stopped without finishing".into())),
                    (rx, ending, true),
                )),
            }
        });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
    }
}

/// Gives `batch` exactly the stream's schema: columns by name, cast to the
/// fixed type (Int64 → Float64, a Null column → its type), missing ones null,
/// and the row positions from `first`.
fn conform(batch: &RecordBatch, schema: &SchemaRef, first: u64) -> Result<RecordBatch> {
    let n = batch.num_rows();
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        if field.name() == POSITION {
            columns.push(Arc::new(UInt64Array::from_iter_values(first..first + n as u64)));
            continue;
        }
        columns.push(match batch.column_by_name(field.name()) {
            Some(c) if c.data_type() == field.data_type() => c.clone(),
            Some(c) => cast(c.as_ref(), field.data_type())?,
            None => new_null_array(field.data_type(), n),
        });
    }
    debug_assert!(columns.iter().all(|c| c.len() == n));
    Ok(RecordBatch::try_new_with_options(schema.clone(), columns, &RecordBatchOptions::new().with_row_count(Some(n)))?)
}
