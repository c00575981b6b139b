//! Command-line arguments (clap types only; `settings` turns them into options).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `tabx --version`: the crate version and the commit it was built from (`build.rs`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("TABX_COMMIT"), ")");

/// TFDV-compatible statistics, schemas and data validation, TFT-style
/// transforms and TFMA-style sliced model evaluation, for CSV, Parquet and
/// NDJSON data, without Python, Beam or TensorFlow.
#[derive(Debug, Parser)]
#[command(name = "tabx", version = VERSION, propagate_version = true)]
#[command(after_help = "Exit status: 0 ok, 1 findings (anomalies, failed thresholds), 2 error.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More log output (repeat for more).
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Exit 0 on findings (anomalies, failed thresholds) too: for pipeline steps, where exit 1 would
    /// fail the step and retry it; the artifacts (anomalies.json, the blessing) still say it.
    #[arg(long, global = true)]
    pub findings_exit_zero: bool,
    /// Kubeflow Pipelines: write the step's figures (examples, anomalies, evaluation metrics, blessing)
    /// as a JSON object here, the file of a `system.Metrics` output artifact.
    #[arg(long, global = true, value_name = "PATH")]
    pub kfp_metrics: Option<PathBuf>,
    /// Kubeflow Pipelines: KFP's executor input (the placeholder '{{$}}'); the figures become the
    /// metadata of every `system.Metrics` output, which the KFP UI shows.
    #[arg(long, global = true, value_name = "JSON")]
    pub kfp_executor_input: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute TFDV statistics of CSV, Parquet or NDJSON data.
    #[command(after_help = STATS_EXAMPLES)]
    Stats(Box<StatsArgs>),
    /// Merge the partial states of shards (statistics, transform fits, evaluations) into one artifact.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
    /// Run the TFX taxi-fare workflow (split → stats → schema → drift → transform → train → predict →
    /// evaluate → blessing) on the embedded Chicago taxi data.
    Demo(DemoArgs),
    /// Infer, show, relax and compare TFDV schemas.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Check data or statistics against a schema: anomalies, skew, drift, bad rows.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(Box<ValidateArgs>),
    /// Write example data sets.
    #[command(subcommand)]
    Datasets(DatasetsCommand),
    /// Fit TFT-style feature transforms on data and apply them (transform.json).
    #[command(subcommand)]
    Transform(TransformCommand),
    /// Split data into train/eval (or any) splits by a hash of each row, as TFX ExampleGen does.
    #[command(after_help = SPLIT_EXAMPLES)]
    Split(Box<SplitArgs>),
    /// Score predictions against labels, sliced, with confidence intervals and thresholds (TFMA's job).
    #[command(after_help = EVALUATE_EXAMPLES)]
    Evaluate(Box<EvaluateArgs>),
    /// Train a baseline model (ridge or logistic regression) on the outputs of a fitted transform.
    #[command(after_help = TRAIN_EXAMPLES)]
    Train(Box<TrainArgs>),
    /// Predict with a model: raw rows in, the fitted transform and the model applied, raw columns + prediction out.
    #[command(after_help = TRAIN_EXAMPLES)]
    Predict(Box<PredictArgs>),
    /// One self-contained HTML page from any of tabx's artifacts (statistics, baseline, schema, anomalies,
    /// transform, evaluations): opens anywhere, requests nothing.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// TFX Pusher: copy a blessed model and its transform to where serving reads them; a model
    /// NOT_BLESSED is not pushed.
    #[command(after_help = PUSH_EXAMPLES)]
    Push(PushArgs),
    /// Watch a stream (stdin or files): statistics, anomalies, drift and skew per window, as JSON lines,
    /// with alerts as they happen.
    #[command(after_help = WATCH_EXAMPLES)]
    Watch(Box<WatchArgs>),
}

const WATCH_EXAMPLES: &str = "Examples:
  tabx watch --follow /var/log/serving/rows.csv --schema schema.pbtxt --window rows=100000 -o watch/
  cat traffic.csv | tabx watch - --schema schema.pbtxt --baseline train_stats.json --window rows=50000 -o -
  tabx watch day.csv --schema schema.pbtxt --window time=trip_start_timestamp:1h --slide 15m --lateness 5m -o w/
  ... --alert-exec 'logger -t tabx'        # each alert's JSON on the command's stdin

Output: one JSON line per window (bounds, rows, rejected/late rows, anomalies, drift and skew, the
statistics inline with -o -, or their file under DIR: stats-NNNNNN.json; DIR/windows.jsonl, DIR/alerts.jsonl).
Rows the reader cannot parse never stop the watch (--on-error fail counts as skip): they are counted
in the next window.
With --checkpoint DIR, rerun the same command after a kill to go on where it stopped.
Exit status: 0 no window had anomalies, 1 some did, 2 error.";

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The stream: `-` (stdin: CSV with a header, or NDJSON with --input-format ndjson), files read in order,
    /// or with --follow a growing file or a folder.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Statistics to compare each window with (the schema's skew comparators), e.g. of the training data.
    #[arg(long, value_name = "STATS")]
    pub baseline: Option<PathBuf>,
    /// `rows=N` (every N rows) or `time=COLUMN:DURATION` (event time: integer seconds or timestamps; 90s, 15m, 1h, 1d).
    #[arg(long)]
    pub window: String,
    /// A window every `rows=M` / DURATION (sliding; must divide the window). Default: the window (tumbling).
    #[arg(long)]
    pub slide: Option<String>,
    /// Time windows: how long after a window's end late rows are still let in (default 0).
    #[arg(long, value_name = "DURATION")]
    pub lateness: Option<String>,
    /// The environment of the data (e.g. SERVING, where the label may be absent).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// `-`: JSON lines on stdout, statistics inline; a folder: windows.jsonl, alerts.jsonl, stats-NNNNNN.json.
    #[arg(long, short, default_value = "-")]
    pub output: PathBuf,
    /// Stop after N windows (a resumed watch counts the windows before its checkpoint).
    #[arg(long, value_name = "N")]
    pub max_windows: Option<u64>,
    /// Run this shell command for each alert (a window with anomalies or rejected rows), its JSON on stdin.
    #[arg(long, value_name = "CMD")]
    pub alert_exec: Option<String>,
    /// Save the windows' state and the input position here after each batch's windows, and resume from it:
    /// a killed watch of files, a followed folder or a followed file (found again after a rotation), restarted
    /// alike, counts no row twice and loses none (stdin, and files deleted while down: see the README).
    #[arg(long, value_name = "DIR")]
    pub checkpoint: Option<PathBuf>,
    /// Read the file as it grows and through rotation, like `tail -F`, or a folder's new files as they
    /// arrive (ends with --max-windows or a signal).
    #[arg(long)]
    pub follow: bool,
}

const PUSH_EXAMPLES: &str = "Examples:
  tabx evaluate pred.parquet --config fare_eval.yaml --blessing blessing/ -o eval.json
  tabx push --model fare_model.json --transform transform.json --blessing blessing/ -o serving/fare/
  tabx push ... --blessing s3://b/run/blessing -o s3://b/serving/fare --findings-exit-zero   # a pipeline step

Exit status: 0 pushed, 1 not pushed (NOT_BLESSED), 2 error.";

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The model (model.json from tabx train).
    #[arg(long)]
    pub model: PathBuf,
    /// The fitted transform the model was trained on (serving applies it to raw rows).
    #[arg(long)]
    pub transform: PathBuf,
    /// The folder with the BLESSED or NOT_BLESSED marker (tabx evaluate --blessing).
    #[arg(long)]
    pub blessing: PathBuf,
    /// Where serving reads the model: model.json and transform.json are written into this folder.
    #[arg(long, short)]
    pub output: PathBuf,
}

const REPORT_EXAMPLES: &str = "Examples:
  tabx report --stats eval_stats.json --baseline train_stats.json --anomalies anomalies.json -o report.html
  tabx report --stats stats.json --schema schema.pbtxt --transform transform.json --eval eval.json -o report.html
  tabx report --stats train.json --stats eval.json -o report.html     # datasets one after another";

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Statistics files (tabx stats or TFDV); every dataset or slice in them is shown.
    #[arg(long, value_name = "STATS")]
    pub stats: Vec<PathBuf>,
    /// Statistics to compare with (train vs eval, yesterday vs today): histograms overlaid and the
    /// distance of each feature (JSD numeric, L-infinity categorical).
    #[arg(long, value_name = "STATS")]
    pub baseline: Option<PathBuf>,
    /// A schema (.pbtxt, .json or .pb).
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Anomalies from tabx validate (shown first, linked to each feature's row).
    #[arg(long)]
    pub anomalies: Option<PathBuf>,
    /// A fitted transform.json.
    #[arg(long)]
    pub transform: Option<PathBuf>,
    /// Evaluation results (eval.json from tabx evaluate); may be given several times.
    #[arg(long = "eval", value_name = "EVAL")]
    pub evals: Vec<PathBuf>,
    /// The page's title.
    #[arg(long, default_value = "tabx report")]
    pub title: String,
    /// Where to write the page.
    #[arg(long, short, default_value = "report.html")]
    pub output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Infer a schema from statistics with TFDV's rules.
    #[command(
        after_help = "Examples:\n  tabx schema infer stats.json -o schema.pbtxt\n  tabx schema infer stats.json --infer-ranges -o schema.json"
    )]
    Infer(SchemaInferArgs),
    /// Print a schema as a table.
    Show(SchemaShowArgs),
    /// Relax a schema so that it accepts these statistics (TFDV's update_schema).
    #[command(
        visible_alias = "relax",
        after_help = "Examples:\n  tabx schema update schema.pbtxt --stats new.json -o schema.pbtxt\n  tabx schema update schema.pbtxt --stats new.json --anomalies anomalies.json -o schema.pbtxt   # only what was flagged"
    )]
    Update(SchemaUpdateArgs),
    /// Compare two schemas feature by feature.
    Diff(SchemaDiffArgs),
}

#[derive(Debug, Args)]
pub struct SchemaInferArgs {
    /// Statistics (stats.json, .pbtxt or .pb) from `tabx stats` or TFDV.
    #[arg(value_name = "STATS")]
    pub stats: PathBuf,
    /// Where to write the schema (.json, .pbtxt or .pb).
    #[arg(long, short, default_value = "schema.json")]
    pub output: PathBuf,
    /// Artifact format; by default from the output's extension.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Also write the observed min/max of numeric features as int_domain/float_domain bounds (TFDV never does).
    #[arg(long)]
    pub infer_ranges: bool,
    /// TFDV's infer_feature_shape: required single-valued features get `shape { dim { size: 1 } }`.
    #[arg(long)]
    pub infer_shape: bool,
    /// Largest number of distinct strings that still gets a string domain.
    #[arg(long, default_value_t = 100)]
    pub max_string_domain_size: usize,
}

#[derive(Debug, Args)]
pub struct SchemaShowArgs {
    /// The schema (.json, .pbtxt or .pb).
    #[arg(value_name = "SCHEMA")]
    pub schema: PathBuf,
}

#[derive(Debug, Args)]
pub struct SchemaUpdateArgs {
    /// The schema to relax (.json, .pbtxt or .pb).
    #[arg(value_name = "SCHEMA")]
    pub schema: PathBuf,
    /// Statistics the relaxed schema must accept.
    #[arg(long, value_name = "STATS")]
    pub stats: PathBuf,
    /// Relax only the features (and reasons) flagged in these anomalies, e.g. after reviewing them.
    #[arg(long, value_name = "ANOMALIES")]
    pub anomalies: Option<PathBuf>,
    /// The environment of the statistics (e.g. SERVING).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// Where to write the relaxed schema.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Artifact format; by default from the output's extension.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
}

#[derive(Debug, Args)]
pub struct SchemaDiffArgs {
    /// The old schema.
    #[arg(value_name = "LEFT")]
    pub left: PathBuf,
    /// The new schema.
    #[arg(value_name = "RIGHT")]
    pub right: PathBuf,
}

const VALIDATE_EXAMPLES: &str = "Examples:
  tabx validate --stats stats.json --schema schema.pbtxt -o anomalies.json
  tabx validate eval.csv --schema schema.pbtxt --previous train_stats.json     # drift
  tabx validate serving.csv --schema schema.pbtxt --serving serving_stats.json   # skew
  tabx validate trips.csv --schema schema.pbtxt --rows --good good.csv --bad bad.csv
  tabx validate trips.parquet --schema schema.pbtxt --constraints checks.yaml --sample-violations 5

Exit status: 0 clean, 1 anomalies or failed constraints, 2 error.";

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Data to compute statistics of (instead of --stats): files, globs, directories, URLs or `-`.
    #[arg(value_name = "INPUT", required_unless_present = "stats")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Statistics to validate (stats.json, .pbtxt or .pb), instead of INPUT.
    #[arg(long, value_name = "STATS", conflicts_with = "inputs")]
    pub stats: Option<PathBuf>,
    /// Statistics of the previous span: checks the schema's drift comparators.
    #[arg(long, value_name = "STATS")]
    pub previous: Option<PathBuf>,
    /// Serving statistics: checks the schema's skew comparators (these statistics are the training side).
    #[arg(long, value_name = "STATS")]
    pub serving: Option<PathBuf>,
    /// The environment of the data (e.g. SERVING, where the label may be absent).
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// Where to write the anomalies (.json, .pbtxt or .pb).
    #[arg(long, short, default_value = "anomalies.json")]
    pub output: PathBuf,
    /// Artifact format; by default from the output's extension.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Also write the statistics computed from INPUT here.
    #[arg(long, value_name = "PATH", requires = "inputs")]
    pub stats_output: Option<PathBuf>,
    /// Check every row against the schema and split the rows into --good and --bad files.
    #[arg(long, requires_all = ["good", "bad"], requires = "inputs")]
    pub rows: bool,
    /// With --rows: the rows that pass (.parquet, .csv or .jsonl; either text .gz/.zst).
    #[arg(long, value_name = "PATH")]
    pub good: Option<PathBuf>,
    /// With --rows: the rows that fail, plus _tabx_source and _tabx_reasons columns (as --good).
    #[arg(long, value_name = "PATH")]
    pub bad: Option<PathBuf>,
    /// Custom constraints in YAML (row checks and dataset checks in SQL, evaluated by DataFusion).
    #[arg(long, value_name = "YAML", requires = "inputs")]
    pub constraints: Option<PathBuf>,
    /// With --constraints: list up to N violating rows per constraint (only the columns it names).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sample_violations: usize,
}

const STATS_EXAMPLES: &str = "Examples:
  tabx stats data.csv -o stats.json
  tabx stats 'trips/*.parquet' --slice payment_type -o stats.json
  tabx stats s3://bucket/trips/ --weight trip_miles --format pbtxt -o stats.pbtxt
  cat data.csv | tabx stats - --schema schema.pbtxt -o stats.json
  tabx stats big.csv --shard 0/4 --partial -o part-0.partial   # one pod of four";

const MERGE_EXAMPLES: &str = "Examples:
  tabx merge part-*.partial -o stats.json          # from tabx stats --shard I/N --partial
  tabx merge fit-*.partial -o transform.json       # from tabx transform fit --shard I/N --partial
  tabx merge eval-*.partial -o eval.json           # from tabx evaluate --shard I/N --partial (thresholds from its config)
  tabx merge enc-*.partial -o encoder.json         # from tabx train --shard I/N --partial (round 1 of a linear model)
  tabx merge eq-*.partial -o model.json            # from tabx train --encoder encoder.json --shard I/N --partial (round 2)";

/// Where the data comes from and how to read it.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files, directories, globs, URLs (s3://, gs://, az://, http(s)://, file://) or `-` for stdin.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// How to read the inputs.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Input format when the file name does not say (.csv, .parquet, .jsonl...).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// CSV field delimiter (one byte; `\t` for tab).
    #[arg(long, default_value = ",")]
    pub delimiter: String,
    /// CSV files have no header row: columns are named column_1, column_2, ...
    #[arg(long)]
    pub no_header: bool,
    /// A TFDV schema (schema.pbtxt, .json or .pb). `stats`: the data must parse as its INT/FLOAT/BYTES types and
    /// `is_categorical` INT features get string statistics; `validate`: what the data is checked against.
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<PathBuf>,
    /// What to do with rows that cannot be read: fail, skip, or quarantine=PATH (a CSV of bad rows with reasons).
    #[arg(long, default_value = "fail", value_name = "POLICY")]
    pub on_error: String,
    /// For stdin: infer CSV column types from this many first rows.
    #[arg(long, default_value_t = 10_000)]
    pub infer_rows: usize,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Cut local CSV files into byte ranges of at most this many bytes (a task each; default 32 MiB).
    /// Smaller ranges bound memory per task; the output is the same.
    #[arg(long, value_name = "BYTES")]
    pub split_bytes: Option<u64>,
    /// CSV values hold no line breaks: cut files by seeking to the next line break instead of
    /// following quotes from the start (a --shard pod then reads its own range only). A quoted
    /// line break then shows up as an unclosed quote.
    #[arg(long)]
    pub no_newlines_in_values: bool,
    /// The most bytes a .gz/.zst file may decompress to [default: 200× its size, at least 1 GiB]:
    /// a decompression bomb ends in an error instead of a scan that never ends.
    #[arg(long, value_name = "BYTES")]
    pub max_decompressed_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InputFormat {
    Csv,
    Parquet,
    Ndjson,
}

/// Output format of an artifact.
#[derive(Debug, Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// protobuf JSON (what TFDV's `load_stats_text`-style JSON readers and Facets take)
    #[default]
    Json,
    /// protobuf text format
    Pbtxt,
    /// binary protobuf
    Pb,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write the statistics (or the partial state with --partial).
    #[arg(long, short, default_value = "stats.json")]
    pub output: PathBuf,
    /// Artifact format; by default from the output's extension (.json, .pbtxt, .pb).
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// A numeric column whose value weighs each example (adds TFDV's weighted_* statistics).
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Also compute statistics per slice: COL (one per value, named COL_VALUE), COL1,COL2 (a cross),
    /// COL=VALUE, COL:B1,B2,... (numeric or date ranges), or NAME:=SQL (a SQL predicate, last in a cross;
    /// feature `sql`). Repeat for more specs (the grammar of `tabx evaluate`).
    #[arg(long, value_name = "SPEC")]
    pub slice: Vec<String>,
    /// At most this many slices.
    #[arg(long, default_value_t = 100)]
    pub max_slices: usize,
    /// Keep each row with this probability (seeded hash of its position: independent of partitioning).
    #[arg(long, value_name = "RATE")]
    pub sample_rate: Option<f64>,
    /// Seed of sampling and sketches.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Most frequent values listed per string feature.
    #[arg(long, default_value_t = 20)]
    pub top_k: usize,
    /// Buckets of the STANDARD histogram.
    #[arg(long, default_value_t = 10)]
    pub histogram_buckets: usize,
    /// Buckets of the QUANTILES histogram.
    #[arg(long, default_value_t = 10)]
    pub quantiles_buckets: usize,
    /// Buckets of the rank histogram of string features.
    #[arg(long, default_value_t = 1000)]
    pub rank_histogram_buckets: usize,
    /// Distinct values per string feature counted exactly before switching to sketches.
    #[arg(long, default_value_t = 100_000)]
    pub distinct_cap: usize,
    /// Read only shard I of N (0-based), e.g. `--shard 2/8` (Kubernetes: $JOB_COMPLETION_INDEX/N).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write the mergeable partial state instead of the statistics (see `tabx merge`).
    #[arg(long)]
    pub partial: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial files written by `tabx stats --partial`, `tabx transform fit
    /// --partial`, `tabx evaluate --partial` or `tabx train --partial` (all of one kind, one run).
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Where to write the merged statistics [default: stats.json], the fitted
    /// transform [default: transform.json], the evaluation [default: eval.json],
    /// the encoder [default: encoder.json] or the model [default: model.json].
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Statistics format; by default from the output's extension.
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Evaluation partials: write TFX Evaluator's BLESSED or NOT_BLESSED marker file into this folder.
    #[arg(long, value_name = "DIR")]
    pub blessing: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's artifacts.
    #[arg(long, short, default_value = "tabx-demo")]
    pub output: PathBuf,
    /// Taxi-shaped trips to run the workflow on (CSV or Parquet, a glob or
    /// a URL; e.g. from `tabx datasets taxi --rows N`) instead of the
    /// embedded 15,002 real trips.
    #[arg(long, value_name = "DATA")]
    pub data: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DatasetsCommand {
    /// Write taxi-shaped trips: the real 15,002 rows, or any number of generated ones (with faults on demand).
    #[command(after_help = TAXI_EXAMPLES)]
    Taxi(TaxiArgs),
}

const TAXI_EXAMPLES: &str = "Faults (--inject, repeatable; fractions are per-row probabilities in [0, 1]):
  new-value=COLUMN:VALUE:FRACTION   a string column takes VALUE, outside the real domain
  drop=COLUMN                       the column is left out
  type-change=COLUMN[:FRACTION]     numbers written with a unit (\"12.3 mi\"); utf8 in Parquet
  scale=COLUMN:FACTOR[:OFFSET]      every value x becomes x * FACTOR + OFFSET
  missing=COLUMN:FRACTION           extra missing values, on top of the column's own
The faults draw from their own streams of the seed: other cells equal the clean file's.

Examples:
  tabx datasets taxi -o data.csv                      # the real data
  tabx datasets taxi --rows 1000000 --seed 7 -o trips.parquet
  tabx datasets taxi --rows 20000 --seed 7 -o drifted.csv \\
    --inject new-value=payment_type:Bitcoin:0.05 --inject drop=tips --inject scale=fare:1.5";

#[derive(Debug, Args)]
pub struct TaxiArgs {
    /// Generate this many rows (omit to write the real data).
    #[arg(long)]
    pub rows: Option<u64>,
    /// Seed of the generator: the same seed gives the same file.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file: .csv, .csv.gz or .parquet.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Inject a fault into the generated rows (repeatable; needs --rows): new-value=COLUMN:VALUE:FRACTION,
    /// drop=COLUMN, type-change=COLUMN[:FRACTION], scale=COLUMN:FACTOR[:OFFSET] or missing=COLUMN:FRACTION.
    #[arg(long, value_name = "FAULT")]
    pub inject: Vec<tabx_datasets::TaxiFault>,
}

const TRANSFORM_SPEC_HELP: &str = "Spec (YAML or JSON):
  outputs:
    - {name: trip_miles_z, op: scale_to_z_score, inputs: [trip_miles]}
    - {name: fare_bucket, op: bucketize, inputs: [fare], num_buckets: 10}
    - {name: company, op: fill_missing, inputs: [company], value: ''}
  passthrough: [trip_start_hour]

Ops (TFT's names and defaults; parameters in brackets):
  scale_to_z_score, scale_to_0_1, scale_by_min_max [output_min, output_max],
  log1p, clip [min, max], bucketize [num_buckets, epsilon], apply_buckets [bucket_boundaries],
  fill_missing [strategy: constant|mean|median|most_frequent, value],
  compute_and_apply_vocabulary [top_k, frequency_threshold, num_oov_buckets, default_value],
  hash_strings [hash_buckets], hash_cross (2+ inputs) [hash_buckets], one_hot [depth],
  timestamp_hour, timestamp_day_of_week, timestamp_month [timezone] (epoch seconds,
    Timestamp, Date or ISO 8601 text: `2024-01-01 10:00:00` as written, `...Z` in timezone),
  greater_than_fraction (2 inputs) [fraction].
Any output may take `fill: VALUE` (nulls filled before the op). An input may name an output
above it: `{name: z, op: scale_to_z_score, inputs: [fare_log]}` after a log1p output `fare_log`.
An op that fits on data cannot read an output of another such op (that needs a second pass).

Examples:
  tabx transform fit data.csv --spec spec.yaml -o transform.json
  tabx transform fit big.csv --spec spec.yaml --shard 0/4 --partial -o fit-0.partial  # pod 0 of 4
  tabx merge fit-*.partial -o transform.json
  tabx transform apply data.parquet --transform transform.json -o transformed.parquet";

#[derive(Debug, Subcommand)]
pub enum TransformCommand {
    /// Fit a spec on data: one pass through the analyzers its ops need, written to transform.json.
    #[command(after_help = TRANSFORM_SPEC_HELP)]
    Fit(TransformFitArgs),
    /// Merge the partial fits of shards (`fit --shard I/N --partial`) into
    /// transform.json (what `tabx merge` does with transform partials).
    Merge(TransformMergeArgs),
    /// Apply a fitted transform.json to data, writing Parquet or CSV.
    #[command(after_help = TRANSFORM_SPEC_HELP)]
    Apply(TransformApplyArgs),
}

#[derive(Debug, Args)]
pub struct TransformFitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The transform spec (YAML or JSON).
    #[arg(long, value_name = "SPEC")]
    pub spec: PathBuf,
    /// Where to write the fitted transform (or the partial state with --partial).
    #[arg(long, short, default_value = "transform.json")]
    pub output: PathBuf,
    /// Read only shard I of N (0-based), e.g. `--shard 2/8`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write the mergeable partial state instead of transform.json (see `tabx merge`).
    #[arg(long)]
    pub partial: bool,
    /// Where the numeric analyzers run (see `transform apply --device`); every device fits the same values.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
}

#[derive(Debug, Args)]
pub struct TransformMergeArgs {
    /// Partial files written by `tabx transform fit --shard I/N --partial`.
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Where to write the fitted transform.
    #[arg(long, short, default_value = "transform.json")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct TransformApplyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The fitted transform from `tabx transform fit`.
    #[arg(long, value_name = "PATH", default_value = "transform.json")]
    pub transform: PathBuf,
    /// Transform only shard I of N (0-based; `auto/N` takes I from $JOB_COMPLETION_INDEX) and write
    /// OUT/part-I.parquet.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Where to write the transformed rows: .parquet (or .pq), .csv or .jsonl (either .gz/.zst); a folder with --shard.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Where to run the transform: cpu; cuda (device 0; an error without a usable GPU or in a build
    /// without the `cuda` feature); or auto (the GPU for batches of 65,536 rows or more when there is one,
    /// else the CPU, saying why).
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
    /// Also write the TFDV statistics of the transformed rows here (.json, .pbtxt or .pb, as `tabx stats -o`).
    #[arg(long, value_name = "PATH")]
    pub stats: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DeviceArg {
    Cpu,
    Cuda,
    Auto,
}

impl From<DeviceArg> for tabx_transform::Device {
    fn from(device: DeviceArg) -> Self {
        match device {
            DeviceArg::Cpu => Self::Cpu,
            DeviceArg::Cuda => Self::Cuda,
            DeviceArg::Auto => Self::Auto,
        }
    }
}

const SPLIT_EXAMPLES: &str = "Examples:
  tabx split data.csv --ratio train=2,eval=1 -o splits/           # splits/train.parquet, splits/eval.parquet
  tabx split data.csv --ratio train=8,eval=1,test=1 --key company --format csv -o splits/
  tabx split big.csv --ratio train=2,eval=1 --shard 0/4 -o splits/  # splits/train/part-0.parquet ...

A row's split is int(sha256(key), 16) % total buckets, buckets given to the splits in order (TFX
ExampleGen's _PartitionFn): the same rows land in the same split on every run, shard and thread count.
The key is the value of --key as TFX serialises it (a tf.train.Feature), or all the row's values.";

#[derive(Debug, Args)]
pub struct SplitArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The splits and their hash buckets, in bucket order: NAME=BUCKETS,... (TFX's SplitConfig).
    #[arg(long, value_name = "RATIO", default_value = "train=2,eval=1")]
    pub ratio: String,
    /// Hash this column (TFX's partition_feature_name: an integer or string column) instead of the whole row.
    #[arg(long, value_name = "COL")]
    pub key: Option<String>,
    /// Format of the split files.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: SplitFormat,
    /// Read only shard I of N (0-based), e.g. `--shard 2/8`: writes DIR/NAME/part-I.EXT.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// The folder of the split files (DIR/NAME.parquet, DIR/NAME.csv, ... as --format says).
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
}

/// A split file's format, named as its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitFormat {
    Parquet,
    Csv,
    #[value(name = "csv.gz")]
    CsvGz,
    #[value(name = "csv.zst")]
    CsvZst,
    Jsonl,
    #[value(name = "jsonl.gz")]
    JsonlGz,
    #[value(name = "jsonl.zst")]
    JsonlZst,
}

const EVALUATE_EXAMPLES: &str = "Examples:
  tabx evaluate predictions.parquet --label fare --prediction prediction -o eval.json
  tabx evaluate p.parquet --label fare --prediction prediction --slice payment_type --slice company,payment_type
  tabx evaluate p.parquet --label big_tipper --prediction p --task binary --slice trip_start_hour:0,6,12,18
  tabx evaluate p.parquet --config eval.yaml --blessing blessing/ -o eval.json     # thresholds in the config
  tabx evaluate p.parquet --config eval.yaml --shard 0/4 --partial -o part-0.partial; tabx merge part-*.partial -o eval.json

A slice is COL (one per value), COL1,COL2 (a cross), COL=VALUE, or COL:B1,B2,... (numeric or date ranges).
The config file (eval.yaml) holds everything the flags do, plus metric options and thresholds:
see docs/EVALUATION.md. Flags given on the command line override the config.

Exit status: 0 blessed (or no thresholds), 1 a threshold failed (NOT_BLESSED), 2 error.";

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The evaluation config (eval.yaml, YAML or JSON): everything the flags say, plus metric options and thresholds.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The label column.
    #[arg(long, value_name = "COL", required_unless_present = "config")]
    pub label: Option<String>,
    /// The prediction column (a probability in [0, 1] for --task binary).
    #[arg(long, value_name = "COL", required_unless_present = "config")]
    pub prediction: Option<String>,
    /// regression (default) or binary.
    #[arg(long, value_enum)]
    pub task: Option<TaskArg>,
    /// A numeric column weighing every example.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Slice by this spec (repeat for more); the overall slice is always there. COL, COL1,COL2 (a
    /// cross), COL=VALUE, COL:B1,B2,... (numeric or date ranges), or NAME:=SQL, e.g. `long_trip:=trip_miles > 10`
    /// (a SQL predicate, slices NAME_true and NAME_false; last in a cross; feature `sql`).
    #[arg(long, value_name = "SPEC")]
    pub slice: Vec<String>,
    /// Slices with fewer examples are reported as suppressed, without metrics.
    #[arg(long, value_name = "N")]
    pub min_slice_size: Option<u64>,
    /// At most this many slices per slice spec (the largest are kept; the rest are reported as suppressed).
    #[arg(long, value_name = "N")]
    pub max_slices: Option<usize>,
    /// Binary task with a numeric label: label > T is positive.
    #[arg(long, value_name = "T")]
    pub label_threshold: Option<f64>,
    /// Hash this column (not the row's values) to pick a row's confidence-interval sample.
    #[arg(long, value_name = "COL")]
    pub example_key: Option<String>,
    /// Confidence intervals: jackknife (TFMA's default), poisson-bootstrap or none.
    #[arg(long, value_enum)]
    pub ci: Option<CiArg>,
    /// Jackknife buckets or bootstrap samples.
    #[arg(long, value_name = "N")]
    pub ci_samples: Option<usize>,
    /// Seed of the row hashes behind confidence intervals.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also the exact AUC and AUC-PR (keeps every prediction; capped by metrics.exact_auc_max_examples).
    #[arg(long)]
    pub exact_auc: bool,
    /// A baseline model's predictions in the same rows, for change thresholds.
    #[arg(long, value_name = "COL", conflicts_with = "baseline_eval")]
    pub baseline_prediction: Option<String>,
    /// A baseline's eval.json, for change thresholds.
    #[arg(long, value_name = "PATH")]
    pub baseline_eval: Option<PathBuf>,
    /// Memory budget of the evaluation's state in MiB.
    #[arg(long, value_name = "MIB")]
    pub memory_budget_mb: Option<u64>,
    /// Where to write eval.json (or the partial state with --partial).
    #[arg(long, short, default_value = "eval.json")]
    pub output: PathBuf,
    /// Write TFX Evaluator's BLESSED or NOT_BLESSED marker file into this folder.
    #[arg(long, value_name = "DIR")]
    pub blessing: Option<PathBuf>,
    /// Also write the per-slice metrics as a TFRecord of TFMA MetricsForSlice protos.
    #[arg(long, value_name = "PATH")]
    pub metrics_tfrecord: Option<PathBuf>,
    /// Sort the slices of the table by this metric, worst first [default: the task's main metric].
    #[arg(long, value_name = "METRIC")]
    pub sort_by: Option<String>,
    /// Rows of each slice table shown.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Read only shard I of N (0-based), e.g. `--shard 2/8`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write the mergeable partial state instead of eval.json (see `tabx merge`).
    #[arg(long)]
    pub partial: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TaskArg {
    Regression,
    Binary,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CiArg {
    Jackknife,
    PoissonBootstrap,
    None,
}

const TRAIN_EXAMPLES: &str = "Examples:
  tabx transform fit train.csv --spec taxi_transform.yaml -o transform.json
  tabx train train.csv --transform transform.json --label fare --kind linear --l2 1 -o fare.json
  tabx train train.csv --transform transform.json --label big_tipper --kind logistic -o tipper.json
  tabx predict eval.csv --transform transform.json --model fare.json -o predictions.parquet
  tabx predict big.csv --transform transform.json --model fare.json --shard 3/8 -o predictions/   # predictions/part-3.parquet

A linear model over shards (pods), in two rounds:
  tabx train big.csv --transform transform.json --label fare --kind linear --shard I/N --partial -o enc-I.partial
  tabx merge enc-*.partial -o encoder.json
  tabx train big.csv --transform transform.json --label fare --kind linear --encoder encoder.json --shard I/N --partial -o eq-I.partial
  tabx merge eq-*.partial -o model.json

Features default to the transform's outputs minus the label and every output derived from the
label's input columns. Vocabulary ids, buckets and hashes are one-hot over the ids the transform
declares; other integer outputs are one-hot over the values seen in training (at most 100, else a
number); floats are numbers. model.json lists every design column and its coefficient.";

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The fitted transform from `tabx transform fit`; the raw input rows are transformed with it.
    #[arg(long, value_name = "PATH", default_value = "transform.json")]
    pub transform: PathBuf,
    /// The label: an output column of the transform.
    #[arg(long, value_name = "COL")]
    pub label: String,
    /// The features (output columns of the transform), comma-separated; default: see below.
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub features: Option<Vec<String>>,
    /// linear: ridge regression; logistic: logistic regression on a 0/1 label.
    #[arg(long, value_enum)]
    pub kind: ModelKindArg,
    /// The L2 penalty λ: scikit-learn's Ridge(alpha=λ), LogisticRegression(C=1/λ); the intercept is not penalised.
    #[arg(long, value_name = "λ", default_value_t = 1.0)]
    pub l2: f64,
    /// Where to write the model (or the partial state with --partial).
    #[arg(long, short, default_value = "model.json")]
    pub output: PathBuf,
    /// The design matrix from the first round of a sharded fit (`tabx merge` of its partials):
    /// skips the encoder pass.
    #[arg(long, value_name = "PATH")]
    pub encoder: Option<PathBuf>,
    /// Read only shard I of N (0-based), e.g. `--shard 2/8`; with --partial.
    #[arg(long, value_name = "I/N", requires = "partial")]
    pub shard: Option<String>,
    /// Write this shard's mergeable partial state (linear only): the encoder pass's, or with
    /// --encoder the normal equations' (see `tabx merge`).
    #[arg(long)]
    pub partial: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModelKindArg {
    Linear,
    Logistic,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The fitted transform the model was trained on.
    #[arg(long, value_name = "PATH", default_value = "transform.json")]
    pub transform: PathBuf,
    /// The model from `tabx train`.
    #[arg(long, value_name = "PATH", default_value = "model.json")]
    pub model: PathBuf,
    /// Predict only shard I of N (0-based) and write OUT/part-I.parquet.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Where to write the raw columns and the prediction: .parquet (or .pq), .csv or .jsonl (either .gz/.zst); a folder with --shard.
    #[arg(long, short)]
    pub output: PathBuf,
    /// The name of the prediction column (a probability for a logistic model).
    #[arg(long, value_name = "NAME", default_value = "prediction")]
    pub column: String,
    /// Also write this output of the transform next to the raw columns (repeat for more), e.g. a
    /// label the transform derives (`big_tipper`), so that `tabx evaluate` can score against it.
    #[arg(long, value_name = "OUTPUT")]
    pub with_output: Vec<String>,
}
