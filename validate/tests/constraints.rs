//! Custom SQL constraints end to end: a small CSV counted by hand, the taxi
//! sample (15,002 rows) cross-checked with pandas, and the SQL and YAML that
//! must be refused.
#![cfg(feature = "sql")]

use serde_json::{Value, json};
use tabx_core::TabxError;
use tabx_engine::SourceOptions;
use tabx_validate::{ConstraintKind, ConstraintOutcome, ConstraintSet, check_constraints};

const TAXI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");

const SMALL: &str = "id,amount,name,code\n1,10,a,x\n2,-5,b,x\n3,,c,y\n4,7,a,x\n5,-1,,z\n1,3,a,x\n";

const SMALL_CONSTRAINTS: &str = r#"
constraints:
  - name: amount_non_negative
    row: "amount >= 0"
  - name: small_a
    row: "name <> 'a' OR amount > 5"
  - name: unique_id
    unique: [id]
  - name: unique_name_code
    unique: [name, code]
  - name: six_rows
    dataset: "count(*) >= 6"
  - name: big_total
    dataset: "sum(amount) > 100"
  - name: plausible_average
    dataset: "avg(amount) between 0 and 10"
"#;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn check(
    yaml: &str,
    input: &str,
    options: &SourceOptions,
    samples: usize,
) -> tabx_core::Result<Vec<ConstraintOutcome>> {
    check_constraints(&ConstraintSet::from_yaml_str(yaml)?, &[input.to_string()], options, samples)
}

fn by_name<'a>(outcomes: &'a [ConstraintOutcome], name: &str) -> &'a ConstraintOutcome {
    outcomes.iter().find(|o| o.name == name).unwrap()
}

fn samples(o: &ConstraintOutcome) -> Value {
    Value::Array(o.samples.iter().cloned().map(Value::Object).collect())
}

#[test]
fn small_csv_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "small.csv", SMALL);
    let outcomes = check(SMALL_CONSTRAINTS, &input, &SourceOptions::default(), 5).unwrap();
    let names: Vec<&str> = outcomes.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "amount_non_negative",
            "small_a",
            "unique_id",
            "unique_name_code",
            "six_rows",
            "big_total",
            "plausible_average"
        ]
    );
    assert!(outcomes.iter().all(|o| o.rows_checked == 6));

    // Rows 2 (-5) and 5 (-1) fail; row 3 has no amount: NULL passes, as SQL CHECK does.
    let o = by_name(&outcomes, "amount_non_negative");
    assert_eq!((o.kind, o.violations, o.passed), (ConstraintKind::Row, 2, false));
    assert_eq!(o.expression, "amount >= 0");
    assert_eq!(samples(o), json!([{"amount": -5}, {"amount": -1}]));

    // Only row 6 (a, 3) is FALSE; row 5 (NULL name, -1) is NULL OR FALSE = NULL: passes.
    let o = by_name(&outcomes, "small_a");
    assert_eq!(o.violations, 1);
    assert_eq!(samples(o), json!([{"name": "a", "amount": 3}]));

    // ids 1,2,3,4,5,1: 6 rows, 5 distinct.
    let o = by_name(&outcomes, "unique_id");
    assert_eq!((o.kind, o.violations), (ConstraintKind::Unique, 1));
    assert_eq!(samples(o), json!([{"id": 1}]));

    // Row 5 has no name and is ignored; (a,x) (b,x) (c,y) (a,x) (a,x): 5 rows, 3 distinct.
    let o = by_name(&outcomes, "unique_name_code");
    assert_eq!((o.violations, o.expression.as_str()), (2, "name, code"));
    assert_eq!(samples(o), json!([{"name": "a", "code": "x"}]));

    let o = by_name(&outcomes, "six_rows");
    assert_eq!((o.kind, o.violations, o.passed), (ConstraintKind::Dataset, 0, true));
    assert_eq!(o.value.as_deref(), Some("count(*) = 6"));

    // 10 - 5 + 7 - 1 + 3 = 14.
    let o = by_name(&outcomes, "big_total");
    assert_eq!((o.violations, o.passed), (1, false));
    assert_eq!(o.value.as_deref(), Some("sum(amount) = 14"));
    assert!(o.samples.is_empty());

    // 14 / 5 non-null amounts = 2.8.
    let o = by_name(&outcomes, "plausible_average");
    assert_eq!((o.violations, o.value.as_deref()), (0, Some("avg(amount) = 2.8")));
}

#[test]
fn samples_are_capped_and_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "small.csv", SMALL);
    let none = check(SMALL_CONSTRAINTS, &input, &SourceOptions::default(), 0).unwrap();
    assert!(none.iter().all(|o| o.samples.is_empty()));
    let one = check(SMALL_CONSTRAINTS, &input, &SourceOptions::default(), 1).unwrap();
    assert_eq!(samples(by_name(&one, "amount_non_negative")), json!([{"amount": -5}]));
    assert!(one.iter().all(|o| o.samples.len() <= 1));
}

#[test]
fn outcome_serialises() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "small.csv", SMALL);
    let outcomes = check(SMALL_CONSTRAINTS, &input, &SourceOptions::default(), 1).unwrap();
    let v = serde_json::to_value(&outcomes[0]).unwrap();
    assert_eq!(
        v,
        json!({"name": "amount_non_negative", "kind": "row", "expression": "amount >= 0", "rows_checked": 6,
               "violations": 2, "passed": false, "samples": [{"amount": -5}]})
    );
    let back: ConstraintOutcome = serde_json::from_value(v).unwrap();
    assert_eq!(back, outcomes[0]);
}

#[test]
fn taxi_counts_match_pandas() {
    let yaml = r#"
constraints:
  - name: fare_under_100
    row: "fare < 100"
  - name: trip_under_an_hour
    row: "trip_seconds < 3600"
  - name: trip_seconds_present
    row: "trip_seconds IS NOT NULL"
  - name: tips_within_fare
    row: "tips <= fare"
  - name: known_payment
    row: "payment_type <> 'Unknown'"
  - name: unique_pickup
    unique: [trip_start_timestamp, pickup_latitude, pickup_longitude]
  - name: unique_company_start
    unique: [trip_start_timestamp, company]
  - name: enough_rows
    dataset: "count(*) > 1000"
  - name: plausible_average_fare
    dataset: "avg(fare) between 5 and 50"
  - name: longest_trip
    dataset: "max(trip_seconds) < 72120"
"#;
    // Several byte ranges on several threads: samples must still come in file order.
    let options = SourceOptions { threads: 3, min_split_bytes: 200_000, ..Default::default() };
    let outcomes = check(yaml, TAXI, &options, 2).unwrap();
    assert!(outcomes.iter().all(|o| o.rows_checked == 15_002), "len(df)");
    let violations = |name: &str| by_name(&outcomes, name).violations;
    // df = pd.read_csv("datasets/data/data.csv")
    assert_eq!(violations("fare_under_100"), 4, "(df.fare >= 100).sum()");
    assert_eq!(violations("trip_under_an_hour"), 137, "(df.trip_seconds >= 3600).sum(); the 6 NaN pass");
    assert_eq!(violations("trip_seconds_present"), 6, "df.trip_seconds.isna().sum()");
    assert_eq!(violations("tips_within_fare"), 15, "(df.tips > df.fare).sum()");
    assert_eq!(violations("known_payment"), 29, "(df.payment_type == 'Unknown').sum()");
    // k = df.dropna(subset=keys); len(k) - len(k.drop_duplicates(subset=keys))
    assert_eq!(violations("unique_pickup"), 48);
    assert_eq!(violations("unique_company_start"), 190);
    assert_eq!(violations("enough_rows"), 0);
    assert_eq!(by_name(&outcomes, "enough_rows").value.as_deref(), Some("count(*) = 15002"));
    // df.fare.mean() = 11.768216237834956
    let avg = by_name(&outcomes, "plausible_average_fare");
    assert_eq!(avg.violations, 0);
    let v: f64 = avg.value.as_deref().unwrap().strip_prefix("avg(fare) = ").unwrap().parse().unwrap();
    assert!((v - 11.768216237834956).abs() < 1e-9, "{v}");
    // df.trip_seconds.max() = 72120.0 (pandas makes the column float for its NaN; tabx types it INT)
    let longest = by_name(&outcomes, "longest_trip");
    assert_eq!((longest.violations, longest.value.as_deref()), (1, Some("max(trip_seconds) = 72120")));

    // df[df.fare >= 100][["fare"]].head(2)
    assert_eq!(samples(by_name(&outcomes, "fare_under_100")), json!([{"fare": 112.65}, {"fare": 175.05}]));
    // df[df.tips > df.fare][["tips", "fare"]].head(2)
    assert_eq!(
        samples(by_name(&outcomes, "tips_within_fare")),
        json!([{"tips": 3.5, "fare": 3.25}, {"tips": 47.0, "fare": 3.25}])
    );
    // k[k.duplicated(subset=keys, keep=False)].drop_duplicates(subset=keys)[keys].head(2)
    assert_eq!(
        samples(by_name(&outcomes, "unique_company_start")),
        json!([
            {"trip_start_timestamp": 1382319000, "company": "Taxi Affiliation Services"},
            {"trip_start_timestamp": 1439509500, "company": "Taxi Affiliation Services"}
        ])
    );
    for o in &outcomes {
        assert!(o.samples.len() <= 2);
    }
}

fn config_message(e: &TabxError) -> String {
    assert!(matches!(e, TabxError::Config { .. }), "{e:?}");
    e.to_string()
}

fn row_yaml(sql: &str) -> String {
    format!("constraints:\n  - name: c\n    row: {}\n", serde_json::to_string(sql).unwrap())
}

#[test]
fn statements_and_tricks_are_refused() {
    for sql in [
        "fare > 0; DROP TABLE t",
        "fare > 0) OR (1=1",
        "CREATE TABLE x(a int)",
        "(SELECT 1) = 1",
        "fare IN (SELECT fare FROM data)",
        "EXISTS (SELECT 1)",
        "data.fare > 0",
        "row_number() OVER () > 1",
        "",
    ] {
        let e = ConstraintSet::from_yaml_str(&row_yaml(sql)).map(|_| ()).unwrap_err();
        let m = config_message(&e);
        // The entry starts on line 2 (`- name: c`).
        assert!(m.starts_with("<string>:2: constraint `c`"), "{sql}: {m}");
    }
    let m = config_message(&ConstraintSet::from_yaml_str(&row_yaml("fare > 0) OR (1=1")).unwrap_err());
    assert!(m.contains("not a single expression"), "{m}");
    let m = config_message(&ConstraintSet::from_yaml_str(&row_yaml("(SELECT 1) = 1")).unwrap_err());
    assert!(m.contains("subqueries are not allowed"), "{m}");
}

#[test]
fn misplaced_aggregates_and_non_booleans_are_refused_before_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "small.csv", SMALL);
    let cases = [
        (row_yaml("avg(amount) > 0"), "a row check cannot use the aggregate `avg`"),
        ("constraints:\n  - name: c\n    dataset: \"amount > 0\"\n".to_string(), "needs an aggregate"),
        (row_yaml("amount + 1"), "not a boolean"),
        (row_yaml("amount > 'x'"), "Cannot cast string 'x'"),
    ];
    for (yaml, expected) in cases {
        let m = config_message(&check(&yaml, &input, &SourceOptions::default(), 0).unwrap_err());
        assert!(m.contains("constraint `c`") && m.contains(expected), "{m}");
    }
}

#[test]
fn unknown_column_names_constraint_column_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "small.csv", SMALL);
    let m = config_message(
        &check(&row_yaml("amount > 0 AND colour = 'red'"), &input, &SourceOptions::default(), 0).unwrap_err(),
    );
    assert!(m.contains("constraint `c`: unknown column `colour`"), "{m}");
    assert!(m.contains("hint: columns: id, amount, name, code"), "{m}");
    let yaml = "constraints:\n  - name: k\n    unique: [ID]\n";
    let m = config_message(&check(yaml, &input, &SourceOptions::default(), 0).unwrap_err());
    assert!(m.contains("unknown column `ID`") && m.contains("did you mean `id`?"), "{m}");
}

#[test]
fn bad_yaml_names_file_line_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path =
        write(&dir, "c.yaml", "constraints:\n  - name: a\n    row: \"x > 0\"\n  - name: b\n    rows: \"x > 1\"\n");
    let m = config_message(&ConstraintSet::from_yaml_file(&path).unwrap_err());
    assert!(m.starts_with(&format!("{path}:5:")), "{m}");
    assert!(m.contains("rows") && m.contains("\nhint: "), "{m}");

    let path =
        write(&dir, "two.yaml", "constraints:\n  - name: a\n    row: \"x > 0\"\n    dataset: \"count(*) > 0\"\n");
    let m = config_message(&ConstraintSet::from_yaml_file(&path).unwrap_err());
    assert!(m.starts_with(&format!("{path}:2: constraint `a` must have exactly one of")), "{m}");

    let path =
        write(&dir, "dup.yaml", "constraints:\n  - name: a\n    row: \"x > 0\"\n  - name: a\n    row: \"x > 1\"\n");
    let m = config_message(&ConstraintSet::from_yaml_file(&path).unwrap_err());
    assert!(m.starts_with(&format!("{path}:4: a constraint named `a`")), "{m}");

    let m = config_message(&ConstraintSet::from_yaml_str("constraints: [\n").unwrap_err());
    assert!(m.starts_with("<string>:") && m.contains("hint: "), "{m}");
}

#[test]
fn empty_constraint_lists_are_refused() {
    for yaml in ["constraints: []\n", "", "# nothing\n"] {
        let m = config_message(&ConstraintSet::from_yaml_str(yaml).unwrap_err());
        assert!(m.contains("empty"), "{yaml:?}: {m}");
    }
}

#[test]
fn types_are_tabx_types_over_all_files() {
    // x is INT in a.csv and FLOAT in b.csv, c is INT in a.csv and STRING in b.csv:
    // tabx types them FLOAT and STRING over the directory, and so does the SQL.
    let dir = tempfile::tempdir().unwrap();
    write(&dir, "a.csv", "x,c\n1,1\n2,2\n");
    write(&dir, "b.csv", "x,c\n2.5,abc\n-1.5,3\n");
    let yaml = "constraints:\n  - name: x\n    row: \"x >= 0\"\n  - name: c\n    row: \"c <> 'abc'\"\n";
    let outcomes = check(yaml, &dir.path().display().to_string(), &SourceOptions::default(), 3).unwrap();
    // -1.5 is the one negative x; \"abc\" the one c equal to 'abc'.
    assert_eq!((outcomes[0].rows_checked, outcomes[0].violations), (4, 1));
    assert_eq!(samples(&outcomes[0]), json!([{"x": -1.5}]));
    assert_eq!(samples(&outcomes[1]), json!([{"c": "abc"}]));
}

#[test]
fn bad_rows_are_reported_as_the_engine_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "ragged.csv", "a,b\n1,2\n3\n");
    let e = check(&row_yaml("a > 0"), &input, &SourceOptions::default(), 0).unwrap_err();
    assert!(matches!(e, TabxError::InvalidInput { .. }), "{e:?}");
    assert!(e.to_string().contains("ragged.csv:3"), "{e}");
}

/// `check_constraints` called from inside an async fn gives what it gives on a
/// plain thread; it once panicked with tokio's "Cannot start a runtime from
/// within a runtime".
fn same_outcomes_as_outside_a_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(&dir, "small.csv", SMALL);
    let inside = check(SMALL_CONSTRAINTS, &input, &SourceOptions::default(), 5).unwrap();
    // A fresh thread has no tokio context: the synchronous path.
    let outside = std::thread::scope(|s| {
        s.spawn(|| check(SMALL_CONSTRAINTS, &input, &SourceOptions::default(), 5).unwrap()).join().unwrap()
    });
    assert_eq!(inside, outside);
    // As counted by hand in `small_csv_counted_by_hand`.
    assert_eq!(by_name(&inside, "amount_non_negative").violations, 2);
    assert_eq!(by_name(&inside, "plausible_average").value.as_deref(), Some("avg(amount) = 2.8"));
}

#[tokio::test(flavor = "current_thread")]
async fn checks_from_a_current_thread_runtime() {
    same_outcomes_as_outside_a_runtime();
}

#[tokio::test(flavor = "multi_thread")]
async fn checks_from_a_multi_thread_runtime() {
    same_outcomes_as_outside_a_runtime();
}
