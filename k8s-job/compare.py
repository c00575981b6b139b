"""Compares the artifacts of the sharded workflow (run_local.py) with those of
`tabx demo` on the same data, as issue 12 states equality:

- exact statistics and exact metrics bit-identical (the JSON numbers are
  compared as parsed floats, which round-trip bit for bit);
- sketched values within their bound: a median or bucket boundary from a KLL
  sketch must lie between the reference's quantiles at its rank +- (the rank
  error the statistics state + one decile, the reference's granularity);
- transform.json's exact analyzers (mean, std_dev, vocabularies) identical;
- row outputs equal as sets (sorted on every column, then compared).

Each check prints one line; `compare()` returns the failures.
"""

import json
import math
import pathlib


def load(path):
    return json.loads(pathlib.Path(path).read_text())


def features(stats):
    return {f["name"]: f for f in stats["datasets"][0]["features"]}


def custom(feature, name):
    for c in feature.get("custom_stats", []):
        if c["name"] == name:
            return c.get("num", c.get("str"))
    return None


def decile_bounds(num_stats, rank):
    """The reference's values at ranks rank-0.1 and rank+0.1 (its QUANTILES
    histogram has ten equal-mass buckets)."""
    quantiles = next(h for h in num_stats["histograms"] if h.get("type") == "QUANTILES")["buckets"]
    edges = [quantiles[0]["low_value"]] + [b["high_value"] for b in quantiles]
    lo = edges[max(0, math.floor(rank * 10) - 1)]
    hi = edges[min(10, math.ceil(rank * 10) + 1)]
    return lo, hi


EXACT_NUM = ["mean", "std_dev", "min", "max", "num_zeros"]


def compare_statistics(reference, sharded):
    """Exact figures identical; medians within the sketch bound."""
    failures, sketched = [], 0
    ref, got = load(reference), load(sharded)
    if ref["datasets"][0]["num_examples"] != got["datasets"][0]["num_examples"]:
        failures.append(f"num_examples {ref['datasets'][0]['num_examples']} != {got['datasets'][0]['num_examples']}")
    a, b = features(ref), features(got)
    if set(a) != set(b):
        failures.append(f"features differ: {sorted(set(a) ^ set(b))}")
    for name in sorted(set(a) & set(b)):
        fa, fb = a[name], b[name]
        if fa.get("type") != fb.get("type"):
            failures.append(f"{name}: type {fa.get('type')} != {fb.get('type')}")
        if "num_stats" in fa:
            na, nb = fa["num_stats"], fb["num_stats"]
            for key in EXACT_NUM:
                if na.get(key) != nb.get(key):
                    failures.append(f"{name}.{key}: {na.get(key)!r} != {nb.get(key)!r}")
            if na["common_stats"] != nb["common_stats"]:
                failures.append(f"{name}: common_stats differ")
            exact = all(str(custom(f, "tabx_quantiles") or "").startswith("exact") for f in (fa, fb))
            if exact and na != nb:
                failures.append(f"{name}: exact quantiles, yet num_stats differ")
            elif not exact:
                sketched += 1
                lo, hi = decile_bounds(na, 0.5)
                if not lo <= nb["median"] <= hi:
                    failures.append(f"{name}.median {nb['median']} outside the reference's [{lo}, {hi}]")
        if "string_stats" in fa:
            for key in ["common_stats", "unique"]:
                if fa["string_stats"].get(key) != fb["string_stats"].get(key):
                    failures.append(f"{name}.string_stats.{key} differ")
    print(f"  statistics: {len(a)} features, exact figures {'identical' if not failures else 'DIFFER'}"
          f"{f', {sketched} sketched medians within bound' if sketched else ', every quantile exact'}")
    return failures


def compare_transform(reference, sharded, train_stats):
    """Exact analyzers identical; bucketize boundaries within the sketch bound."""
    failures, bucketized, identical = [], 0, True
    ref, got = load(reference), load(sharded)
    stats = features(load(train_stats))
    outputs = dict((o["name"], o) for o in got["outputs"])
    for o in ref["outputs"]:
        mine = outputs.get(o["name"])
        if mine is None:
            failures.append(f"transform: no output {o['name']}")
        elif o["op"] != "bucketize":
            if o != mine:
                failures.append(f"transform {o['name']} ({o['op']}): fitted state differs")
        else:
            bucketized += 1
            mb, ob = mine["fitted"]["bucket_boundaries"], o["fitted"]["bucket_boundaries"]
            identical &= mb == ob
            if len(mb) != len(ob):
                failures.append(f"transform {o['name']}: {len(mb)} boundaries != {len(ob)}")
                continue
            column = next(s for s in got["spec"]["outputs"] if s["name"] == o["name"])["inputs"][0]
            num = stats[column]["num_stats"]
            for j, value in enumerate(mb):
                lo, hi = decile_bounds(num, (j + 1) / (len(mb) + 1))
                if not lo <= value <= hi:
                    failures.append(f"transform {o['name']} boundary {j}: {value} outside [{lo}, {hi}]")
    for key in ["rows", "invalid_rows"]:
        if ref.get(key) != got.get(key):
            failures.append(f"transform {key}: {ref.get(key)} != {got.get(key)}")
    print(f"  transform.json: exact analyzers {'identical' if not failures else 'DIFFER'}, {bucketized} bucketize "
          f"boundaries {'identical' if identical else 'within the sketch bound'}")
    return failures, identical


def compare_rows(reference, parts, what, columns=None):
    """The rows of `parts` (part-I.parquet files) equal those of `reference`, as sets."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ref = pq.read_table(reference)
    got = pa.concat_tables([pq.read_table(p) for p in sorted(parts)], promote_options="permissive")
    cols, total = columns or ref.column_names, ref.num_columns
    if sorted(got.column_names) != sorted(ref.column_names):
        return [f"{what}: columns {got.column_names} != {ref.column_names}"]
    ref, got = ref.select(cols), got.select(cols).cast(ref.select(cols).schema)
    order = [(c, "ascending") for c in cols]
    same = ref.num_rows == got.num_rows and ref.sort_by(order).equals(got.sort_by(order))
    print(f"  {what}: {got.num_rows} rows in {len(parts)} part files, "
          f"{'equal as a set to the reference' if same else 'DIFFERENT from the reference'}"
          f"{'' if columns is None else f' ({len(cols)} of {total} columns)'}")
    return [] if same else [f"{what}: rows differ from the reference"]


def compare_evaluation(reference, sharded):
    """Every metric and interval of every slice identical."""
    ref, got = load(reference), load(sharded)
    strip = lambda e: {k: v for k, v in e.items() if k not in ("config_path", "inputs")}
    same = strip(ref) == strip(got)
    print(f"  evaluation: {'identical metrics, intervals and threshold results' if same else 'DIFFERENT metrics'}")
    return [] if same else ["evaluation differs from the reference"]


def compare(demo, run, shards):
    """The sharded run under `run` against `tabx demo`'s folder `demo`."""
    demo, run = pathlib.Path(demo), pathlib.Path(run)
    failures = compare_statistics(demo / "train_stats.json", run / "train_stats.json")
    failures += compare_rows(demo / "train.parquet", list((run / "splits/train").glob("part-*.parquet")), "train split")
    failures += compare_rows(demo / "eval.parquet", list((run / "splits/eval").glob("part-*.parquet")), "eval split")
    found, same_transform = compare_transform(demo / "transform.json", run / "transform.json", run / "train_stats.json")
    failures += found
    if same_transform:
        failures += compare_rows(demo / "transformed_eval.parquet", list((run / "transformed_eval").glob("part-*.parquet")),
                                 "transformed eval")
        failures += compare_rows(demo / "fare_predictions.parquet", list((run / "predictions").glob("part-*.parquet")),
                                 "predictions")
        failures += compare_evaluation(demo / "fare_eval.json", run / "eval.json")
    else:
        # Other boundaries put some rows in other buckets: the model and its
        # metrics differ as the fitted transform does. The rest must not.
        print("  transformed rows, predictions and metrics follow other bucket boundaries: compared on the exact columns")
        exact = [o["name"] for o in load(run / "transform.json")["outputs"] if o["op"] != "bucketize"]
        import pyarrow.parquet as pq
        cols = [c for c in pq.read_schema(demo / "transformed_eval.parquet").names
                if c in exact or not c.endswith("_xf")]
        failures += compare_rows(demo / "transformed_eval.parquet", list((run / "transformed_eval").glob("part-*.parquet")),
                                 "transformed eval", cols)
    blessed = [(d / "BLESSED").exists() for d in (demo / "blessing/fare", run / "blessing")]
    print(f"  blessing: demo {'BLESSED' if blessed[0] else 'NOT_BLESSED'}, sharded {'BLESSED' if blessed[1] else 'NOT_BLESSED'}")
    if same_transform and blessed[0] != blessed[1]:
        failures.append("blessing differs")
    served = run / "serving/model.json"
    pushed = served.exists() and served.read_bytes() == (run / "fare_model.json").read_bytes()
    print(f"  push: {'the model is in serving/' if pushed else 'nothing in serving/'}")
    if pushed != blessed[1]:
        failures.append("push does not follow the blessing")
    return failures
