//! The ops of the spec and their registry.
//!
//! Each op follows TFT's two phases (ARCHITECTURE.md §3): a [`Preprocessor`]
//! (the op with its parameters) names the analyzers it needs and turns their
//! finished states into fitted values; the [`BatchTransform`] built from those
//! values is a pure function of a batch. Fitted values are JSON so that
//! `transform.json` holds them verbatim and serving rebuilds the exact
//! transform from the file.
//!
//! A new op is one file here and one line in [`REGISTRY`].

mod bucketize;
mod clip;
mod fill_missing;
mod greater_than_fraction;
mod hash_cross;
mod hash_strings;
mod log1p;
mod one_hot;
mod scale_min_max;
mod timestamp;
mod vocabulary;
mod z_score;

use std::fmt::Debug;

use arrow::array::ArrayRef;
use arrow::datatypes::DataType;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use tabx_core::{Result, TabxError};

use crate::analyzer::AnalyzerState;
use crate::backend::Backend;
use crate::spec::OutputSpec;

/// What an op reads from its input columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Numbers, cast to Float64 before the op sees them (strings are parsed;
    /// a string that is not a number makes the row invalid).
    Numeric,
    /// The column as fitted (Int64, Float64 or Utf8), whatever it holds.
    Any,
}

/// An op of the spec with its parameters, before fitting.
pub trait Preprocessor: Send + Sync + Debug {
    /// The op's name as the spec spells it.
    fn op(&self) -> &'static str;
    /// What the op reads from each of its inputs.
    fn input_kind(&self) -> InputKind;
    /// Empty states of the analyzers the op needs, in the order [`Self::fit`] takes them.
    fn analyzers(&self) -> Vec<AnalyzerState>;
    /// The fitted values (a JSON object) from the finished analyzer states;
    /// `input_type` is the fitted type of the input column.
    fn fit(&self, input_type: &DataType, states: &[AnalyzerState]) -> Result<Value>;
    /// The transform with `fitted` values, from [`Self::fit`] or `transform.json`.
    fn transform(&self, input_type: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>>;
}

/// An op that fits nothing: its parameters are its fitted values, written to
/// `transform.json` as they are. Implementing this (a name, an input kind and
/// an optional type check) makes the op a [`Preprocessor`].
pub(crate) trait StatelessOp: BatchTransform + Serialize + DeserializeOwned + 'static {
    /// The op's name as the spec spells it.
    fn name(&self) -> &'static str;
    /// What the op reads from each of its inputs.
    fn kind(&self) -> InputKind;
    /// Refuses an input column type the op cannot read, at fit and at load.
    fn check_input(&self, _input_type: &DataType) -> Result<()> {
        Ok(())
    }
}

impl<T: StatelessOp> Preprocessor for T {
    fn op(&self) -> &'static str {
        self.name()
    }

    fn input_kind(&self) -> InputKind {
        self.kind()
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        Vec::new()
    }

    fn fit(&self, input_type: &DataType, _: &[AnalyzerState]) -> Result<Value> {
        self.check_input(input_type)?;
        to_json(self)
    }

    fn transform(&self, input_type: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        self.check_input(input_type)?;
        Ok(Box::new(from_json::<T>(self.name(), fitted)?))
    }
}

/// A fitted op: a pure function from its input columns to its output column.
pub trait BatchTransform: Send + Sync + Debug {
    /// The type of the output column.
    fn output_type(&self) -> DataType;
    /// The output column of a batch; `inputs` are cast as [`Preprocessor::input_kind`] says.
    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef>;
    /// The rows of input column `name` (cast as for [`Self::transform`])
    /// whose value the op cannot read though its type is right (text that is
    /// not a date), each with why: they are left out of every output before
    /// any op runs, as a value that does not fit its type is.
    fn unreadable(&self, _name: &str, _column: &ArrayRef) -> Result<Vec<crate::invalid::InvalidRow>> {
        Ok(Vec::new())
    }
}

type Build = fn(&mut Params<'_>) -> Result<Box<dyn Preprocessor>>;

/// How many input columns an op reads.
#[derive(Debug, Clone, Copy)]
enum Arity {
    Exactly(usize),
    AtLeast(usize),
}

use Arity::{AtLeast, Exactly};

/// Every op: TFT's name, its arity, and how to build it from its parameters.
const REGISTRY: &[(&str, Arity, Build)] = &[
    ("scale_to_z_score", Exactly(1), z_score::build),
    ("scale_to_0_1", Exactly(1), scale_min_max::build_0_1),
    ("scale_by_min_max", Exactly(1), scale_min_max::build),
    ("bucketize", Exactly(1), bucketize::build),
    ("apply_buckets", Exactly(1), bucketize::build_apply),
    ("fill_missing", Exactly(1), fill_missing::build),
    ("log1p", Exactly(1), log1p::build),
    ("clip", Exactly(1), clip::build),
    ("compute_and_apply_vocabulary", Exactly(1), vocabulary::build),
    ("hash_strings", Exactly(1), hash_strings::build),
    ("timestamp_hour", Exactly(1), timestamp::build_hour),
    ("timestamp_day_of_week", Exactly(1), timestamp::build_day_of_week),
    ("timestamp_month", Exactly(1), timestamp::build_month),
    ("one_hot", Exactly(1), one_hot::build),
    ("hash_cross", AtLeast(2), hash_cross::build),
    ("greater_than_fraction", Exactly(2), greater_than_fraction::build),
];

/// The names of every op, for help texts.
pub fn op_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|(name, _, _)| *name).collect()
}

/// The configured op of one output: known op, right arity, valid parameters.
pub fn build(output: &OutputSpec) -> Result<Box<dyn Preprocessor>> {
    let at = |message: String| TabxError::config(format!("output `{}`: {message}", output.name));
    let Some((name, arity, build)) = REGISTRY.iter().find(|(name, _, _)| *name == output.op) else {
        // TFT code names ops `tft.scale_to_z_score`: the name without the module.
        let wanted = output.op.strip_prefix("tft.").unwrap_or(&output.op);
        let hint = match closest(wanted, REGISTRY.iter().map(|(n, _, _)| *n)) {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!("the ops are {}", op_names().join(", ")),
        };
        return Err(at(format!("unknown op `{}`", output.op)).with_hint(hint));
    };
    let got = output.inputs.len();
    match *arity {
        Exactly(1) if got != 1 => {
            return Err(at(format!("op `{name}` takes 1 input column, got {got}"))
                .with_hint(format!("write `inputs: [COLUMN]` and one output per column for {name}")));
        }
        Exactly(n) if got != n => {
            return Err(at(format!("op `{name}` takes {n} input columns, got {got}"))
                .with_hint(format!("write `inputs: [{}]`", column_list(n))));
        }
        AtLeast(n) if got < n => {
            return Err(at(format!("op `{name}` takes {n} or more input columns, got {got}"))
                .with_hint(format!("write `inputs: [{}, ...]`", column_list(n))));
        }
        _ => {}
    }
    let mut params = Params { output: &output.name, op: name, map: &output.params, used: Vec::new() };
    let op = build(&mut params)?;
    params.finish()?;
    Ok(op)
}

/// The parameters of one output, read by an op's `build`; any left unread is an error.
#[derive(Debug)]
pub struct Params<'a> {
    output: &'a str,
    op: &'static str,
    map: &'a Map<String, Value>,
    used: Vec<&'static str>,
}

impl Params<'_> {
    /// The error for this output, naming it and the op.
    pub fn error(&self, message: impl std::fmt::Display) -> TabxError {
        TabxError::config(format!("output `{}`: op `{}` {message}", self.output, self.op))
    }

    /// An optional parameter.
    pub fn get<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<Option<T>> {
        self.used.push(name);
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| {
                self.error(format!("has an invalid `{name}`: {e} (got {v})"))
                    .with_hint(format!("see `{}` in TFT's documentation for the expected value", self.op))
            }),
        }
    }

    /// A required parameter.
    pub fn require<T: DeserializeOwned>(&mut self, name: &'static str, example: &str) -> Result<T> {
        self.get(name)?.ok_or_else(|| {
            self.error(format!("needs the parameter `{name}`")).with_hint(format!("add `{name}: {example}`"))
        })
    }

    fn finish(&self) -> Result<()> {
        if let Some(unknown) = self.map.keys().find(|k| !self.used.contains(&k.as_str())) {
            let takes = if self.used.is_empty() { "no parameters".to_string() } else { self.used.join(", ") };
            return Err(self.error(format!("has no parameter `{unknown}`")).with_hint(format!("it takes {takes}")));
        }
        Ok(())
    }
}

/// Fitted values to JSON.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| TabxError::Internal(format!("cannot write fitted values: {e}")))
}

/// Fitted values from JSON (a `transform.json` edited by hand, or from another version).
pub(crate) fn from_json<T: DeserializeOwned>(op: &str, value: &Value) -> Result<T> {
    serde_json::from_value(value.clone()).map_err(|e| {
        TabxError::config(format!("the fitted values of op `{op}` are invalid: {e}"))
            .with_hint("fit the transform again with `tabx transform fit`")
    })
}

/// The analyzer state at `index`, of the kind `pick` selects.
pub(crate) fn state<T>(states: &[AnalyzerState], index: usize, pick: fn(&AnalyzerState) -> Option<&T>) -> Result<&T> {
    states
        .get(index)
        .and_then(pick)
        .ok_or_else(|| TabxError::Internal(format!("analyzer {index} missing or of the wrong kind")))
}

/// `A, B, ...` placeholders for `n` input columns.
fn column_list(n: usize) -> String {
    (0..n).map(|i| char::from(b'A' + (i % 26) as u8).to_string()).collect::<Vec<_>>().join(", ")
}

/// The name among `names` that `wanted` most likely misspells, for "did you
/// mean": the same name in another case, one that contains the other (`z_score`
/// for `scale_to_z_score`, `trip_mile` for `trip_miles`), else the nearest by
/// Levenshtein distance if it is at most 3 edits away.
pub(crate) fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    // Compared without case and underscores: `zscore` is in `scale_to_z_score`.
    let plain = |s: &str| s.to_ascii_lowercase().replace('_', "");
    let want = plain(wanted);
    let contains = |n: &str| {
        let n = plain(n);
        n == want || (want.len() >= 3 && (n.contains(&want) || want.contains(&n)))
    };
    names
        .clone()
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(wanted))
        .or_else(|| names.clone().into_iter().find(|n| contains(n)))
        .or_else(|| {
            names
                .into_iter()
                .map(|n| (strsim::levenshtein(n, wanted), n))
                .filter(|(d, _)| *d <= 3)
                .min_by_key(|(d, _)| *d)
                .map(|(_, n)| n)
        })
}
