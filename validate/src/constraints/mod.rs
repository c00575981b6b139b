//! Custom data constraints, evaluated with DataFusion SQL (feature `sql`).
//!
//! TFDV dropped its SQL validation; tabx keeps it. A YAML file names
//! constraints of three kinds ([`ConstraintKind`]): `row` (a boolean SQL
//! expression every row must satisfy), `unique` (key columns) and `dataset`
//! (a boolean over aggregates). [`ConstraintSet`] reads and checks the file
//! (`spec`), [`check_constraints`] evaluates it over tabx's own scan
//! (`source`, `run`) and returns one [`ConstraintOutcome`] per constraint.
//!
//! User SQL is parsed as exactly one expression, so statements (DDL, DML,
//! `;`-separated or parenthesis tricks) cannot be written at all; subqueries,
//! window functions and qualified names are refused; and the generated
//! queries run with DDL, DML and statements disabled in the session.
//!
//! [`RowPredicate`] evaluates one such row expression on record batches
//! without a query (`predicate`): the SQL slices of `tabx evaluate` and `tabx stats`.

mod predicate;
mod run;
mod source;
mod spec;

pub use predicate::RowPredicate;
pub use run::{ConstraintOutcome, MEMORY_LIMIT, check_constraints};
pub use spec::{Constraint, ConstraintKind, ConstraintSet};
