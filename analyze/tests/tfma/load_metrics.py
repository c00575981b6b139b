"""Reads a MetricsForSlice TFRecord with TFMA's own loader and prints it as JSON.

    python load_metrics.py PATH

PATH is a TFRecord file written by `tabx evaluate --metrics-tfrecord` (or an
output directory holding `metrics*.tfrecord`). The records are read with
`tfma.load_metrics` (tensorflow_model_analysis/writers/
metrics_plots_and_validations_writer.py, `load_and_deserialize_metrics`),
converted as TFMA's notebook view converts them
(`tfma.view.util.convert_metrics_proto_to_dict`, which turns a value with a
confidence interval into a `boundedValue`), and printed as

    {slice name: {metric: {"value", "lower", "upper", "standard_error", "dof",
                           "debug_message", "matrices"}}}

with only the keys that apply. Slice names are tabx's: "All Examples",
"<column>_<value>" joined by "_". `tests/tfma_reference.rs` runs this script.
"""

import json
import sys

import tensorflow_model_analysis as tfma
from tensorflow_model_analysis.slicer import slicer_lib
from tensorflow_model_analysis.view import util as view_util


def slice_name(key):
    if not key:
        return 'All Examples'
    return '_'.join(f'{c}_{v.decode() if isinstance(v, bytes) else v}' for c, v in key)


def from_view(value):
    """value / lower / upper as TFMA's view reports them (MessageToDict of a MetricValue)."""
    if 'boundedValue' in value:
        b = value['boundedValue']
        return {'value': b['value'], 'lower': b['lowerBound'], 'upper': b['upperBound']}
    if 'doubleValue' in value:
        return {'value': value['doubleValue']}
    if 'debugMessage' in value:
        return {'debug_message': value['debugMessage']}
    if 'confusionMatrixAtThresholds' in value:
        return {'matrices': value['confusionMatrixAtThresholds'].get('matrices', [])}
    return {'other': value}


def main(path):
    out = {}
    records = list(tfma.load_metrics(path))
    if not records:
        sys.exit(f'no MetricsForSlice records found at {path}')
    for mfs in records:
        name = slice_name(slicer_lib.deserialize_slice_key(mfs.slice_key))
        if name in out:
            sys.exit(f'slice {name} appears twice')
        _, by_output = view_util.convert_metrics_proto_to_dict(mfs)
        metrics = {metric: from_view(v) for metric, v in by_output[''][''].items()}
        # The view keeps only the bounds; the standard error and degrees of freedom come from the proto.
        for kv in mfs.metric_keys_and_values:
            if kv.HasField('confidence_interval'):
                ci = kv.confidence_interval
                metrics[kv.key.name]['standard_error'] = ci.standard_error.double_value.value
                metrics[kv.key.name]['dof'] = ci.degrees_of_freedom.value
        out[name] = metrics
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
