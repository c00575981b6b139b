//! Faults injected into generated taxi data, for validation tests that need a
//! file with a known defect: a new categorical value, a dropped column, a type
//! change, a shifted distribution, extra missing values.
//!
//! Faults are applied to the generated row after it is complete. The decisions
//! they draw (which rows get the new value, which cells go missing) come from
//! their own ChaCha streams of the seed (stream `1 + position in the list`), never
//! from the rows' stream 0: with the same seed a faulted file holds the clean
//! file's rows, changed only in the cells a fault touched.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use tabx_core::{Result, TabxError};

use super::columns::{COLUMNS, Cell, Kind};
use super::draw::Draw;
use super::measured::{COMPANIES, PAYMENT_TYPES};

/// The `--inject` syntax of a [`TaxiFault`], one alternative per kind.
pub const TAXI_FAULT_SYNTAX: &str = "new-value=COLUMN:VALUE:FRACTION, drop=COLUMN, type-change=COLUMN[:FRACTION], \
                                     scale=COLUMN:FACTOR[:OFFSET] or missing=COLUMN:FRACTION";

/// One fault to inject into generated taxi data. Parses from (and displays as)
/// the `--inject` syntax [`TAXI_FAULT_SYNTAX`]:
///
/// ```
/// use tabx_datasets::TaxiFault;
///
/// let fault: TaxiFault = "scale=fare:1.5".parse().unwrap();
/// assert_eq!(fault, TaxiFault::Scale { column: "fare".into(), factor: 1.5, offset: 0.0 });
/// assert_eq!(fault.to_string(), "scale=fare:1.5");
/// assert!("scale=fare".parse::<TaxiFault>().unwrap_err().to_string().contains("scale=COLUMN:FACTOR"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum TaxiFault {
    /// Each present value of the string column is replaced by `value` with
    /// probability `fraction`. `value` must be outside the real data's domain.
    NewValue { column: String, value: String, fraction: f64 },
    /// The column is left out: no CSV header field, no Parquet field.
    Drop { column: String },
    /// Each present value of the numeric column is written, with probability
    /// `fraction`, as text with a unit (`12.3 mi`). In Parquet the column is
    /// `utf8` and its other values are their CSV text (`12.3`).
    TypeChange { column: String, fraction: f64 },
    /// Every present value `x` of the numeric column becomes `x × factor + offset`
    /// (rounded to the nearest integer in integer columns).
    Scale { column: String, factor: f64, offset: f64 },
    /// Each present value of the column is removed with probability `fraction`,
    /// on top of the values the column already misses.
    Missing { column: String, fraction: f64 },
}

impl TaxiFault {
    /// The column the fault applies to.
    pub fn column(&self) -> &str {
        match self {
            Self::NewValue { column, .. }
            | Self::Drop { column }
            | Self::TypeChange { column, .. }
            | Self::Scale { column, .. }
            | Self::Missing { column, .. } => column,
        }
    }
}

impl fmt::Display for TaxiFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NewValue { column, value, fraction } => write!(f, "new-value={column}:{value}:{fraction}"),
            Self::Drop { column } => write!(f, "drop={column}"),
            Self::TypeChange { column, fraction } if *fraction == 1.0 => write!(f, "type-change={column}"),
            Self::TypeChange { column, fraction } => write!(f, "type-change={column}:{fraction}"),
            Self::Scale { column, factor, offset } if *offset == 0.0 => write!(f, "scale={column}:{factor}"),
            Self::Scale { column, factor, offset } => write!(f, "scale={column}:{factor}:{offset}"),
            Self::Missing { column, fraction } => write!(f, "missing={column}:{fraction}"),
        }
    }
}

impl FromStr for TaxiFault {
    type Err = TabxError;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: &str| {
            TabxError::config(format!("bad fault '{s}': {why}"))
                .with_hint(format!("a fault is one of {TAXI_FAULT_SYNTAX}"))
        };
        let number = |text: &str, what: &str| {
            text.trim().parse::<f64>().map_err(|_| bad(&format!("{what} '{text}' is not a number")))
        };
        let (kind, args) = s.split_once('=').ok_or_else(|| bad("expected KIND=ARGUMENTS"))?;
        let column = |text: &str| {
            if text.is_empty() { Err(bad("no column")) } else { Ok(text.to_string()) }
        };
        match kind {
            "new-value" => {
                // VALUE may hold ':' itself: the column is before the first, the fraction after the last.
                let (name, rest) =
                    args.split_once(':').ok_or_else(|| bad("expected new-value=COLUMN:VALUE:FRACTION"))?;
                let (value, fraction) =
                    rest.rsplit_once(':').ok_or_else(|| bad("expected new-value=COLUMN:VALUE:FRACTION"))?;
                Ok(Self::NewValue {
                    column: column(name)?,
                    value: value.to_string(),
                    fraction: number(fraction, "fraction")?,
                })
            }
            "drop" => Ok(Self::Drop { column: column(args)? }),
            "type-change" => match args.split_once(':') {
                None => Ok(Self::TypeChange { column: column(args)?, fraction: 1.0 }),
                Some((name, fraction)) => {
                    Ok(Self::TypeChange { column: column(name)?, fraction: number(fraction, "fraction")? })
                }
            },
            "scale" => {
                let mut parts = args.split(':');
                let name = column(parts.next().unwrap_or_default())?;
                let factor =
                    number(parts.next().ok_or_else(|| bad("expected scale=COLUMN:FACTOR[:OFFSET]"))?, "factor")?;
                let offset = parts.next().map_or(Ok(0.0), |o| number(o, "offset"))?;
                if parts.next().is_some() {
                    return Err(bad("expected scale=COLUMN:FACTOR[:OFFSET]"));
                }
                Ok(Self::Scale { column: name, factor, offset })
            }
            "missing" => {
                let (name, fraction) = args.split_once(':').ok_or_else(|| bad("expected missing=COLUMN:FRACTION"))?;
                Ok(Self::Missing { column: column(name)?, fraction: number(fraction, "fraction")? })
            }
            other => Err(bad(&format!("unknown fault kind '{other}'"))),
        }
    }
}

/// The faults a [`TaxiGenerator`](super::TaxiGenerator) injects, in the order
/// they apply to each row. Build with the chained methods or from an iterator of
/// [`TaxiFault`]s; [`TaxiGenerator::with_faults`](super::TaxiGenerator::with_faults)
/// checks them against the columns.
///
/// ```
/// use tabx_datasets::TaxiFaults;
///
/// let faults = TaxiFaults::new().new_value("payment_type", "Bitcoin", 0.05).drop("tips").scale("fare", 1.5, 0.0);
/// assert_eq!(faults.iter().count(), 3);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaxiFaults {
    faults: Vec<TaxiFault>,
}

impl TaxiFaults {
    /// No faults: the clean data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a fault.
    pub fn push(&mut self, fault: TaxiFault) {
        self.faults.push(fault);
    }

    /// Adds [`TaxiFault::NewValue`].
    pub fn new_value(mut self, column: &str, value: &str, fraction: f64) -> Self {
        self.push(TaxiFault::NewValue { column: column.into(), value: value.into(), fraction });
        self
    }

    /// Adds [`TaxiFault::Drop`].
    pub fn drop(mut self, column: &str) -> Self {
        self.push(TaxiFault::Drop { column: column.into() });
        self
    }

    /// Adds [`TaxiFault::TypeChange`] of every present value.
    pub fn type_change(mut self, column: &str) -> Self {
        self.push(TaxiFault::TypeChange { column: column.into(), fraction: 1.0 });
        self
    }

    /// Adds [`TaxiFault::Scale`].
    pub fn scale(mut self, column: &str, factor: f64, offset: f64) -> Self {
        self.push(TaxiFault::Scale { column: column.into(), factor, offset });
        self
    }

    /// Adds [`TaxiFault::Missing`].
    pub fn missing(mut self, column: &str, fraction: f64) -> Self {
        self.push(TaxiFault::Missing { column: column.into(), fraction });
        self
    }

    /// The faults in the order they apply.
    pub fn iter(&self) -> impl Iterator<Item = &TaxiFault> {
        self.faults.iter()
    }

    /// True when there is nothing to inject.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }
}

impl FromIterator<TaxiFault> for TaxiFaults {
    fn from_iter<I: IntoIterator<Item = TaxiFault>>(iter: I) -> Self {
        Self { faults: iter.into_iter().collect() }
    }
}

/// One generated cell after the faults: a value of the column table, a new
/// categorical value borrowed from the plan, or a number turned into text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Out<'a> {
    Cell(Cell),
    Text(&'a str),
    /// A number written with a unit after it (`12.3 mi`).
    Tagged(Cell, &'static str),
}

/// The CSV text of a cell, before quoting: integers as integers, floats in
/// shortest round-trip form (Debug keeps ".0" on integral values, as Python's
/// repr wrote the source file).
impl fmt::Display for Out<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cell(Cell::Int(v)) => write!(f, "{v}"),
            Self::Cell(Cell::Float(v)) => write!(f, "{v:?}"),
            Self::Cell(Cell::Str(s)) => f.write_str(s),
            Self::Text(s) => f.write_str(s),
            Self::Tagged(cell, unit) => write!(f, "{} {unit}", Out::Cell(*cell)),
        }
    }
}

/// Validated faults, resolved to column indices: what the writers consult.
#[derive(Debug, Clone)]
pub(crate) struct FaultPlan {
    /// Indices into [`COLUMNS`] of the columns written, in header order.
    kept: Vec<usize>,
    /// The written type of each column: a type-changed column is a string column.
    kinds: [Kind; COLUMNS.len()],
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
struct Step {
    column: usize,
    action: Action,
    /// The ChaCha stream of the seed this step draws from.
    stream: u64,
}

#[derive(Debug, Clone)]
enum Action {
    NewValue { value: String, fraction: f64 },
    TypeChange { unit: &'static str, fraction: f64 },
    Scale { factor: f64, offset: f64 },
    Missing { fraction: f64 },
}

impl FaultPlan {
    /// Checks `faults` against the column table: known columns, fractions in
    /// [0, 1], finite factors, numeric columns for type changes and scales,
    /// string columns and a value outside the real domain for new values, and no
    /// fault on a dropped column.
    pub(crate) fn try_new(faults: &TaxiFaults) -> Result<Self> {
        let mut kept: Vec<usize> = (0..COLUMNS.len()).collect();
        let mut kinds = COLUMNS.map(|c| c.kind);
        let mut steps = Vec::new();
        for (position, fault) in faults.iter().enumerate() {
            let column = column_index(fault.column())?;
            let name = COLUMNS[column].name;
            let numeric = matches!(COLUMNS[column].kind, Kind::Int | Kind::Float);
            let action = match fault {
                TaxiFault::Drop { .. } => {
                    kept.retain(|&c| c != column);
                    continue;
                }
                TaxiFault::NewValue { value, fraction, .. } => {
                    check_fraction(fault, *fraction)?;
                    if numeric {
                        return Err(TabxError::config(format!("{fault}: {name} is a numeric column"))
                            .with_hint(format!("new values go in a string column: {}", names(Kind::Str))));
                    }
                    if value.is_empty() {
                        return Err(TabxError::config(format!("{fault}: the new value is empty"))
                            .with_hint(format!("an empty cell is a missing value: use missing={name}:FRACTION")));
                    }
                    if domain(name).contains(&value.as_str()) {
                        return Err(TabxError::config(format!(
                            "{fault}: '{value}' is already a {name} value in the real data"
                        )));
                    }
                    Action::NewValue { value: value.clone(), fraction: *fraction }
                }
                TaxiFault::TypeChange { fraction, .. } => {
                    check_fraction(fault, *fraction)?;
                    if !numeric {
                        return Err(TabxError::config(format!("{fault}: {name} is already a string column"))
                            .with_hint(format!("numeric columns: {}", numeric_names())));
                    }
                    kinds[column] = Kind::Str;
                    Action::TypeChange { unit: unit(name), fraction: *fraction }
                }
                TaxiFault::Scale { factor, offset, .. } => {
                    if !numeric {
                        return Err(TabxError::config(format!("{fault}: {name} is a string column"))
                            .with_hint(format!("numeric columns: {}", numeric_names())));
                    }
                    tabx_core::ensure_config!(
                        factor.is_finite() && offset.is_finite(),
                        "{fault}: the factor and offset must be finite numbers"
                    );
                    Action::Scale { factor: *factor, offset: *offset }
                }
                TaxiFault::Missing { fraction, .. } => {
                    check_fraction(fault, *fraction)?;
                    Action::Missing { fraction: *fraction }
                }
            };
            steps.push(Step { column, action, stream: 1 + position as u64 });
        }
        for fault in faults.iter() {
            let column = column_index(fault.column())?;
            if !kept.contains(&column) && !matches!(fault, TaxiFault::Drop { .. }) {
                return Err(TabxError::config(format!("{fault}: column {} is dropped", fault.column())));
            }
        }
        tabx_core::ensure_config!(!kept.is_empty(), "the faults drop every column");
        Ok(Self { kept, kinds, steps })
    }

    /// Indices into [`COLUMNS`] of the written columns, in header order.
    pub(crate) fn kept(&self) -> &[usize] {
        &self.kept
    }

    /// The written type of column `i`.
    pub(crate) fn kind(&self, i: usize) -> Kind {
        self.kinds[i]
    }

    /// The CSV header line, without its newline.
    pub(crate) fn header(&self) -> String {
        self.kept.iter().map(|&c| COLUMNS[c].name).collect::<Vec<_>>().join(",")
    }

    /// The Arrow schema of the written columns.
    pub(crate) fn schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .kept
            .iter()
            .map(|&c| {
                let ty = match self.kinds[c] {
                    Kind::Int => DataType::Int64,
                    Kind::Float => DataType::Float64,
                    Kind::Str => DataType::Utf8,
                };
                Field::new(COLUMNS[c].name, ty, true)
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// The side streams of `seed`, one per step, for [`FaultPlan::apply`].
    pub(crate) fn draws(&self, seed: u64) -> Vec<Draw> {
        self.steps.iter().map(|s| Draw::stream(seed, s.stream)).collect()
    }

    /// Applies the faults to one row, in order. Each step with a fraction draws
    /// once per row whatever the cell holds, so its decisions depend only on the
    /// row's position.
    pub(crate) fn apply<'a>(&'a self, draws: &mut [Draw], row: &mut [Option<Out<'a>>; COLUMNS.len()]) {
        for (step, draw) in self.steps.iter().zip(draws) {
            let cell = &mut row[step.column];
            match &step.action {
                Action::NewValue { value, fraction } => {
                    if draw.chance(*fraction) && cell.is_some() {
                        *cell = Some(Out::Text(value));
                    }
                }
                Action::TypeChange { unit, fraction } => {
                    if draw.chance(*fraction)
                        && let Some(Out::Cell(c)) = *cell
                    {
                        *cell = Some(Out::Tagged(c, unit));
                    }
                }
                Action::Scale { factor, offset } => {
                    if let Some(Out::Cell(c) | Out::Tagged(c, _)) = cell {
                        *c = match *c {
                            Cell::Int(v) => Cell::Int((v as f64 * factor + offset).round() as i64),
                            Cell::Float(v) => Cell::Float(v * factor + offset),
                            Cell::Str(_) => unreachable!("validated: scale applies to numeric columns"),
                        };
                    }
                }
                Action::Missing { fraction } => {
                    if draw.chance(*fraction) {
                        *cell = None;
                    }
                }
            }
        }
    }
}

fn column_index(name: &str) -> Result<usize> {
    COLUMNS.iter().position(|c| c.name == name).ok_or_else(|| {
        TabxError::config(format!("unknown taxi column '{name}'"))
            .with_hint(format!("the columns are {}", COLUMNS.map(|c| c.name).join(", ")))
    })
}

fn check_fraction(fault: &TaxiFault, fraction: f64) -> Result<()> {
    tabx_core::ensure_config!((0.0..=1.0).contains(&fraction), "{fault}: the fraction {fraction} is outside [0, 1]");
    Ok(())
}

fn names(kind: Kind) -> String {
    COLUMNS.iter().filter(|c| c.kind == kind).map(|c| c.name).collect::<Vec<_>>().join(", ")
}

fn numeric_names() -> String {
    COLUMNS.iter().filter(|c| c.kind != Kind::Str).map(|c| c.name).collect::<Vec<_>>().join(", ")
}

/// The values a string column takes in the real sample (`measured`).
fn domain(column: &str) -> Vec<&'static str> {
    match column {
        "payment_type" => PAYMENT_TYPES.iter().map(|p| p.0).collect(),
        "company" => COMPANIES.iter().map(|c| c.0).collect(),
        _ => Vec::new(),
    }
}

/// The unit a type-changed column's values are written with.
fn unit(column: &str) -> &'static str {
    match column {
        "trip_miles" => "mi",
        "trip_seconds" => "s",
        "fare" | "tips" => "USD",
        c if c.ends_with("_latitude") || c.ends_with("_longitude") => "deg",
        _ => "units",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_round_trips() {
        for text in [
            "new-value=payment_type:Bitcoin:0.05",
            "new-value=company:A: B:0.5",
            "drop=tips",
            "type-change=trip_miles",
            "type-change=trip_miles:0.01",
            "scale=fare:1.5",
            "scale=fare:1.5:-2",
            "missing=trip_seconds:0.05",
        ] {
            let fault: TaxiFault = text.parse().unwrap();
            assert_eq!(fault.to_string(), text);
        }
        let fault: TaxiFault = "new-value=company:A: B:0.5".parse().unwrap();
        assert_eq!(fault, TaxiFault::NewValue { column: "company".into(), value: "A: B".into(), fraction: 0.5 });
    }

    #[test]
    fn bad_syntax_shows_the_expected_syntax() {
        for text in ["fare", "shift=fare:2", "scale=fare", "scale=fare:x", "scale=fare:1:2:3", "missing=fare", "drop="]
        {
            let err = text.parse::<TaxiFault>().unwrap_err().to_string();
            assert!(err.contains(&format!("bad fault '{text}'")), "{err}");
            assert!(err.contains(TAXI_FAULT_SYNTAX), "{err}");
        }
    }

    #[test]
    fn validation_names_the_problem() {
        let err = |faults: TaxiFaults| FaultPlan::try_new(&faults).unwrap_err().to_string();
        let unknown = err(TaxiFaults::new().drop("tip"));
        assert!(unknown.contains("unknown taxi column 'tip'") && unknown.contains("trip_miles, pickup_census_tract"));
        assert!(err(TaxiFaults::new().missing("fare", 1.5)).contains("outside [0, 1]"));
        assert!(err(TaxiFaults::new().missing("fare", f64::NAN)).contains("outside [0, 1]"));
        assert!(err(TaxiFaults::new().new_value("payment_type", "x", -0.1)).contains("outside [0, 1]"));
        assert!(err(TaxiFaults::new().type_change("company")).contains("already a string column"));
        assert!(err(TaxiFaults::new().scale("payment_type", 2.0, 0.0)).contains("string column"));
        assert!(err(TaxiFaults::new().scale("fare", f64::INFINITY, 0.0)).contains("finite"));
        assert!(err(TaxiFaults::new().new_value("fare", "x", 0.1)).contains("numeric column"));
        assert!(err(TaxiFaults::new().new_value("payment_type", "Cash", 0.1)).contains("already a payment_type value"));
        assert!(err(TaxiFaults::new().new_value("company", "", 0.1)).contains("empty"));
        assert!(err(TaxiFaults::new().scale("tips", 2.0, 0.0).drop("tips")).contains("dropped"));
        let all = COLUMNS.iter().fold(TaxiFaults::new(), |f, c| f.drop(c.name));
        assert!(err(all).contains("every column"));
    }

    #[test]
    fn plan_of_no_faults_is_the_clean_table() {
        let plan = FaultPlan::try_new(&TaxiFaults::new()).unwrap();
        assert_eq!(plan.kept(), (0..COLUMNS.len()).collect::<Vec<_>>());
        assert_eq!(plan.schema(), super::super::TaxiGenerator::schema());
        assert_eq!(plan.header(), super::super::TaxiGenerator::csv_header());
    }

    #[test]
    fn cells_print_as_csv_text() {
        assert_eq!(Out::Cell(Cell::Float(12.0)).to_string(), "12.0");
        assert_eq!(Out::Cell(Cell::Int(7)).to_string(), "7");
        assert_eq!(Out::Tagged(Cell::Float(12.3), "mi").to_string(), "12.3 mi");
        assert_eq!(Out::Text("Bitcoin").to_string(), "Bitcoin");
    }
}
