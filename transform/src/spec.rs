//! The transform spec: named outputs, each an op on input columns, plus
//! columns passed through unchanged ([`TransformSpec`]).
//!
//! YAML (or JSON, which is YAML too):
//!
//! ```yaml
//! outputs:
//!   - name: trip_miles_z          # the output column
//!     op: scale_to_z_score        # TFT's name of the op
//!     inputs: [trip_miles]        # input columns
//!   - name: fare_bucket
//!     op: bucketize
//!     inputs: [fare]
//!     num_buckets: 10             # the op's parameters sit beside `op`
//!   - name: fare_log_z            # an input may name an output above it:
//!     op: scale_to_z_score        # z-score of log1p(fare), as TFT's
//!     inputs: [fare_log]          # `scale_to_z_score(tf.math.log1p(x))`
//! passthrough: [trip_start_hour, company]
//! ```
//!
//! Inputs name input columns, or outputs defined above them ([`Source`]): an
//! output shadows a column of the same name for the outputs below it, as
//! assigning a variable would. An op that fits on its input (a z-score,
//! quantiles, a vocabulary) can read an output only if nothing on that
//! output's way fits anything: one pass over the data fits the whole spec
//! (TFT would need a second analysis phase; tabx refuses the spec instead).
//!
//! Parsing checks the shape only; [`TransformSpec::build`] checks each op, its
//! parameters and arity against the registry (`ops/mod.rs`), so every spec
//! error names the output and the fix.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tabx_core::{Result, TabxError};

use crate::ops::{self, Preprocessor};

const FORMAT_HINT: &str = "a spec is `outputs:` (a list of `{name, op, inputs: [COL], PARAM: VALUE}`) and an \
optional `passthrough: [COL]`; see `tabx transform --help`";

/// One output of the spec: `op` applied to `inputs`, written as column `name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSpec {
    /// The output column.
    pub name: String,
    /// The op, by TFT's name (`scale_to_z_score`, `bucketize`, ...).
    pub op: String,
    /// The input columns the op reads.
    pub inputs: Vec<String>,
    /// Missing (null) input values become this value before the op fits and
    /// applies, as TFX's taxi example fills every input first
    /// (`_fill_in_missing`: `""` for strings, 0 for numbers). Unset: nulls
    /// reach the op, which documents what it does with them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill: Option<Value>,
    /// Everything else: the op's parameters.
    #[serde(flatten)]
    pub params: Map<String, Value>,
}

/// Where an input of an output comes from (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The input column of that name.
    Column,
    /// The output with this index, defined above.
    Output(usize),
}

/// The whole spec (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformSpec {
    /// The outputs, in output-column order.
    #[serde(default)]
    pub outputs: Vec<OutputSpec>,
    /// Input columns copied to the output (after the op outputs), unchanged.
    #[serde(default)]
    pub passthrough: Vec<String>,
}

impl TransformSpec {
    /// Reads a spec file (YAML or JSON); errors name the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TabxError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses a spec from YAML or JSON text.
    pub fn from_yaml(text: &str) -> Result<Self> {
        Self::parse(text, "<spec>")
    }

    fn parse(text: &str, origin: &str) -> Result<Self> {
        if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
            return Err(TabxError::config(format!("{origin}: the spec is empty")).with_hint(FORMAT_HINT));
        }
        let spec: TransformSpec = serde_saphyr::from_str(text).map_err(|e| {
            let options = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
            TabxError::config(format!("{origin}: {}", e.render_with_options(options))).with_hint(FORMAT_HINT)
        })?;
        spec.check().map_err(|e| match e {
            TabxError::Config { message, hint } => TabxError::Config { message: format!("{origin}: {message}"), hint },
            other => other,
        })?;
        Ok(spec)
    }

    /// Shape checks that need no data: at least one column out, unique
    /// output names, every op known with valid parameters.
    fn check(&self) -> Result<()> {
        if self.outputs.is_empty() && self.passthrough.is_empty() {
            return Err(TabxError::config("the spec has no outputs and no passthrough columns").with_hint(FORMAT_HINT));
        }
        let mut names = HashSet::new();
        for name in self.outputs.iter().map(|o| &o.name).chain(&self.passthrough) {
            if name.is_empty() {
                return Err(TabxError::config("an output has an empty name").with_hint("give every output a `name`"));
            }
            if !names.insert(name.as_str()) {
                return Err(TabxError::config(format!("the output column `{name}` is defined twice"))
                    .with_hint("give every output its own name; a passthrough column keeps its input name"));
            }
        }
        let ops = self.build()?;
        for (i, output) in self.outputs.iter().enumerate() {
            if ops[i].analyzers().is_empty() {
                continue;
            }
            // Analyzers read the first input; its values must exist before fitting.
            if let Source::Output(k) = self.sources(i)[0]
                && let Some(fitted) = self.first_fitted(&ops, k)
            {
                let above = &self.outputs[fitted];
                let why = match fitted == k {
                    true => format!("which is `{}`, fitted from the data too", above.op),
                    false => format!("which depends on `{}` ({}), fitted from the data too", above.name, above.op),
                };
                return Err(TabxError::config(format!(
                    "output `{}` fits `{}` on output `{}`, {why}: that takes a second pass over the data",
                    output.name, output.op, self.outputs[k].name
                ))
                .with_hint(format!(
                    "fit `{}` on an input column, or on outputs of ops that fit nothing (log1p, clip, hash_strings, ...)",
                    output.name
                )));
            }
        }
        Ok(())
    }

    /// Where each input of output `i` comes from: the output of that name
    /// above it, else the input column.
    pub fn sources(&self, i: usize) -> Vec<Source> {
        self.outputs[i]
            .inputs
            .iter()
            .map(|name| match self.outputs[..i].iter().position(|o| &o.name == name) {
                Some(k) => Source::Output(k),
                None => Source::Column,
            })
            .collect()
    }

    /// The first output on the way to output `k` (itself included) whose op
    /// fits on data, if any.
    fn first_fitted(&self, ops: &[Box<dyn Preprocessor>], k: usize) -> Option<usize> {
        if !ops[k].analyzers().is_empty() {
            return Some(k);
        }
        self.sources(k).into_iter().find_map(|source| match source {
            Source::Output(j) => self.first_fitted(ops, j),
            Source::Column => None,
        })
    }

    /// The configured op of every output, in order.
    pub fn build(&self) -> Result<Vec<Box<dyn Preprocessor>>> {
        self.outputs.iter().map(ops::build).collect()
    }

    /// Every input column the spec reads (op inputs that name no output
    /// above them, then passthrough), once each, in first-use order.
    pub fn input_columns(&self) -> Vec<String> {
        let mut seen = HashSet::new();
        let op_columns = self.outputs.iter().enumerate().flat_map(|(i, o)| {
            o.inputs.iter().zip(self.sources(i)).filter(|(_, s)| *s == Source::Column).map(|(c, _)| c)
        });
        op_columns.chain(&self.passthrough).filter(|c| seen.insert(c.as_str())).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_with_params_and_passthrough() {
        let spec = TransformSpec::from_yaml(
            "outputs:\n  - name: b\n    op: bucketize\n    inputs: [fare]\n    num_buckets: 4\npassthrough: [company]\n",
        )
        .unwrap();
        assert_eq!(spec.outputs[0].params["num_buckets"], 4);
        assert_eq!(spec.input_columns(), ["fare", "company"]);
    }

    #[test]
    fn inputs_name_outputs_above_them() {
        let spec = TransformSpec::from_yaml(
            "outputs:
  - {name: fare, op: clip, inputs: [fare], max: 100}
  - {name: fare_log, op: log1p, inputs: [fare]}
  - {name: fare_log_z, op: scale_to_z_score, inputs: [fare_log]}
  - {name: fare_z, op: scale_to_z_score, inputs: [tips]}
  - {name: crossed, op: hash_cross, inputs: [fare_z, company], hash_buckets: 10}
",
        )
        .unwrap();
        // The first `fare` is the column; below it, `fare` is the clipped output.
        assert_eq!(spec.sources(0), [Source::Column]);
        assert_eq!(spec.sources(1), [Source::Output(0)]);
        assert_eq!(spec.sources(2), [Source::Output(1)]);
        assert_eq!(spec.sources(4), [Source::Output(3), Source::Column]);
        assert_eq!(spec.input_columns(), ["fare", "tips", "company"]);

        // A fitted op on a fitted output needs a second pass: refused, naming both.
        let e = TransformSpec::from_yaml(
            "outputs:
  - {name: z, op: scale_to_z_score, inputs: [x]}
  - {name: l, op: log1p, inputs: [z]}
  - {name: b, op: bucketize, inputs: [l], num_buckets: 4}
",
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("output `b` fits `bucketize` on output `l`, which depends on `z` (scale_to_z_score)"),
            "{text}"
        );
    }

    #[test]
    fn json_is_accepted() {
        let spec = TransformSpec::from_yaml(r#"{"outputs": [{"name": "z", "op": "log1p", "inputs": ["x"]}]}"#).unwrap();
        assert_eq!(spec.outputs[0].op, "log1p");
    }

    #[test]
    fn errors_name_the_output_and_the_fix() {
        let e = TransformSpec::from_yaml("outputs:\n  - {name: z, op: scale_to_zscore, inputs: [x]}\n").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("output `z`") && text.contains("unknown op `scale_to_zscore`"), "{text}");
        assert!(text.contains("hint: did you mean `scale_to_z_score`?"), "{text}");
        // Names a TFT user writes: the module prefix, a short name, no underscores.
        for (op, meant) in [
            ("tft.scale_to_z_score", "scale_to_z_score"),
            ("zscore", "scale_to_z_score"),
            ("vocabulary", "compute_and_apply_vocabulary"),
            ("Log1P", "log1p"),
        ] {
            let e =
                TransformSpec::from_yaml(&format!("outputs:\n  - {{name: z, op: {op}, inputs: [x]}}\n")).unwrap_err();
            assert!(e.to_string().contains(&format!("hint: did you mean `{meant}`?")), "{op}: {e}");
        }
        let e = TransformSpec::from_yaml("outputs:\n  - {name: z, op: pca, inputs: [x]}\n").unwrap_err();
        assert!(e.to_string().contains("hint: the ops are scale_to_z_score,"), "{e}");

        let e = TransformSpec::from_yaml("outputs:\n  - {name: b, op: bucketize, inputs: [x]}\n").unwrap_err();
        assert!(e.to_string().contains("output `b`: op `bucketize` needs the parameter `num_buckets`"), "{e}");

        let e =
            TransformSpec::from_yaml("outputs:\n  - {name: c, op: clip, inputs: [x], min: 0, mx: 1}\n").unwrap_err();
        assert!(e.to_string().contains("has no parameter `mx`"), "{e}");

        let e = TransformSpec::from_yaml("outputs:\n  - {name: c, op: log1p, inputs: [x, y]}\n").unwrap_err();
        assert!(e.to_string().contains("takes 1 input column, got 2"), "{e}");

        let e = TransformSpec::from_yaml("outputs:\n  - {name: x, op: log1p, inputs: [a]}\npassthrough: [x]\n")
            .unwrap_err();
        assert!(e.to_string().contains("`x` is defined twice"), "{e}");

        let e = TransformSpec::from_yaml("# nothing\n").unwrap_err();
        assert!(e.to_string().contains("the spec is empty"), "{e}");

        let e = TransformSpec::from_yaml("outputs: 3\n").unwrap_err();
        assert!(e.to_string().contains("hint: a spec is `outputs:`"), "{e}");
    }
}
