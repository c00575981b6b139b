//! Artifact compatibility: the files in `tests/golden/` were written by an
//! earlier tabx (`tests/golden/make.sh`); this tabx must read every one of
//! them, and refuse, naming both versions, a partial of a format it no
//! longer reads. A change to an artifact's shape that forgets its format
//! version fails here. When a version is bumped, keep the old files (the
//! reader must still take them, or refuse them by name) and add new ones.

use std::path::{Path, PathBuf};

use tabx::{
    DatasetFeatureStatisticsList, EncoderFile, EncoderPartial, EvalResult, EvalState, FitState, LinearPartial, Model,
    Schema, StatsAccumulator, TransformArtifact,
};
use tabx_core::{PartialFile, PartialState, merge_partials};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("golden").join(name)
}

/// The state of one golden partial file, finished.
fn finish_partial<S: PartialState>(name: &str) -> S::Artifact {
    let path = golden(name);
    let file = PartialFile::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let state: S = merge_partials(vec![(name.to_string(), file)]).unwrap_or_else(|e| panic!("{name}: {e}"));
    state.finish().unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_golden_artifact_is_read() {
    let stats = DatasetFeatureStatisticsList::read(&golden("stats.json")).unwrap();
    assert_eq!(stats.datasets[0].num_examples, 2000);
    Schema::read(&golden("schema.pbtxt")).unwrap();
    let transform = TransformArtifact::load(golden("transform.json")).unwrap();
    let model = Model::load(golden("model.json")).unwrap();
    assert_eq!(model.label, "fare");
    let encoder = EncoderFile::load(golden("encoder.json")).unwrap();
    assert_eq!(encoder.encoder, model.encoder);
    let eval = EvalResult::load(golden("eval.json")).unwrap();

    // Each partial finishes into the artifact its run wrote.
    let from_partial = finish_partial::<StatsAccumulator>("stats.partial");
    assert_eq!(from_partial.datasets[0].num_examples, 2000);
    assert_eq!(finish_partial::<FitState>("transform.partial").outputs, transform.outputs);
    assert_eq!(finish_partial::<EncoderPartial>("encoder.partial"), encoder);
    assert_eq!(finish_partial::<LinearPartial>("linear.partial").coefficients, model.coefficients);
    let merged = finish_partial::<EvalState>("eval.partial");
    assert_eq!(merged.slice_specs, eval.slice_specs);
}

#[test]
fn a_partial_of_an_older_format_is_refused_by_name() {
    // stats-v2 is a real partial of format 2 (written at 9d29e5d): its lazy
    // numeric states hold sums that format 3 reads as in their counts.
    for (name, version) in [("refused/stats-v1.partial", 1), ("refused/stats-v2.partial", 2)] {
        let file = PartialFile::read(&golden(name)).unwrap();
        let err = merge_partials::<StatsAccumulator>(vec![(name.to_string(), file)]).unwrap_err().to_string();
        assert!(err.contains(&format!("stats state version {version}, this tabx reads version 3")), "{err}");
        assert!(err.contains(name), "{err}");
    }
}
