//! The fit pass: every batch through the analyzers the spec needs, partial
//! states merged, then each op's fitted values ([`FitState`]).
//!
//! ```text
//!  FitState::try_new(spec) ─update(batch)…─▶ state ─┐
//!  (one per task / shard)                           ├─merge─▶ finish() ─▶ TransformArtifact
//!  FitState::from_partial(*.partial) ───────────────┘
//! ```
//!
//! Besides the analyzer states the fit records each input column's type
//! (widened over batches, see `columns.rs`) and counts the rows read and the
//! invalid rows left out. A row that is invalid for any op is left out of
//! every analyzer, so all outputs are fitted on the same rows.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use tabx_core::{PartialFile, PartialState, Result, TabxError, decode_state, encode_state};

use crate::analyzer::AnalyzerState;
use crate::artifact::{FORMAT_VERSION, FittedOutput, OutputColumn, TransformArtifact};
use crate::backend::{Backend, CpuBackend, Device};
use crate::columns::{as_float64, chained_input, coerce, fill_nulls, normalize, widest};
use crate::invalid::{InvalidCounts, InvalidRow, InvalidRows, normalize_invalid, valid_mask};
use crate::ops::{InputKind, Preprocessor};
use crate::spec::{Source, TransformSpec};

/// Version of the `*.partial` form of a [`FitState`].
const PARTIAL_VERSION: u32 = 2;
/// The `kind` of a transform's `*.partial` file.
pub const PARTIAL_KIND: &str = "transform";

/// The mergeable state of a fit (see the module docs).
#[derive(Debug)]
pub struct FitState {
    spec: TransformSpec,
    ops: Vec<Box<dyn Preprocessor>>,
    /// Where each output's inputs come from ([`TransformSpec::sources`]).
    sources: Vec<Vec<Source>>,
    /// One list of analyzer states per output, in [`Preprocessor::analyzers`] order.
    states: Vec<Vec<AnalyzerState>>,
    /// Each input column's type family, widened over every batch seen.
    input_types: BTreeMap<String, DataType>,
    rows: u64,
    invalid: InvalidCounts,
    on_invalid: InvalidRows,
    /// Where the moments and min/max analyzers run (not part of the state).
    backend: Arc<dyn Backend>,
}

/// The serialised form of a [`FitState`] (postcard, inside a [`PartialFile`]).
#[derive(Serialize, Deserialize)]
struct Partial {
    /// The spec as JSON text: its free-form parameters need a self-describing format.
    spec: String,
    states: Vec<Vec<AnalyzerState>>,
    input_types: Vec<(String, String)>,
    rows: u64,
    invalid: InvalidCounts,
}

impl FitState {
    /// An empty fit of `spec`; rows invalid for an op are handled by `on_invalid`.
    pub fn try_new(spec: &TransformSpec, on_invalid: InvalidRows) -> Result<Self> {
        let ops = spec.build()?;
        let states = ops.iter().map(|op| op.analyzers()).collect();
        Ok(Self {
            spec: spec.clone(),
            ops,
            sources: (0..spec.outputs.len()).map(|i| spec.sources(i)).collect(),
            states,
            input_types: BTreeMap::new(),
            rows: 0,
            invalid: InvalidCounts::default(),
            on_invalid,
            backend: Arc::new(CpuBackend),
        })
    }

    /// The same state with its analyzers on `device` ([`Device::backend`]:
    /// `cuda` without a usable GPU is an error, `auto` falls back to the CPU).
    pub fn with_device(mut self, device: Device) -> Result<Self> {
        self.backend = device.backend()?;
        Ok(self)
    }

    /// A fresh empty state of the same spec, policy and device (one per task).
    pub fn empty_like(&self) -> Self {
        let mut empty = Self::try_new(&self.spec, self.on_invalid).expect("the spec was built once already");
        empty.backend = Arc::clone(&self.backend);
        empty
    }

    /// The same empty state whose quantile sketches draw their coins from
    /// partition `task` of shard `shard` (mixed with each output's name), so
    /// that no two partitions of a sharded fit share coins.
    pub fn for_partition(mut self, shard: usize, task: usize) -> Self {
        let seed = tabx_core::partition_seed(shard, task);
        for (output, states) in self.spec.outputs.iter().zip(&mut self.states) {
            for (i, state) in states.iter_mut().enumerate() {
                if let AnalyzerState::Quantiles(q) = state {
                    let key = format!("{}#{i}", output.name);
                    q.reseed(seed ^ tabx_core::hash64(key.as_bytes()));
                }
            }
        }
        self
    }

    /// The spec being fitted.
    pub fn spec(&self) -> &TransformSpec {
        &self.spec
    }

    /// Rows folded in so far (invalid rows included).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows left out because a value did not fit its op, by reason.
    pub fn invalid(&self) -> &InvalidCounts {
        &self.invalid
    }

    /// Folds one batch into the analyzers.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        self.update_rows(batch).map(|_| ())
    }

    /// [`Self::update`], returning the rows left out as invalid (with
    /// [`InvalidRows::Skip`]; with `Fail` the first one is an error), so that
    /// a caller can say where they came from.
    pub fn update_rows(&mut self, batch: &RecordBatch) -> Result<Vec<InvalidRow>> {
        let schema = batch.schema();
        // Every column the spec reads, typed, before any state changes.
        let mut raw: BTreeMap<&str, ArrayRef> = BTreeMap::new();
        for (i, output) in self.spec.outputs.iter().enumerate() {
            for (column, source) in output.inputs.iter().zip(&self.sources[i]) {
                if *source != Source::Column {
                    continue;
                }
                let Some((_, field)) = schema.column_with_name(column) else {
                    return Err(missing_column(&format!("output `{}` reads", output.name), column, &schema));
                };
                if self.ops[i].input_kind() == InputKind::Numeric
                    && !matches!(normalize(field.data_type()), DataType::Int64 | DataType::Float64 | DataType::Utf8)
                    && field.data_type() != &DataType::Null
                {
                    return Err(TabxError::schema(format!(
                        "output `{}`: op `{}` needs a numeric column, `{column}` is {}",
                        output.name,
                        output.op,
                        field.data_type()
                    ))
                    .with_hint("use a numeric column, or an op for this type"));
                }
                raw.insert(column.as_str(), batch.column_by_name(column).expect("checked above").clone());
            }
        }
        for column in &self.spec.passthrough {
            let Some(array) = batch.column_by_name(column) else {
                return Err(missing_column("passthrough", column, &schema));
            };
            raw.insert(column.as_str(), array.clone());
        }
        for (name, array) in &raw {
            let family = normalize(array.data_type());
            let entry = self.input_types.entry((*name).to_string()).or_insert(DataType::Null);
            *entry = widest(entry, &family).ok_or_else(|| {
                TabxError::schema(format!("column `{name}` is {entry} in one batch and {family} in another"))
                    .with_hint("give the column one type in every input file")
            })?;
        }

        // Each op's column inputs as it reads them (outputs it reads come
        // later); invalid rows of any op are left out of all.
        let mut inputs: Vec<Vec<Option<ArrayRef>>> = Vec::with_capacity(self.ops.len());
        let mut invalid: Vec<InvalidRow> = Vec::new();
        for (i, output) in self.spec.outputs.iter().enumerate() {
            let mut columns = Vec::with_capacity(output.inputs.len());
            for (name, source) in output.inputs.iter().zip(&self.sources[i]) {
                if *source != Source::Column {
                    columns.push(None);
                    continue;
                }
                let (column, bad) = match self.ops[i].input_kind() {
                    InputKind::Numeric => as_float64(name, &raw[name.as_str()])?,
                    InputKind::Any => {
                        let family = normalize(raw[name.as_str()].data_type());
                        coerce(name, &raw[name.as_str()], &family)?
                    }
                };
                invalid.extend(bad);
                columns.push(Some(fill_nulls(name, column, output.fill.as_ref())?));
            }
            inputs.push(columns);
        }
        self.rows += batch.num_rows() as u64;
        if !invalid.is_empty() {
            if self.on_invalid == InvalidRows::Fail {
                let first = invalid.iter().min_by_key(|r| r.row).expect("not empty");
                return Err(TabxError::invalid_input(format!("row {} of a batch", first.row + 1), &first.reason)
                    .with_hint("use --on-error skip to leave such rows out (they are counted)"));
            }
            normalize_invalid(&mut invalid);
            self.invalid.add(&invalid);
            let mask = valid_mask(batch.num_rows(), &invalid).expect("not empty");
            for c in inputs.iter_mut().flatten().flatten() {
                *c = arrow::compute::filter(c.as_ref(), &mask)?;
            }
        }
        // Analyzers read their op's first input; one that is an output above
        // is computed here (the spec checked that it needs no fitted value).
        let mut outputs: Vec<Option<ArrayRef>> = vec![None; self.ops.len()];
        for i in 0..self.ops.len() {
            if self.states[i].is_empty() {
                continue;
            }
            let first = match self.sources[i][0] {
                Source::Column => inputs[i][0].clone().expect("column inputs are read above"),
                Source::Output(k) => {
                    let values = self.unfitted_output(k, &inputs, &mut outputs)?;
                    let output = &self.spec.outputs[i];
                    chained_input(&self.spec.outputs[k].name, &values, self.ops[i].input_kind(), output.fill.as_ref())?
                }
            };
            for state in self.states[i].iter_mut() {
                state.update_on(&first, self.backend.as_ref())?;
            }
        }
        Ok(invalid)
    }

    /// The values of output `k`, an op that fits nothing, on this batch's
    /// valid rows (memoised in `outputs`: several ops may read it).
    fn unfitted_output(
        &self,
        k: usize,
        inputs: &[Vec<Option<ArrayRef>>],
        outputs: &mut Vec<Option<ArrayRef>>,
    ) -> Result<ArrayRef> {
        if let Some(done) = &outputs[k] {
            return Ok(Arc::clone(done));
        }
        let output = &self.spec.outputs[k];
        let mut columns = Vec::with_capacity(output.inputs.len());
        // The op is built for its first input's type as `finish` and apply
        // see it: the column's fitted family, or the output's own type.
        let mut input_type = DataType::Null;
        for (j, source) in self.sources[k].iter().enumerate() {
            columns.push(match source {
                Source::Column => {
                    if j == 0 {
                        input_type = self.input_types.get(&output.inputs[0]).cloned().unwrap_or(DataType::Null);
                    }
                    inputs[k][j].clone().expect("column inputs are read above")
                }
                Source::Output(above) => {
                    let values = self.unfitted_output(*above, inputs, outputs)?;
                    if j == 0 {
                        input_type = values.data_type().clone();
                    }
                    let name = &self.spec.outputs[*above].name;
                    chained_input(name, &values, self.ops[k].input_kind(), output.fill.as_ref())?
                }
            });
        }
        let op = &self.ops[k];
        let transform = op.transform(&input_type, &op.fit(&input_type, &[])?)?;
        let values = transform.transform(&columns, self.backend.as_ref())?;
        outputs[k] = Some(Arc::clone(&values));
        Ok(values)
    }

    /// Folds in the state of another part of the same input (same spec).
    pub fn merge(&mut self, other: &FitState) -> Result<()> {
        if self.spec != other.spec {
            return Err(TabxError::config("cannot merge fits of different specs")
                .with_hint("fit every shard with the same --spec"));
        }
        for (mine, theirs) in self.states.iter_mut().zip(&other.states) {
            for (a, b) in mine.iter_mut().zip(theirs) {
                a.merge(b)?;
            }
        }
        for (name, t) in &other.input_types {
            let entry = self.input_types.entry(name.clone()).or_insert(DataType::Null);
            *entry = widest(entry, t).ok_or_else(|| {
                TabxError::schema(format!("column `{name}` is {entry} in one shard and {t} in another"))
                    .with_hint("give the column one type in every input file")
            })?;
        }
        self.rows += other.rows;
        self.invalid.merge(&other.invalid);
        Ok(())
    }

    /// The fitted artifact.
    pub fn finish(&self) -> Result<TransformArtifact> {
        let type_of = |c: &str| self.input_types.get(c).cloned().unwrap_or(DataType::Null);
        let mut outputs = Vec::with_capacity(self.ops.len());
        let mut output_schema: Vec<OutputColumn> = Vec::new();
        for (i, ((output, op), states)) in self.spec.outputs.iter().zip(&self.ops).zip(&self.states).enumerate() {
            let input_type = match self.sources[i][0] {
                Source::Column => type_of(&output.inputs[0]),
                Source::Output(k) => DataType::from_str(&output_schema[k].data_type)
                    .map_err(|e| TabxError::Internal(format!("output type: {e}")))?,
            };
            let fitted = op.fit(&input_type, states).map_err(|e| match e {
                TabxError::Config { message, hint } => {
                    TabxError::Config { message: format!("output `{}`: {message}", output.name), hint }
                }
                other => other,
            })?;
            let transform = op.transform(&input_type, &fitted)?;
            output_schema
                .push(OutputColumn { name: output.name.clone(), data_type: transform.output_type().to_string() });
            outputs.push(FittedOutput { name: output.name.clone(), op: output.op.clone(), fitted });
        }
        for column in &self.spec.passthrough {
            output_schema.push(OutputColumn { name: column.clone(), data_type: type_of(column).to_string() });
        }
        Ok(TransformArtifact {
            format_version: FORMAT_VERSION,
            tabx_version: env!("CARGO_PKG_VERSION").to_string(),
            spec: self.spec.clone(),
            input_schema: self.spec.input_columns().iter().map(|c| (c.clone(), type_of(c).to_string())).collect(),
            output_schema,
            outputs,
            rows: self.rows,
            invalid_rows: self.invalid.rows,
            invalid_by_reason: self.invalid.by_reason.clone(),
        })
    }

    /// The state as shard `shard_index` of `shard_count` of a fit of `inputs`
    /// (a `*.partial` file of kind `"transform"`, merged by `tabx merge`).
    pub fn to_partial(&self, shard_index: usize, shard_count: usize, inputs: Vec<String>) -> Result<PartialFile> {
        PartialFile::of_state(self, shard_index, shard_count, inputs)
    }

    /// Reads a state written by [`Self::to_partial`]; `what` names the file in errors.
    pub fn from_partial(file: &PartialFile, what: &str) -> Result<Self> {
        file.decode_state(what)
    }
}

impl PartialState for FitState {
    const KIND: &'static str = PARTIAL_KIND;
    const FORMAT_VERSION: u32 = PARTIAL_VERSION;
    type Artifact = TransformArtifact;

    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        FitState::update(self, batch)
    }

    fn merge(&mut self, other: Self) -> Result<()> {
        FitState::merge(self, &other)
    }

    fn finish(self) -> Result<TransformArtifact> {
        FitState::finish(&self)
    }

    fn size_bytes(&self) -> usize {
        // Analyzer states are small (sums, sketches) except vocabularies, whose
        // exact counts dominate: the encoded size is the honest measure.
        self.encode().map_or(0, |b| b.len())
    }

    fn fingerprint(&self) -> u64 {
        // The spec decides every analyzer: shards of one fit share it.
        tabx_core::hash64(serde_json::to_string(&self.spec).unwrap_or_default().as_bytes())
    }

    fn encode(&self) -> Result<Vec<u8>> {
        let spec = serde_json::to_string(&self.spec).map_err(|e| TabxError::Internal(e.to_string()))?;
        let partial = Partial {
            spec,
            states: self.states.clone(),
            input_types: self.input_types.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
            rows: self.rows,
            invalid: self.invalid.clone(),
        };
        encode_state(&partial)
    }

    fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        let artifact_error = |message: String| TabxError::Artifact { path: what.to_string(), message };
        let partial: Partial = decode_state(bytes, what)?;
        let spec: TransformSpec =
            serde_json::from_str(&partial.spec).map_err(|e| artifact_error(format!("invalid spec: {e}")))?;
        let mut state = Self::try_new(&spec, InvalidRows::Fail)?;
        if partial.states.len() != state.states.len()
            || partial.states.iter().zip(&state.states).any(|(a, b)| a.len() != b.len())
        {
            return Err(artifact_error("the analyzer states do not match the spec".to_string()));
        }
        state.states = partial.states;
        for (name, t) in partial.input_types {
            let t = DataType::from_str(&t).map_err(|e| artifact_error(format!("column `{name}`: {e}")))?;
            state.input_types.insert(name, t);
        }
        state.rows = partial.rows;
        state.invalid = partial.invalid;
        Ok(state)
    }
}

fn missing_column(who: &str, column: &str, schema: &arrow::datatypes::Schema) -> TabxError {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let hint = match crate::ops::closest(column, names.iter().copied()) {
        Some(n) => format!("did you mean `{n}`?"),
        None => format!("the input has {}", names.join(", ")),
    };
    TabxError::schema(format!("{who} column `{column}`, which is not in the input")).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    fn batch(x: Vec<Option<f64>>, s: Vec<Option<&str>>) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("x", DataType::Float64, true), Field::new("s", DataType::Utf8, true)]);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(Float64Array::from(x)), Arc::new(StringArray::from(s))])
            .unwrap()
    }

    fn spec() -> TransformSpec {
        TransformSpec::from_yaml(
            "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [x]}\n  - {name: b, op: bucketize, inputs: [x], num_buckets: 2}\n  - {name: f, op: fill_missing, inputs: [s], strategy: most_frequent}\npassthrough: [s]\n",
        )
        .unwrap()
    }

    /// The quantile sketches of task 0 of two shards draw different coins
    /// (all once used seed 0); the same partition, the same coins.
    #[test]
    fn partitions_of_different_shards_draw_different_coins() {
        let xs: Vec<Option<f64>> = (0..20_000).map(|i| Some(f64::from(i % 997))).collect();
        let data = batch(xs.clone(), vec![Some("a"); xs.len()]);
        let bytes = |shard, task| {
            let mut state = FitState::try_new(&spec(), InvalidRows::Fail).unwrap().for_partition(shard, task);
            state.update(&data).unwrap();
            state.encode().unwrap()
        };
        assert_eq!(bytes(3, 1), bytes(3, 1));
        assert_ne!(bytes(0, 0), bytes(1, 0));
    }

    #[test]
    fn shards_merged_equal_one_pass_and_survive_partials() {
        let a = batch(vec![Some(1.0), None, Some(2.0)], vec![Some("a"), None, Some("b")]);
        let b = batch(vec![Some(4.0), Some(f64::NAN)], vec![Some("b"), Some("c")]);
        let mut whole = FitState::try_new(&spec(), InvalidRows::Fail).unwrap();
        whole.update(&a).unwrap();
        whole.update(&b).unwrap();
        let (mut left, mut right) = (whole.empty_like(), whole.empty_like());
        right.update(&b).unwrap();
        left.update(&a).unwrap();
        let right = FitState::from_partial(&right.to_partial(0, 1, vec![]).unwrap(), "right").unwrap();
        let mut merged = FitState::from_partial(&left.to_partial(0, 1, vec![]).unwrap(), "left").unwrap();
        merged.merge(&right).unwrap();
        let (w, m) = (whole.finish().unwrap(), merged.finish().unwrap());
        assert_eq!(serde_json::to_value(&w).unwrap(), serde_json::to_value(&m).unwrap());
        // numpy: x = [1, 2, 4]; x.mean() = 7/3, x.std() = 1.247219128924647.
        assert_eq!(w.outputs[0].fitted["mean"], 7.0 / 3.0);
        assert_eq!(w.outputs[0].fitted["std_dev"], 1.247_219_128_924_647);
        assert_eq!(w.outputs[2].fitted["value"], "b");
        assert_eq!(w.rows, 5);
    }

    #[test]
    fn text_in_a_numeric_input_fails_or_is_skipped_and_counted() {
        let schema = Schema::new(vec![Field::new("x", DataType::Utf8, true), Field::new("s", DataType::Utf8, true)]);
        let texts = RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(StringArray::from(vec!["1", "oops", "3"])), Arc::new(StringArray::from(vec!["a", "b", "c"]))],
        )
        .unwrap();
        let mut fail = FitState::try_new(&spec(), InvalidRows::Fail).unwrap();
        let e = fail.update(&texts).unwrap_err().to_string();
        assert!(e.contains("row 2 of a batch: column `x`: \"oops\" is not a number"), "{e}");
        let mut skip = FitState::try_new(&spec(), InvalidRows::Skip).unwrap();
        skip.update(&texts).unwrap();
        let artifact = skip.finish().unwrap();
        assert_eq!((artifact.rows, artifact.invalid_rows), (3, 1));
        assert_eq!(artifact.invalid_by_reason["column `x`: not a number"], 1, "two ops read x, counted once");
        assert_eq!(artifact.outputs[0].fitted["mean"], 2.0);
    }

    #[test]
    fn unknown_input_column_names_the_output() {
        let spec = TransformSpec::from_yaml("outputs:\n  - {name: z, op: log1p, inputs: [X]}\n").unwrap();
        let mut state = FitState::try_new(&spec, InvalidRows::Fail).unwrap();
        let e = state.update(&batch(vec![Some(1.0)], vec![None])).unwrap_err().to_string();
        assert!(e.contains("output `z` reads column `X`, which is not in the input\nhint: did you mean `x`?"), "{e}");
        let ints = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("X", DataType::Int64, true)])),
            vec![Arc::new(Int64Array::from(vec![1]))],
        )
        .unwrap();
        state.update(&ints).unwrap();
    }
}
