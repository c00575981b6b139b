"""TFMA's own metrics on the fixed data set of `analyze/tests/tfma_reference.rs`.

Runs `tfma.analyze_raw_data` (tensorflow-model-analysis 0.47.1, model agnostic:
a pandas DataFrame of labels, predictions, weights and a slice column) twice
per task, without and with jackknife intervals, and prints as JSON
task -> weighted|unweighted -> slice -> metric -> {value, and from the
jackknife run: ci_run_value, lower, upper, standard_error, dof}. The `value`s
are the literals `tfma_reference.rs::tabx_matches_tfma_point_values` checks;
the bounds are for comparison only (TFMA puts rows in its 20 buckets at
random, tabx by a hash of the row, so the bounds differ). Takes ~3 minutes.
Needs tf-keras beside TFMA (TFMA 0.47.1 imports it; `pip install tf-keras==2.16.0`).

    /work/venv-tfma/bin/python analyze/tests/tfma/reference_values.py
"""

import json
import sys
import tempfile

import pandas as pd
import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.slicer import slicer_lib

# The data set, as in tfma_reference.rs (generated once with numpy RandomState(7)).
SEG = ['b', 'c', 'c', 'b', 'c', 'a', 'b', 'a', 'a', 'c', 'b', 'b', 'a', 'b', 'a', 'b', 'b', 'b', 'a', 'a',
       'a', 'c', 'b', 'c', 'a', 'a', 'c', 'b', 'a', 'c', 'c', 'a', 'c', 'a', 'b', 'b', 'b', 'a', 'b', 'a']
LABEL = [0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0,
         1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1]
PROB = [0.68, 0.66, 0.59, 0.5, 0.89, 0.09, 0.52, 0.32, 0.82, 0.34, 0.1, 0.54, 0.23, 0.51, 0.12, 0.59, 0.31,
        0.5, 0.56, 0.37, 0.62, 0.54, 0.92, 0.47, 0.86, 0.0, 0.03, 0.61, 0.49, 0.63, 1.0, 0.5, 0.1, 0.46, 0.05,
        0.25, 0.87, 0.6, 0.42, 0.81]
Y = [4.1, 4.4, 3.0, 2.8, 1.7, 2.9, 7.5, 4.7, 2.3, 2.1, 1.3, 3.7, 3.8, 0.1, 4.0, 1.9, 5.9, 3.3, 6.4, 2.1,
     2.4, 3.6, 5.1, 4.1, 0.5, 3.4, 3.0, 2.1, 1.7, 6.5, 2.2, 1.3, 4.3, 3.3, 2.8, 4.6, 4.0, 3.7, 4.9, 3.6]
YHAT = [3.5, 4.0, 2.5, 3.0, 0.6, 1.1, 7.6, 3.4, 0.3, 2.5, 0.6, 4.2, 3.3, -1.0, 2.8, 1.4, 5.6, 2.5, 6.1, 0.6,
        2.4, 1.8, 4.9, 4.8, 1.6, 5.1, 1.4, 2.9, 2.9, 7.5, 1.3, 1.7, 6.2, 1.8, 3.3, 5.7, 3.3, 4.3, 3.8, 2.8]
W = [1.0, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 0.5, 0.5, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0,
     2.0, 2.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 0.5]

COMMON = ['ExampleCount', 'WeightedExampleCount', 'MeanLabel', 'MeanPrediction', 'Calibration']
TASKS = {
    'regression': ('y', 'yhat', COMMON + ['MeanSquaredError', 'MeanAbsoluteError', 'MeanAbsolutePercentageError']),
    'binary': ('label', 'prob', COMMON + ['AUC', 'AUCPrecisionRecall', 'BinaryAccuracy', 'Precision', 'Recall',
                                          'F1Score', 'BinaryCrossEntropy']),
}


def run(label, prediction, metrics, confidence_intervals):
    """TFMA's MetricsForSlice protos for one task, read back with `tfma.load_metrics`."""
    df = pd.DataFrame({'segment': SEG, 'label': [float(x) for x in LABEL], 'prob': PROB, 'y': Y, 'yhat': YHAT,
                       'w': W})
    config = tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key=label, prediction_key=prediction, example_weight_key='w')],
        metrics_specs=[tfma.MetricsSpec(
            metrics=[tfma.MetricConfig(class_name=m) for m in metrics],
            example_weights=tfma.ExampleWeightOptions(weighted=True, unweighted=True))],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=['segment'])],
        options=tfma.Options(compute_confidence_intervals={'value': confidence_intervals},
                             confidence_intervals=tfma.ConfidenceIntervalOptions(method='JACKKNIFE')))
    with tempfile.TemporaryDirectory() as output_path:
        tfma.analyze_raw_data(df, config, output_path=output_path)
        # The protos rather than `EvalResult.slicing_metrics`: the view drops
        # `example_weighted`, which tells weighted from unweighted metrics apart.
        return list(tfma.load_metrics(output_path))


def slice_name(key):
    # tabx's slice names: "All Examples" and "<column>_<value>".
    if not key:
        return 'All Examples'
    return '_'.join(f'{c}_{v.decode() if isinstance(v, bytes) else v}' for c, v in key)


def by_key(records):
    """(weighted|unweighted, slice, metric) -> MetricKeyAndValue."""
    out = {}
    for mfs in records:
        name = slice_name(slicer_lib.deserialize_slice_key(mfs.slice_key))
        for kv in mfs.metric_keys_and_values:
            weighting = 'weighted' if kv.key.example_weighted.value else 'unweighted'
            out[(weighting, name, kv.key.name)] = kv
    return out


def main():
    out = {}
    for task, (label, prediction, metrics) in TASKS.items():
        # Point values from a run without intervals: with JACKKNIFE, 0.47.1's
        # `_MeanRegressionErrorCombiner.merge_accumulators` (metrics/mean_regression_error.py)
        # merges the first accumulator into itself (no `iter()` before `next()`), so the
        # unsampled mean_squared/absolute(_percentage)_error of a CI run counts some rows twice.
        points = by_key(run(label, prediction, metrics, False))
        intervals = by_key(run(label, prediction, metrics, True))
        for (weighting, name, metric), kv in sorted(points.items()):
            entry = {'value': _number(kv.value)}
            ci_kv = intervals.get((weighting, name, metric))
            if ci_kv is not None and ci_kv.HasField('confidence_interval'):
                ci = ci_kv.confidence_interval
                entry.update(ci_run_value=_number(ci_kv.value), lower=_number(ci.lower_bound),
                             upper=_number(ci.upper_bound), standard_error=_number(ci.standard_error),
                             dof=ci.degrees_of_freedom.value)
            out.setdefault(task, {}).setdefault(weighting, {}).setdefault(name, {})[metric] = entry
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


def _number(metric_value):
    kind = metric_value.WhichOneof('type')
    return metric_value.double_value.value if kind == 'double_value' else f'<{kind}>'


if __name__ == '__main__':
    main()
