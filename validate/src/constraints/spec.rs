//! The constraint file: its YAML model ([`ConstraintSet`], [`Constraint`],
//! [`ConstraintKind`]), reading it with line numbers in every error, and the
//! shape checks on each SQL expression (one expression, no subquery, no
//! qualified names) together with the columns and functions it names.
//!
//! ```yaml
//! constraints:
//!   - name: fare_non_negative
//!     row: "fare >= 0"
//!   - name: unique_trip
//!     unique: [trip_start_timestamp, taxi_id]
//!   - name: enough_rows
//!     dataset: "count(*) > 1000"
//! ```

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::path::Path;

use datafusion::sql::sqlparser::ast::{Expr, Query, Visit, Visitor};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use tabx_core::{Result, TabxError};

/// What a constraint checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// A boolean SQL expression every row must satisfy (`row:`).
    Row,
    /// A list of columns whose values, together, identify a row (`unique:`).
    Unique,
    /// A boolean SQL expression over aggregates of the whole data (`dataset:`).
    Dataset,
}

/// One constraint of a [`ConstraintSet`], its SQL already parsed and checked for shape.
#[derive(Debug, Clone)]
pub struct Constraint {
    pub(crate) name: String,
    pub(crate) kind: ConstraintKind,
    /// As the user wrote it (for `unique`, the columns joined by `, `).
    pub(crate) expression: String,
    /// The parsed expression (`row`, `dataset`); generated SQL embeds this, not the user's text.
    pub(crate) sql: Option<Expr>,
    /// Columns named, in order of first appearance, as DataFusion will resolve them.
    pub(crate) columns: Vec<String>,
    /// Functions called, lowercased (to tell aggregates from scalar functions).
    pub(crate) functions: Vec<String>,
    /// The outermost function calls: for a dataset check, the values reported with the verdict.
    pub(crate) outer_calls: Vec<Expr>,
    /// Where the constraint starts in the file (1-based; 0 when unknown).
    pub(crate) line: u64,
}

impl Constraint {
    /// The constraint's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it checks.
    pub fn kind(&self) -> ConstraintKind {
        self.kind
    }

    /// The SQL expression as written (for `unique`, the key columns joined by `, `).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The columns it names, in order of first appearance.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// `origin:line: constraint `name``, for errors.
    pub(crate) fn label(&self, origin: &str) -> String {
        if self.line > 0 {
            format!("{origin}:{}: constraint `{}`", self.line, self.name)
        } else {
            format!("constraint `{}`", self.name)
        }
    }
}

/// The constraints of one YAML file, in file order.
#[derive(Debug, Clone)]
pub struct ConstraintSet {
    pub(crate) constraints: Vec<Constraint>,
    /// The file name (or `<string>`), for errors.
    pub(crate) origin: String,
}

const FORMAT_HINT: &str = "write `constraints:` followed by a list of entries, each `- name: NAME` and one of \
     `row: \"SQL\"`, `unique: [COLUMN, ...]` or `dataset: \"SQL\"`; quote SQL that contains `: ` or ` #`";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    constraints: Vec<Spanned<RawConstraint>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConstraint {
    name: String,
    #[serde(default)]
    row: Option<String>,
    #[serde(default)]
    unique: Option<Vec<String>>,
    #[serde(default)]
    dataset: Option<String>,
}

impl ConstraintSet {
    /// Reads and checks a YAML constraint file.
    pub fn from_yaml_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TabxError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Reads and checks YAML constraints from a string (errors name it `<string>`).
    pub fn from_yaml_str(text: &str) -> Result<Self> {
        Self::parse(text, "<string>")
    }

    /// The constraints, in file order.
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    fn parse(text: &str, origin: &str) -> Result<Self> {
        if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
            return Err(TabxError::config(format!("{origin}: the constraint file is empty")).with_hint(FORMAT_HINT));
        }
        let options = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
            let mut message = e.render_with_options(options);
            let mut at = String::new();
            if let Some(l) = e.location() {
                at = format!(":{}:{}", l.line(), l.column());
                // The location leads the message; drop the copy saphyr appends.
                let suffix = format!(" at line {}, column {}", l.line(), l.column());
                if let Some(stripped) = message.strip_suffix(&suffix) {
                    message = stripped.to_string();
                }
            }
            TabxError::config(format!("{origin}{at}: {message}")).with_hint(FORMAT_HINT)
        })?;
        if raw.constraints.is_empty() {
            return Err(TabxError::config(format!("{origin}: `constraints` is an empty list"))
                .with_hint("add at least one constraint, e.g. `- name: fare_non_negative` with `row: \"fare >= 0\"`"));
        }
        let mut names = HashSet::new();
        let mut constraints = Vec::with_capacity(raw.constraints.len());
        for spanned in raw.constraints {
            let line = spanned.referenced.line();
            let at = if line > 0 { format!("{origin}:{line}") } else { origin.to_string() };
            let c = Constraint::from_raw(spanned.value, line).map_err(|(msg, hint)| {
                let e = TabxError::config(format!("{at}: {msg}"));
                match hint {
                    Some(h) => e.with_hint(h),
                    None => e,
                }
            })?;
            if !names.insert(c.name.clone()) {
                return Err(TabxError::config(format!("{at}: a constraint named `{}` is already defined", c.name))
                    .with_hint("give every constraint its own name"));
            }
            constraints.push(c);
        }
        Ok(ConstraintSet { constraints, origin: origin.to_string() })
    }
}

type SpecError = (String, Option<String>);

impl Constraint {
    fn from_raw(raw: RawConstraint, line: u64) -> std::result::Result<Self, SpecError> {
        let name = raw.name.trim().to_string();
        if name.is_empty() {
            return Err(("a constraint has an empty `name`".into(), Some("name every constraint".into())));
        }
        let what = format!("constraint `{name}`");
        let (kind, text) = match (raw.row, raw.unique, raw.dataset) {
            (Some(sql), None, None) => (ConstraintKind::Row, sql),
            (None, Some(keys), None) => return Self::unique(name, keys, line),
            (None, None, Some(sql)) => (ConstraintKind::Dataset, sql),
            _ => {
                return Err((
                    format!("{what} must have exactly one of `row`, `unique`, `dataset`"),
                    Some("split it into one constraint per check".into()),
                ));
            }
        };
        let (expr, refs) = checked_expression(&text).map_err(|m| (format!("{what}: {m}"), Some(sql_hint(kind))))?;
        Ok(Constraint {
            name,
            kind,
            expression: text.trim().to_string(),
            sql: Some(expr),
            columns: refs.columns,
            functions: refs.functions,
            outer_calls: refs.outer_calls,
            line,
        })
    }

    fn unique(name: String, keys: Vec<String>, line: u64) -> std::result::Result<Self, SpecError> {
        if keys.is_empty() {
            return Err((
                format!("constraint `{name}`: `unique` lists no columns"),
                Some("write `unique: [COLUMN, ...]`".into()),
            ));
        }
        let mut seen = HashSet::new();
        if let Some(dup) = keys.iter().find(|k| !seen.insert(k.as_str())) {
            return Err((format!("constraint `{name}`: `unique` lists `{dup}` twice"), None));
        }
        Ok(Constraint {
            name,
            kind: ConstraintKind::Unique,
            expression: keys.join(", "),
            sql: None,
            columns: keys,
            functions: Vec::new(),
            outer_calls: Vec::new(),
            line,
        })
    }
}

fn sql_hint(kind: ConstraintKind) -> String {
    match kind {
        ConstraintKind::Row => {
            "write one boolean SQL expression over the row's columns, e.g. `fare >= 0 AND fare < 1000`"
        }
        _ => "write one boolean SQL expression over aggregates, e.g. `count(*) > 1000` or `avg(fare) BETWEEN 5 AND 50`",
    }
    .into()
}

/// Parses `sql` as exactly one SQL expression with DataFusion's default
/// (generic) dialect. Whatever follows the expression (`;`, a stray `)`, a
/// second statement) is an error, so statements cannot be smuggled in.
pub(crate) fn parse_expression(sql: &str) -> std::result::Result<Expr, String> {
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(sql).map_err(|e| format!("`{}`: {e}", sql.trim()))?;
    let expr = parser.parse_expr().map_err(|e| format!("`{}`: {e}", sql.trim()))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(format!("`{}` is not a single expression: unexpected `{}` after `{expr}`", sql.trim(), next.token));
    }
    Ok(expr)
}

/// [`parse_expression`], then the shape checks of [`References`]: the
/// expression with the columns and functions it names.
pub(crate) fn checked_expression(sql: &str) -> std::result::Result<(Expr, References), String> {
    let expr = parse_expression(sql)?;
    let mut refs = References::default();
    if let ControlFlow::Break(problem) = expr.visit(&mut refs) {
        return Err(format!("`{}`: {problem}", sql.trim()));
    }
    Ok((expr, refs))
}

/// Collects the columns and functions an expression names, and stops at what
/// a constraint may not contain. Subqueries would scan other tables (or the
/// data again, unboundedly); window functions have no meaning in a row check.
#[derive(Default)]
pub(crate) struct References {
    pub(crate) columns: Vec<String>,
    pub(crate) functions: Vec<String>,
    pub(crate) outer_calls: Vec<Expr>,
    call_depth: usize,
}

impl Visitor for References {
    type Break = String;

    fn pre_visit_query(&mut self, _query: &Query) -> ControlFlow<String> {
        ControlFlow::Break("subqueries are not allowed".into())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        match expr {
            Expr::Identifier(ident) => {
                // DataFusion lowercases unquoted identifiers: resolve names as it will.
                let name = if ident.quote_style.is_some() { ident.value.clone() } else { ident.value.to_lowercase() };
                if !self.columns.contains(&name) {
                    self.columns.push(name);
                }
            }
            Expr::CompoundIdentifier(parts) => {
                let joined = parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(".");
                return ControlFlow::Break(format!(
                    "`{expr}` is a qualified name: name a column alone, in double quotes if it contains a dot (\"{joined}\")"
                ));
            }
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
                return ControlFlow::Break("subqueries are not allowed".into());
            }
            Expr::Function(f) => {
                if f.over.is_some() {
                    return ControlFlow::Break(format!("window functions (`{expr}`) are not allowed"));
                }
                if self.call_depth == 0 {
                    self.outer_calls.push(expr.clone());
                }
                self.call_depth += 1;
                let name = f.name.to_string().to_lowercase();
                if !self.functions.contains(&name) {
                    self.functions.push(name);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        if matches!(expr, Expr::Function(_)) {
            self.call_depth -= 1;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_functions_are_collected_in_order() {
        let set = ConstraintSet::from_yaml_str(
            "constraints:\n  - name: a\n    row: \"Fare >= 0 AND \\\"Trip Miles\\\" < fare\"\n  - name: b\n    dataset: \"abs(avg(fare) - 1) < 2 and count(*) > 3\"\n",
        )
        .unwrap();
        let [a, b] = set.constraints() else { panic!() };
        assert_eq!(a.columns(), ["fare", "Trip Miles"]);
        assert_eq!(b.functions, ["abs", "avg", "count"]);
        let outer: Vec<String> = b.outer_calls.iter().map(|e| e.to_string()).collect();
        assert_eq!(outer, ["abs(avg(fare) - 1)", "count(*)"]);
        assert_eq!((a.line, b.line), (2, 4));
    }

    #[test]
    fn only_single_expressions_parse() {
        assert!(parse_expression("a > 0 AND b IS NULL").is_ok());
        for bad in ["a > 0; DROP TABLE t", "a > 0) OR (1=1", "CREATE TABLE x(a int)", "", "a >"] {
            assert!(parse_expression(bad).is_err(), "{bad}");
        }
    }
}
