//! Applying a fitted transform to batches ([`Transformer`]).
//!
//! Per batch: check each input column against the fitted input schema (a
//! missing column or a type of another family is an error naming the column
//! and both types), cast the columns as each op reads them, set aside the rows
//! whose values do not fit (text in a numeric input), run each op's
//! [`BatchTransform`] on the backend, and assemble the output columns in the
//! artifact's order and types. Output columns are the same for every batch,
//! whatever types the engine gave the input in each task.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use tabx_core::{Result, TabxError};

use crate::artifact::TransformArtifact;
use crate::backend::{Backend, CpuBackend, Device};
use crate::columns::{chained_input, coerce, fill_nulls, widest};
use crate::invalid::{InvalidRow, InvalidRows, normalize_invalid, reasons_by_row, valid_mask};
use crate::ops::{BatchTransform, InputKind};
use crate::spec::Source;

/// A fitted transform, ready for batches ([`Self::apply`]) and single rows
/// ([`Self::transform_row`]).
#[derive(Debug)]
pub struct Transformer {
    artifact: TransformArtifact,
    outputs: Vec<Output>,
    passthrough: Vec<(String, DataType)>,
    input_types: BTreeMap<String, DataType>,
    schema: SchemaRef,
    backend: Arc<dyn Backend>,
}

#[derive(Debug)]
struct Output {
    name: String,
    inputs: Vec<String>,
    sources: Vec<Source>,
    fill: Option<serde_json::Value>,
    kind: InputKind,
    transform: Box<dyn BatchTransform>,
}

/// A transformed batch and the input rows that were left out.
#[derive(Debug)]
pub struct Applied {
    /// The output rows (the input's valid rows, in order).
    pub batch: RecordBatch,
    /// The input rows left out, with why, by row index in the input batch.
    pub invalid: Vec<InvalidRow>,
}

impl Transformer {
    /// The transform of a fitted artifact, on the CPU.
    pub fn try_new(artifact: TransformArtifact) -> Result<Self> {
        let parse = |what: &str, t: &str| {
            DataType::from_str(t).map_err(|e| {
                TabxError::config(format!("transform.json: {what} has an invalid type `{t}`: {e}"))
                    .with_hint("fit the transform again with `tabx transform fit`")
            })
        };
        let input_types = artifact
            .input_schema
            .iter()
            .map(|(c, t)| Ok((c.clone(), parse(&format!("input column `{c}`"), t)?)))
            .collect::<Result<BTreeMap<_, _>>>()?;
        let ops = artifact.spec.build()?;
        if ops.len() != artifact.outputs.len() {
            return Err(TabxError::config("transform.json: the fitted outputs do not match the spec")
                .with_hint("fit the transform again with `tabx transform fit`"));
        }
        let mut outputs = Vec::with_capacity(ops.len());
        let mut fields: Vec<Field> = Vec::new();
        for (i, ((spec, op), fitted)) in artifact.spec.outputs.iter().zip(ops).zip(&artifact.outputs).enumerate() {
            let sources = artifact.spec.sources(i);
            let input_type = match sources[0] {
                Source::Column => input_types.get(&spec.inputs[0]).cloned().unwrap_or(DataType::Null),
                Source::Output(k) => fields[k].data_type().clone(),
            };
            let transform = op.transform(&input_type, &fitted.fitted)?;
            fields.push(Field::new(&spec.name, transform.output_type(), true));
            outputs.push(Output {
                name: spec.name.clone(),
                inputs: spec.inputs.clone(),
                sources,
                fill: spec.fill.clone(),
                kind: op.input_kind(),
                transform,
            });
        }
        let mut passthrough = Vec::new();
        for column in &artifact.spec.passthrough {
            let t = input_types.get(column).cloned().unwrap_or(DataType::Null);
            fields.push(Field::new(column, t.clone(), true));
            passthrough.push((column.clone(), t));
        }
        let schema = Arc::new(Schema::new(fields));
        Ok(Self { artifact, outputs, passthrough, input_types, schema, backend: Arc::new(CpuBackend) })
    }

    /// Loads `transform.json`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::try_new(TransformArtifact::load(path)?)
    }

    /// Parses the text of a `transform.json`.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::try_new(TransformArtifact::from_json(text)?)
    }

    /// The same transform on `device`'s backend ([`Device::backend`]: `cuda`
    /// without a usable GPU is an error, `auto` falls back to the CPU).
    pub fn with_device(mut self, device: Device) -> Result<Self> {
        self.backend = device.backend()?;
        Ok(self)
    }

    /// The artifact this transform was built from.
    pub fn artifact(&self) -> &TransformArtifact {
        &self.artifact
    }

    /// The input columns and the types they were fitted on.
    pub fn input_types(&self) -> &BTreeMap<String, DataType> {
        &self.input_types
    }

    /// The output columns and their types.
    pub fn output_schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// Transforms a batch; a row whose value does not fit its op is an error.
    pub fn apply(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        Ok(self.apply_with(batch, InvalidRows::Fail)?.batch)
    }

    /// Transforms a batch, handling rows whose values do not fit per `on_invalid`.
    pub fn apply_with(&self, batch: &RecordBatch, on_invalid: InvalidRows) -> Result<Applied> {
        self.check_schema(batch)?;
        let column = |name: &str| batch.column_by_name(name).expect("checked by check_schema");
        let mut invalid = Vec::new();
        // Column inputs now (outputs read by ops below them come as they are computed).
        let mut op_inputs: Vec<Vec<Option<ArrayRef>>> = Vec::with_capacity(self.outputs.len());
        for output in &self.outputs {
            let mut columns = Vec::with_capacity(output.inputs.len());
            for (name, source) in output.inputs.iter().zip(&output.sources) {
                if *source != Source::Column {
                    columns.push(None);
                    continue;
                }
                let target = match output.kind {
                    InputKind::Numeric => DataType::Float64,
                    InputKind::Any => self.input_types[name].clone(),
                };
                let (c, bad) = coerce(name, column(name), &target)?;
                invalid.extend(bad);
                invalid.extend(output.transform.unreadable(name, &c)?);
                columns.push(Some(fill_nulls(name, c, output.fill.as_ref())?));
            }
            op_inputs.push(columns);
        }
        let mut passthrough = Vec::with_capacity(self.passthrough.len());
        for (name, t) in &self.passthrough {
            let (c, bad) = coerce(name, column(name), t)?;
            invalid.extend(bad);
            passthrough.push(c);
        }
        normalize_invalid(&mut invalid);
        if on_invalid == InvalidRows::Fail
            && let Some(first) = invalid.first()
        {
            return Err(TabxError::invalid_input(format!("row {}", first.row + 1), &first.reason)
                .with_hint("use --on-error skip to leave such rows out (they are counted)"));
        }
        if let Some(mask) = valid_mask(batch.num_rows(), &invalid) {
            for c in op_inputs.iter_mut().flatten().flatten().chain(passthrough.iter_mut()) {
                *c = arrow::compute::filter(c.as_ref(), &mask)?;
            }
        }
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for (output, inputs) in self.outputs.iter().zip(op_inputs) {
            let mut resolved = Vec::with_capacity(inputs.len());
            for (input, source) in inputs.into_iter().zip(&output.sources) {
                resolved.push(match (input, source) {
                    (Some(column), _) => column,
                    (None, Source::Output(k)) => {
                        chained_input(&self.outputs[*k].name, &columns[*k], output.kind, output.fill.as_ref())?
                    }
                    (None, Source::Column) => unreachable!("column inputs are read above"),
                });
            }
            columns.push(output.transform.transform(&resolved, self.backend.as_ref())?);
        }
        columns.extend(passthrough);
        let batch = RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &arrow::array::RecordBatchOptions::new()
                .with_row_count(Some(batch.num_rows() - reasons_by_row(&invalid).len())),
        )?;
        Ok(Applied { batch, invalid })
    }

    /// Every input column present, of a type of the fitted family (or one that widens into it).
    fn check_schema(&self, batch: &RecordBatch) -> Result<()> {
        let schema = batch.schema();
        for (name, fitted) in &self.input_types {
            let Some((_, field)) = schema.column_with_name(name) else {
                return Err(TabxError::schema(format!(
                    "column `{name}` ({fitted} when the transform was fitted) is not in the input"
                ))
                .with_hint("apply the transform to data with the columns it was fitted on"));
            };
            let got = crate::columns::normalize(field.data_type());
            let numeric_reader = self.outputs.iter().any(|o| {
                o.kind == InputKind::Numeric
                    && o.inputs.iter().zip(&o.sources).any(|(i, s)| i == name && *s == Source::Column)
            });
            // Text may arrive where numbers were fitted (parsed row by row), and
            // numbers where text was fitted (a CSV task with only digits).
            let fits = got == *fitted
                || got == DataType::Null
                || *fitted == DataType::Null
                || widest(fitted, &got).is_some()
                || (numeric_reader && got == DataType::Utf8);
            if !fits {
                return Err(TabxError::schema(format!(
                    "column `{name}` was {fitted} when the transform was fitted, the input has {}",
                    field.data_type()
                ))
                .with_hint("cast the column, or fit the transform on data of this type"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray, Date32Array, Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{Float64Type, Int64Type};

    use super::*;
    use crate::fit::FitState;
    use crate::spec::TransformSpec;

    fn fit(spec: &str, columns: Vec<(&str, ArrayRef)>) -> Transformer {
        let spec = TransformSpec::from_yaml(spec).unwrap();
        let mut state = FitState::try_new(&spec, InvalidRows::Fail).unwrap();
        state.update(&RecordBatch::try_from_iter(columns).unwrap()).unwrap();
        let artifact = state.finish().unwrap();
        // Through the JSON text, as serving loads it.
        Transformer::from_json(&artifact.to_json().unwrap()).unwrap()
    }

    fn floats(batch: &RecordBatch, name: &str) -> Vec<f64> {
        batch.column_by_name(name).unwrap().as_primitive::<Float64Type>().values().to_vec()
    }

    fn x(values: Vec<f64>) -> Vec<(&'static str, ArrayRef)> {
        vec![("x", Arc::new(Float64Array::from(values)) as ArrayRef)]
    }

    #[test]
    fn scale_to_z_score_matches_tft() {
        // TFT beam/impl_test.py, _SCALE_TO_Z_SCORE_TEST_CASES and _SCALE_TO_Z_SCORE_NAN_TEST_CASES
        // (testScaleToZScore): int64/float64 [1, 1, 2, 2] → [-1, -1, 1, 1]; zero_variance
        // [3, 3, 3, 3] → [0, 0, 0, 0]; with_nans [1, nan, nan, 2] → [-1, nan, nan, 1].
        let spec = "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [x]}\n";
        let t = fit(spec, vec![("x", Arc::new(Int64Array::from(vec![1, 1, 2, 2])) as ArrayRef)]);
        let out = t
            .apply(
                &RecordBatch::try_from_iter(vec![("x", Arc::new(Int64Array::from(vec![1, 1, 2, 2])) as ArrayRef)])
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(floats(&out, "z"), [-1.0, -1.0, 1.0, 1.0]);
        let t = fit(spec, x(vec![3.0; 4]));
        assert_eq!(floats(&t.apply(&RecordBatch::try_from_iter(x(vec![3.0; 4])).unwrap()).unwrap(), "z"), [0.0; 4]);
        let with_nans = x(vec![1.0, f64::NAN, f64::NAN, 2.0]);
        let t = fit(spec, with_nans.clone());
        let z = floats(&t.apply(&RecordBatch::try_from_iter(with_nans).unwrap()).unwrap(), "z");
        assert_eq!((z[0], z[3]), (-1.0, 1.0));
        assert!(z[1].is_nan() && z[2].is_nan());
    }

    #[test]
    fn scale_to_z_score_of_huge_values() {
        // numpy: x = np.array([1.2e154, -1e153]); (x - x.mean()) / x.std() == [1, -1]
        // (std 6.5e153; n·Σx² overflows, which once gave std 0 and a divisor of 1).
        let spec = "outputs:
  - {name: z, op: scale_to_z_score, inputs: [x]}
";
        let t = fit(spec, x(vec![1.2e154, -1e153]));
        let z = floats(&t.apply(&RecordBatch::try_from_iter(x(vec![1.2e154, -1e153])).unwrap()).unwrap(), "z");
        assert_eq!(z, [1.0, -1.0]);
        // Squares beyond f64: a clear error, not a silent pass-through.
        let mut state = FitState::try_new(&TransformSpec::from_yaml(spec).unwrap(), InvalidRows::Fail).unwrap();
        state.update(&RecordBatch::try_from_iter(x(vec![1e155, -1e155])).unwrap()).unwrap();
        let err = state.finish().unwrap_err().to_string();
        assert!(err.contains("sum of the squared values overflows f64"), "{err}");
    }

    #[test]
    fn scale_to_0_1_matches_tft() {
        // TFT beam/impl_test.py, testAnalyzerBeforeMap: [4, 1, 5, 2] → [0.75, 0, 1, 0.25].
        let spec = "outputs:\n  - {name: s, op: scale_to_0_1, inputs: [x]}\n";
        let t = fit(spec, x(vec![4.0, 1.0, 5.0, 2.0]));
        let out = t.apply(&RecordBatch::try_from_iter(x(vec![4.0, 1.0, 5.0, 2.0])).unwrap()).unwrap();
        assert_eq!(floats(&out, "s"), [0.75, 0.0, 1.0, 0.25]);
        // testTransformWithExcludedOutputs: fitted on [5, 1], 6 → 1.25 (not clipped).
        let t = fit(spec, x(vec![5.0, 1.0]));
        assert_eq!(floats(&t.apply(&RecordBatch::try_from_iter(x(vec![6.0])).unwrap()).unwrap(), "s"), [1.25]);
        // testScaleMinMaxWithEmptyInputs (scale_by_min_max with its defaults 0 and 1):
        // fitted on no rows, min ≥ max → sigmoid(x): [100, 1, 12] → [1, 0.7310585, 0.9999938] (float32).
        let t = fit(spec, x(vec![]));
        let s = floats(&t.apply(&RecordBatch::try_from_iter(x(vec![100.0, 1.0, 12.0])).unwrap()).unwrap(), "s");
        for (got, want) in s.iter().zip([1.0, 0.731_058_5, 0.999_993_8]) {
            assert!((got - want).abs() < 1e-7, "{got} vs {want}");
        }
    }

    #[test]
    fn scale_by_min_max_numpy() {
        // numpy: x = [0, 5, 10]; (x - 0) / 10 * (3 - (-1)) + (-1) = [-1, 1, 3].
        let t = fit(
            "outputs:\n  - {name: s, op: scale_by_min_max, inputs: [x], output_min: -1, output_max: 3}\n",
            x(vec![0.0, 5.0, 10.0]),
        );
        assert_eq!(
            floats(&t.apply(&RecordBatch::try_from_iter(x(vec![0.0, 5.0, 10.0])).unwrap()).unwrap(), "s"),
            [-1.0, 1.0, 3.0]
        );
    }

    #[test]
    fn bucketize_assigns_tft_buckets() {
        // TFT bucketize_integration_test.py, testBucketization with range(1, 10) and
        // 3 buckets: boundaries [4, 7]; x ≥ boundary moves up; NaN → last bucket.
        let values: Vec<f64> = (1..10).map(f64::from).collect();
        let t = fit("outputs:\n  - {name: b, op: bucketize, inputs: [x], num_buckets: 3}\n", x(values.clone()));
        assert_eq!(t.artifact().outputs[0].fitted["bucket_boundaries"], serde_json::json!([4.0, 7.0]));
        let mut probe = values;
        probe.push(f64::NAN);
        let out = t.apply(&RecordBatch::try_from_iter(x(probe)).unwrap()).unwrap();
        let b = out.column(0).as_primitive::<Int64Type>().values().to_vec();
        assert_eq!(b, [0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
    }

    #[test]
    fn fill_replaces_missing_inputs_before_the_op_fits_and_applies() {
        // TFX fills first: [1, null, 3] as [1, 0, 3] has mean 4/3 and
        // population variance ((1-4/3)² + (4/3)² + (3-4/3)²)/3 = 14/9 (numpy).
        let spec = "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [x], fill: 0}\n  - {name: s, op: compute_and_apply_vocabulary, inputs: [s], fill: ''}\n";
        let x: ArrayRef = Arc::new(Float64Array::from(vec![Some(1.0), None, Some(3.0)]));
        let s: ArrayRef = Arc::new(arrow::array::StringArray::from(vec![Some("a"), None, None]));
        let t = fit(spec, vec![("x", Arc::clone(&x)), ("s", Arc::clone(&s))]);
        let out = t.apply(&RecordBatch::try_from_iter([("x", x), ("s", s)]).unwrap()).unwrap();
        let (mean, std) = (4.0 / 3.0, (14.0f64 / 9.0).sqrt());
        let z = floats(&out, "z");
        assert!((z[1] - (0.0 - mean) / std).abs() < 1e-12, "{z:?}");
        // TFT leaves "" out of vocabularies, so a filled "" is out of the
        // vocabulary: `default_value` -1 (an OOV bucket with num_oov_buckets),
        // where without `fill` it would stay null.
        let ids = out.column_by_name("s").unwrap().as_primitive::<arrow::datatypes::Int64Type>();
        assert_eq!(ids.null_count(), 0);
        assert_eq!(ids.values().to_vec(), [0, -1, -1]);
        let row = t.transform_row(&serde_json::from_str(r#"{"x": null, "s": null}"#).unwrap()).unwrap();
        assert_eq!(row["s"], -1);
    }

    #[test]
    fn log1p_clip_and_fill_missing() {
        let spec = "outputs:\n  - {name: l, op: log1p, inputs: [x]}\n  - {name: c, op: clip, inputs: [x], min: 0, max: 2.5}\n  - {name: m, op: fill_missing, inputs: [x], strategy: mean}\n  - {name: d, op: fill_missing, inputs: [x], strategy: median}\n  - {name: k, op: fill_missing, inputs: [x], value: -1}\n";
        let data = vec![("x", Arc::new(Float64Array::from(vec![Some(0.0), None, Some(3.0), Some(1.0)])) as ArrayRef)];
        let t = fit(spec, data.clone());
        let out = t.apply(&RecordBatch::try_from_iter(data).unwrap()).unwrap();
        let col = |n: &str| out.column_by_name(n).unwrap().as_primitive::<Float64Type>().clone();
        // numpy: np.log1p([0, 3, 1]) = [0, 1.3862943611198906, 0.6931471805599453].
        assert_eq!(
            (col("l").value(0), col("l").value(2), col("l").value(3)),
            (0.0, 1.386_294_361_119_890_6, std::f64::consts::LN_2)
        );
        assert!(col("l").is_null(1));
        assert_eq!(col("c").value(2), 2.5);
        // mean of [0, 3, 1] = 4/3; numpy.quantile([0, 1, 3], 0.5, method="inverted_cdf") = 1.
        assert_eq!(col("m").value(1), 4.0 / 3.0);
        assert_eq!(col("d").value(1), 1.0);
        assert_eq!(col("k").value(1), -1.0);
        assert_eq!(col("k").null_count(), 0);
    }

    #[test]
    fn fill_missing_keeps_the_column_type() {
        let spec = "outputs:\n  - {name: s, op: fill_missing, inputs: [s], value: \"\"}\n  - {name: i, op: fill_missing, inputs: [i], strategy: most_frequent}\n";
        let data = [
            ("s", Arc::new(StringArray::from(vec![Some("a"), None])) as ArrayRef),
            ("i", Arc::new(Int64Array::from(vec![Some(7), None, Some(7), Some(2)])) as ArrayRef),
        ];
        let spec_t = TransformSpec::from_yaml(spec).unwrap();
        let mut state = FitState::try_new(&spec_t, InvalidRows::Fail).unwrap();
        state
            .update(
                &RecordBatch::try_from_iter(vec![
                    data[1].clone(),
                    ("s", Arc::new(StringArray::from(vec![Some("a"), None, None, None])) as ArrayRef),
                ])
                .unwrap(),
            )
            .unwrap();
        let t = Transformer::try_new(state.finish().unwrap()).unwrap();
        let out = t
            .apply(
                &RecordBatch::try_from_iter(vec![
                    ("s", Arc::clone(&data[0].1)),
                    ("i", Arc::new(Int64Array::from(vec![None, Some(1)])) as ArrayRef),
                ])
                .unwrap(),
            )
            .unwrap();
        assert_eq!(out.column(0).as_string::<i32>().value(1), "");
        assert_eq!(out.column(1).as_primitive::<Int64Type>().values().to_vec(), [7, 1]);
    }

    #[test]
    fn wrong_input_schema_and_invalid_rows() {
        let t = fit("outputs:\n  - {name: z, op: scale_to_z_score, inputs: [x]}\n", x(vec![1.0, 2.0]));
        let e = t
            .apply(
                &RecordBatch::try_from_iter(vec![("y", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef)]).unwrap(),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("column `x` (Float64 when the transform was fitted) is not in the input"),
            "{e}"
        );
        let e = t
            .apply(&RecordBatch::try_from_iter(vec![("x", Arc::new(Date32Array::from(vec![1])) as ArrayRef)]).unwrap())
            .unwrap_err();
        assert!(
            e.to_string().contains("column `x` was Float64 when the transform was fitted, the input has Date32"),
            "{e}"
        );
        let texts =
            RecordBatch::try_from_iter(vec![("x", Arc::new(StringArray::from(vec!["1", "abc", "2"])) as ArrayRef)])
                .unwrap();
        let e = t.apply(&texts).unwrap_err();
        assert!(e.to_string().contains("row 2: column `x`: \"abc\" is not a number"), "{e}");
        let applied = t.apply_with(&texts, InvalidRows::Skip).unwrap();
        assert_eq!(applied.invalid.len(), 1);
        assert_eq!(floats(&applied.batch, "z"), [-1.0, 1.0]);
    }
}
