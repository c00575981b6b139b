//! `fill_missing`: nulls replaced by one fitted value (TFT fills missing values
//! with `tft.sparse_tensor_to_dense_with_shape(x, shape, default_value)`; the
//! strategies are scikit-learn's `SimpleImputer`'s).
//!
//! Parameters: `strategy` (`constant`, the default; `mean`; `median`;
//! `most_frequent`) and `value` (for `constant`: a number or a string).
//! - `mean`: the exact mean of the non-NaN values; output Float64.
//! - `median`: `numpy.quantile(x, 0.5, method="inverted_cdf")` (the lower
//!   middle value for even n) from a KLL sketch, exact below ~270 values and
//!   within rank error 0.01 beyond; output Float64.
//! - `most_frequent`: the most frequent value, ties to the smallest (as
//!   scikit-learn); output the column's type. Exact up to 100 000 distinct values.
//! - `constant`: `value`; output the column's type (Float64 when an Int64
//!   column gets a fractional value).
//!
//! Only nulls are filled: NaN is a value and stays NaN (scikit-learn would
//! treat it as missing). With no value to fill (an all-null column for
//! mean/median/most_frequent), nulls stay null.

use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, new_null_array};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, from_json, state, to_json};
use crate::analyzer::{AnalyzerState, FrequentState, FrequentValue, QuantilesState};
use crate::backend::Backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Strategy {
    Constant,
    Mean,
    Median,
    MostFrequent,
}

#[derive(Debug)]
struct FillMissing {
    strategy: Strategy,
    value: Option<Value>,
}

/// The value nulls become and the output type.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Fitted {
    strategy: Strategy,
    value: Value,
    #[serde(rename = "type")]
    output_type: String,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let strategy = params.get::<Strategy>("strategy")?.unwrap_or(Strategy::Constant);
    let value = params.get::<Value>("value")?;
    match (strategy, &value) {
        (Strategy::Constant, None) => {
            Err(params.error("needs the parameter `value` with strategy constant").with_hint("add e.g. `value: 0`"))
        }
        (Strategy::Constant, Some(v)) if !(v.is_number() || v.is_string()) => {
            Err(params.error(format!("needs a number or a string as `value`, got {v}")).with_hint("e.g. `value: 0`"))
        }
        (Strategy::Constant, _) => Ok(Box::new(FillMissing { strategy, value })),
        (_, Some(_)) => Err(params
            .error("takes `value` only with strategy constant")
            .with_hint("remove `value`, or use `strategy: constant`")),
        (_, None) => Ok(Box::new(FillMissing { strategy, value: None })),
    }
}

impl Preprocessor for FillMissing {
    fn op(&self) -> &'static str {
        "fill_missing"
    }

    fn input_kind(&self) -> InputKind {
        match self.strategy {
            Strategy::Mean | Strategy::Median => InputKind::Numeric,
            Strategy::Constant | Strategy::MostFrequent => InputKind::Any,
        }
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        match self.strategy {
            Strategy::Constant => Vec::new(),
            Strategy::Mean => vec![AnalyzerState::Moments(Box::default())],
            Strategy::Median => vec![AnalyzerState::Quantiles(QuantilesState::with_epsilon(0.01))],
            Strategy::MostFrequent => vec![AnalyzerState::Frequent(FrequentState::default())],
        }
    }

    fn fit(&self, input_type: &DataType, states: &[AnalyzerState]) -> Result<Value> {
        let number = |x: Option<f64>| x.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number);
        let (value, output_type) = match self.strategy {
            Strategy::Mean => {
                let m = state(states, 0, |s| match s {
                    AnalyzerState::Moments(m) => Some(m.as_ref()),
                    _ => None,
                })?;
                (number((m.count() > 0).then(|| m.mean_var().0)), DataType::Float64)
            }
            Strategy::Median => {
                let q = state(states, 0, |s| match s {
                    AnalyzerState::Quantiles(q) => Some(q),
                    _ => None,
                })?;
                (number(q.sketch().quantile(0.5)), DataType::Float64)
            }
            Strategy::MostFrequent => {
                let f = state(states, 0, |s| match s {
                    AnalyzerState::Frequent(f) => Some(f),
                    _ => None,
                })?;
                let value = match f.most_frequent() {
                    None => Value::Null,
                    Some((FrequentValue::Text(s), _)) => Value::String(s),
                    Some((FrequentValue::Number(x), _)) if *input_type == DataType::Int64 => Value::from(x as i64),
                    Some((FrequentValue::Number(x), _)) if *input_type == DataType::Utf8 => {
                        Value::String(if x.fract() == 0.0 { format!("{}", x as i64) } else { x.to_string() })
                    }
                    Some((FrequentValue::Number(x), _)) => number(Some(x)),
                };
                (value, input_type.clone())
            }
            Strategy::Constant => {
                let value = self.value.clone().unwrap_or(Value::Null);
                let output_type = constant_type(input_type, &value).ok_or_else(|| {
                    TabxError::config(format!("fill_missing: the value {value} does not fit a {input_type} column"))
                        .with_hint("fill numeric columns with a number and string columns with a string")
                })?;
                (value, output_type)
            }
        };
        to_json(&Fitted { strategy: self.strategy, value, output_type: output_type.to_string() })
    }

    fn transform(&self, _: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        let fitted: Fitted = from_json(self.op(), fitted)?;
        let output_type = DataType::from_str(&fitted.output_type).map_err(|e| {
            TabxError::config(format!("fill_missing: invalid type `{}` in the fitted values: {e}", fitted.output_type))
        })?;
        let fill = one_value(&output_type, &fitted.value)?;
        Ok(Box::new(Fill { output_type, fill }))
    }
}

/// The output type of a constant fill of an `input` column, `None` when they do not fit.
fn constant_type(input: &DataType, value: &Value) -> Option<DataType> {
    match (input, value) {
        (DataType::Int64, Value::Number(n)) if n.is_i64() => Some(DataType::Int64),
        (DataType::Int64 | DataType::Float64, Value::Number(_)) => Some(DataType::Float64),
        (DataType::Null, Value::Number(n)) if n.is_i64() => Some(DataType::Int64),
        (DataType::Null, Value::Number(_)) => Some(DataType::Float64),
        (DataType::Utf8 | DataType::Null, Value::String(_)) => Some(DataType::Utf8),
        _ => None,
    }
}

/// `value` as a one-row array of `data_type` (a null for JSON null).
fn one_value(data_type: &DataType, value: &Value) -> Result<ArrayRef> {
    let bad = || TabxError::config(format!("fill_missing: the fitted value {value} is not a {data_type}"));
    Ok(match (data_type, value) {
        (_, Value::Null) => new_null_array(data_type, 1),
        (DataType::Int64, v) => Arc::new(Int64Array::from(vec![v.as_i64().ok_or_else(bad)?])),
        (DataType::Float64, v) => Arc::new(Float64Array::from(vec![v.as_f64().ok_or_else(bad)?])),
        (DataType::Utf8, Value::String(s)) => Arc::new(StringArray::from(vec![s.as_str()])),
        _ => return Err(bad()),
    })
}

#[derive(Debug)]
struct Fill {
    output_type: DataType,
    fill: ArrayRef,
}

impl BatchTransform for Fill {
    fn output_type(&self) -> DataType {
        self.output_type.clone()
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let x = if inputs[0].data_type() == &self.output_type {
            Arc::clone(&inputs[0])
        } else {
            // An Int64 column filled with a fraction becomes Float64; a Null one takes the fill's type.
            arrow::compute::cast(&inputs[0], &self.output_type)?
        };
        backend.fill_nulls(&x, &self.fill)
    }
}
