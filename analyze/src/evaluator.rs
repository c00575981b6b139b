//! [`EvalState`]: the whole mergeable state of one evaluation.
//!
//! ```text
//!  EvalState ─ per slice spec (overall first)
//!              └─ per SliceKey (BTreeMap: sorted, deterministic)
//!                 └─ SliceState: one MetricState per CI sample
//!                      jackknife: num_buckets bucket states (the estimate merges them all)
//!                      bootstrap: the unsampled state + num_samples Poisson-weighted states
//!                      none:      one state
//!                    and the same again for the baseline prediction column,
//!                    plus the rows left out by reason
//! ```
//!
//! Every slice is kept while scanning, so the slices reported cannot depend
//! on how the input was split; `max_slices` and `min_slice_size` act when
//! the state finishes (`finish.rs`), and the memory budget bounds the state.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use tabx_core::{
    ExactSum, Mergeable, PartialState, Result, SliceKey, SliceSpec, TabxError, decode_state, encode_state,
};

use crate::ci::{RowHasher, jackknife_bucket, poisson_multiplicity};
use crate::rows::{RowStatus, Rows};
use crate::{CiMethod, EvalConfig, EvalResult, MetricState, RowsLeftOut};

/// The mergeable state of one evaluation (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalState {
    pub(crate) config: EvalConfig,
    fingerprint: u64,
    pub(crate) specs: Vec<SpecState>,
}

/// The slices of one slice spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SpecState {
    pub(crate) spec: SliceSpec,
    pub(crate) slices: BTreeMap<SliceKey, SliceState>,
}

/// One slice: its CI samples' states and its row counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SliceState {
    /// Rows evaluated.
    pub(crate) examples: u64,
    /// Sum of their weights (exact, so shards give the same bits).
    pub(crate) weight: ExactSum,
    pub(crate) left_out: RowsLeftOut,
    pub(crate) missing_weight: u64,
    pub(crate) samples: Vec<MetricState>,
    /// Empty without a baseline prediction column.
    pub(crate) baseline: Vec<MetricState>,
}

impl SliceState {
    pub(crate) fn new(config: &EvalConfig) -> Self {
        let ci = &config.confidence_intervals;
        let n = match ci.method {
            CiMethod::Jackknife => ci.num_buckets,
            CiMethod::PoissonBootstrap => ci.num_samples + 1,
            CiMethod::None => 1,
        };
        let has_baseline = config.baseline.as_ref().is_some_and(|b| b.prediction.is_some());
        Self {
            examples: 0,
            weight: ExactSum::default(),
            left_out: RowsLeftOut::default(),
            missing_weight: 0,
            samples: vec![MetricState::default(); n],
            baseline: if has_baseline { vec![MetricState::default(); n] } else { Vec::new() },
        }
    }

    fn merge(&mut self, other: &Self) {
        self.examples += other.examples;
        self.weight.merge(&other.weight);
        self.left_out.add(&other.left_out);
        self.missing_weight += other.missing_weight;
        for (a, b) in self.samples.iter_mut().zip(&other.samples).chain(self.baseline.iter_mut().zip(&other.baseline)) {
            a.merge(b);
        }
    }

    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.samples.iter().chain(&self.baseline).map(MetricState::size_bytes).sum::<usize>()
    }

    /// Folds the rows `idx` of a batch into the slice.
    fn add(&mut self, rows: &Rows, idx: &[u32], buf: &mut Buffers, config: &EvalConfig) {
        let mut kept: Vec<usize> = Vec::with_capacity(idx.len());
        for &r in idx {
            let r = r as usize;
            match rows.status[r] {
                RowStatus::Evaluated => kept.push(r),
                RowStatus::MissingLabel => self.left_out.missing_label += 1,
                RowStatus::MissingPrediction => self.left_out.missing_prediction += 1,
                RowStatus::MissingBaseline => self.left_out.missing_baseline_prediction += 1,
            }
        }
        self.examples += kept.len() as u64;
        for &r in &kept {
            self.weight.add(rows.weights[r]);
            self.missing_weight += u64::from(rows.missing_weight[r]);
        }
        let options = &config.metrics;
        let ci = &config.confidence_intervals;
        let mut feed = |states: &mut Vec<MetricState>, baseline: bool| match ci.method {
            CiMethod::None => {
                buf.fill(rows, kept.iter().map(|&r| (r, 1)), baseline);
                buf.add_to(&mut states[0], options);
            }
            CiMethod::Jackknife => {
                let mut by_bucket = kept.clone();
                by_bucket.sort_by_key(|&r| rows.bucket[r]);
                for run in by_bucket.chunk_by(|a, b| rows.bucket[*a] == rows.bucket[*b]) {
                    buf.fill(rows, run.iter().map(|&r| (r, 1)), baseline);
                    buf.add_to(&mut states[rows.bucket[run[0]] as usize], options);
                }
            }
            CiMethod::PoissonBootstrap => {
                buf.fill(rows, kept.iter().map(|&r| (r, 1)), baseline);
                buf.add_to(&mut states[0], options);
                let s = ci.num_samples;
                for j in 0..s {
                    let drawn = kept.iter().map(|&r| (r, rows.multiplicity[r * s + j])).filter(|(_, k)| *k > 0);
                    buf.fill(rows, drawn, baseline);
                    buf.add_to(&mut states[j + 1], options);
                }
            }
        };
        feed(&mut self.samples, false);
        if !self.baseline.is_empty() {
            feed(&mut self.baseline, true);
        }
    }
}

/// Reused label/prediction/weight buffers for [`MetricState::add`].
#[derive(Default)]
struct Buffers {
    labels: Vec<f64>,
    predictions: Vec<f64>,
    weights: Vec<f64>,
}

impl Buffers {
    /// The rows with their bootstrap multiplicity (which multiplies the weight).
    fn fill(&mut self, rows: &Rows, chosen: impl Iterator<Item = (usize, u8)>, baseline: bool) {
        self.labels.clear();
        self.predictions.clear();
        self.weights.clear();
        let predictions = if baseline { &rows.baseline } else { &rows.predictions };
        for (r, k) in chosen {
            self.labels.push(rows.labels[r]);
            self.predictions.push(predictions[r]);
            self.weights.push(rows.weights[r] * f64::from(k));
        }
    }

    fn add_to(&self, state: &mut MetricState, options: &crate::MetricOptions) {
        if !self.labels.is_empty() {
            state.add(&self.labels, &self.predictions, &self.weights, options);
        }
    }
}

impl EvalState {
    /// An empty state; checks the config (thresholds name evaluated slice specs).
    pub fn try_new(config: &EvalConfig) -> Result<Self> {
        config.check()?;
        crate::thresholds::check_threshold_specs(config)?;
        let fingerprint = tabx_core::hash64(&encode_state(config)?);
        let specs = config.slice_specs().into_iter().map(|spec| SpecState { spec, slices: BTreeMap::new() }).collect();
        Ok(Self { config: config.clone(), fingerprint, specs })
    }

    /// The config the state evaluates.
    pub fn config(&self) -> &EvalConfig {
        &self.config
    }

    /// Folds one batch: checks its rows (errors name the file and line when
    /// the batch carries the engine's `_tabx_file`/`_tabx_line` columns),
    /// slices it and routes each row to its CI samples; fails past the memory budget.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let mut rows = Rows::read(&self.config, batch)?;
        // Slicing first: a missing slice column is named as one.
        let groups = self.specs.iter().map(|s| s.spec.groups(batch)).collect::<Result<Vec<_>>>()?;
        let ci = &self.config.confidence_intervals;
        if ci.method != CiMethod::None {
            let hashes = RowHasher::new(&self.config).hashes(batch)?;
            match ci.method {
                CiMethod::Jackknife => {
                    rows.bucket = hashes.iter().map(|&h| jackknife_bucket(h, ci.num_buckets) as u32).collect();
                }
                CiMethod::PoissonBootstrap => {
                    let s = ci.num_samples;
                    rows.multiplicity = hashes
                        .iter()
                        .flat_map(|&h| (0..s).map(move |j| poisson_multiplicity(h, j).min(u32::from(u8::MAX)) as u8))
                        .collect();
                }
                CiMethod::None => {}
            }
        }
        let mut buf = Buffers::default();
        for (spec, groups) in self.specs.iter_mut().zip(groups) {
            for (key, idx) in groups {
                let slice = spec.slices.entry(key).or_insert_with(|| SliceState::new(&self.config));
                slice.add(&rows, &idx, &mut buf, &self.config);
            }
        }
        self.check_memory()
    }

    /// Folds another state of the same evaluation (same config); an error otherwise.
    pub fn merge(&mut self, other: Self) -> Result<()> {
        if other.fingerprint != self.fingerprint {
            return Err(TabxError::config(format!(
                "cannot merge evaluation states of different configs (fingerprints {:016x} and {:016x})",
                self.fingerprint, other.fingerprint
            ))
            .with_hint("merge the partial files of one `tabx evaluate` run (same flags and config)"));
        }
        for (mine, theirs) in self.specs.iter_mut().zip(other.specs) {
            for (key, slice) in theirs.slices {
                match mine.slices.entry(key) {
                    Entry::Occupied(mut e) => e.get_mut().merge(&slice),
                    Entry::Vacant(e) => {
                        e.insert(slice);
                    }
                }
            }
        }
        self.check_memory()
    }

    /// Bytes held by the state.
    pub fn size_bytes(&self) -> usize {
        self.specs.iter().map(SpecState::size_bytes).sum::<usize>() + std::mem::size_of::<Self>()
    }

    /// The state's binary form (inside `*.partial` files).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        encode_state(self)
    }

    /// Reads [`to_bytes`](Self::to_bytes) output; `what` names the source in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        decode_state(bytes, what)
    }

    /// Fails past `memory_budget_mb`, or past the exact AUC's own cap.
    fn check_memory(&self) -> Result<()> {
        let budget = self.config.memory_budget_mb.saturating_mul(1 << 20);
        let size = self.size_bytes() as u64;
        if size > budget {
            let largest = self.specs.iter().max_by_key(|s| s.size_bytes()).expect("the overall spec is always there");
            let (bytes, n) = (largest.size_bytes(), largest.slices.len().max(1));
            return Err(TabxError::config(format!(
                "the evaluation's state holds {:.1} MB, past memory_budget_mb = {}: slice spec `{}` holds {:.1} MB \
                 in {} slices ({} KB per slice)",
                size as f64 / 1048576.0,
                self.config.memory_budget_mb,
                largest.spec,
                bytes as f64 / 1048576.0,
                largest.slices.len(),
                bytes / n / 1024
            ))
            .with_hint(
                "slice by fewer or coarser columns (a cross multiplies the slices), lower metrics.num_thresholds \
                 or confidence_intervals.num_buckets / num_samples (or method: none), or raise memory_budget_mb \
                 (--max-slices and min_slice_size only trim the report: every slice is held while scanning)",
            ));
        }
        let m = &self.config.metrics;
        if m.exact_auc {
            let kept: u64 = self
                .specs
                .iter()
                .flat_map(|s| s.slices.values())
                .flat_map(|s| s.samples.iter().chain(&s.baseline))
                .map(MetricState::exact_examples)
                .sum();
            if kept > m.exact_auc_max_examples {
                return Err(TabxError::config(format!(
                    "the exact AUC keeps every prediction: {kept} kept (all slices and CI samples together) is past \
                     metrics.exact_auc_max_examples = {}",
                    m.exact_auc_max_examples
                ))
                .with_hint(
                    "turn exact_auc off (the thresholded `auc` stays), raise the cap, or evaluate fewer slices",
                ));
            }
        }
        Ok(())
    }
}

impl SpecState {
    fn size_bytes(&self) -> usize {
        self.slices
            .iter()
            .map(|(k, s)| s.size_bytes() + k.0.iter().map(|(c, v)| c.len() + v.len() + 48).sum::<usize>() + 64)
            .sum()
    }
}

/// The contract every partial state of tabx obeys (`tabx evaluate --partial`, `tabx merge`).
impl PartialState for EvalState {
    const KIND: &'static str = "eval";
    const FORMAT_VERSION: u32 = 1;
    type Artifact = EvalResult;

    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        EvalState::update(self, batch)
    }

    fn merge(&mut self, other: Self) -> Result<()> {
        EvalState::merge(self, other)
    }

    /// Reads the config's baseline `eval.json`, if any, and finishes against it.
    fn finish(self) -> Result<EvalResult> {
        let baseline = match self.config.baseline.as_ref().and_then(|b| b.eval.as_ref()) {
            Some(path) => Some(EvalResult::load(path)?),
            None => None,
        };
        self.finish_against(baseline.as_ref())
    }

    fn size_bytes(&self) -> usize {
        EvalState::size_bytes(self)
    }

    fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    fn encode(&self) -> Result<Vec<u8>> {
        self.to_bytes()
    }

    fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        Self::from_bytes(bytes, what)
    }
}
