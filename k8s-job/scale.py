#!/usr/bin/env python3
"""Scale figures for the sharded steps, in containers of the image: statistics
and transform fit of the 2M-row taxi CSV, and the evaluation of 2M
predictions, each with 1, 2 and 4 shard containers (run in parallel, as an
Indexed Job's pods are) and the merge container; wall time (median of
--repeat runs), peak RSS per container, merge time. benches/RESULTS.md
holds the figures and the arithmetic for the full data set.

    python3 k8s-job/scale.py --rows 2000000 -o /tmp/tabx-scale --json scale.json

The data and predictions are made once, in containers too (datasets taxi,
transform fit, train, predict on all rows).
"""

import argparse
import json
import pathlib
import shutil
import statistics

from run_local import HERE, Podman, run_container, run_step, version

STEPS = {
    "stats": ["stats", "/work/taxi.csv", "--shard", "auto/{N}", "--partial", "-o", "/work/out/part-$(JOB_COMPLETION_INDEX).partial"],
    "transform fit": ["transform", "fit", "/work/taxi.csv", "--spec", "/work/taxi_transform.yaml", "--shard", "auto/{N}",
                      "--partial", "-o", "/work/out/part-$(JOB_COMPLETION_INDEX).partial"],
    "evaluate": ["evaluate", "/work/predictions.parquet", "--config", "/work/fare_eval.yaml", "--shard", "auto/{N}",
                 "--partial", "-o", "/work/out/part-$(JOB_COMPLETION_INDEX).partial"],
}


def run(runner, args):
    """One container (no shard index): (seconds, peak MiB)."""
    seconds, peak, _ = run_container(runner, args + ["-q"], None, False)
    return seconds, peak


def sharded(runner, work, step, n):
    """The shards in parallel, as run_local.py runs an Indexed Job, then the
    merge: (wall, [peak per shard], merge wall, merge peak)."""
    shutil.rmtree(work / "out", ignore_errors=True)
    (work / "out").mkdir()
    (work / "out").chmod(0o777)
    args = [a.replace("{N}", str(n)) for a in STEPS[step]]
    job = run_step(runner, step, args + ["-q"], n, None)
    merge_s, merge_peak = run(runner, ["merge", "/work/out/part-*.partial", "-o", "/work/out/merged.json"])
    return job["wall_s"], job["peak_rss_mib"], merge_s, merge_peak


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=2_000_000)
    p.add_argument("--shards", default="1,2,4")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("-o", "--output", default="/tmp/tabx-scale")
    p.add_argument("--image", default=f"tabx:{version()}")
    p.add_argument("--runtime", default=str(HERE / "image/runc-without-rlimits"))
    p.add_argument("--json")
    a = p.parse_args()
    work = pathlib.Path(a.output).resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    work.chmod(0o777)
    runner = Podman(a.image, a.runtime, work)
    print(f"{a.rows:,} taxi rows, containers of {a.image}, median of {a.repeat}")
    run(runner, ["datasets", "taxi", "--rows", str(a.rows), "-o", "/work/taxi.csv"])
    # The transform spec and evaluation config of the demo; a model for predictions of every row.
    run(runner, ["demo", "-o", "/work/demo"])
    for name in ["taxi_transform.yaml", "fare_eval.yaml"]:
        shutil.copy(work / "demo" / name, work / name)
    run(runner, ["transform", "fit", "/work/taxi.csv", "--spec", "/work/taxi_transform.yaml", "-o", "/work/transform.json"])
    run(runner, ["train", "/work/taxi.csv", "--transform", "/work/transform.json", "--label", "fare", "--kind", "linear",
                 "-o", "/work/model.json"])
    run(runner, ["predict", "/work/taxi.csv", "--transform", "/work/transform.json", "--model", "/work/model.json",
                 "-o", "/work/predictions.parquet"])
    startup = statistics.median(run(runner, ["--version"])[0] for _ in range(a.repeat))
    print(f"container start-up (tabx --version): {startup:.2f} s")
    results = {"rows": a.rows, "startup_s": round(startup, 3), "steps": []}
    print(f"{'step':<14} {'shards':>6} {'wall s':>7} {'peak MiB/shard':>15} {'merge s':>8} {'merge MiB':>9}")
    for step in STEPS:
        for n in [int(x) for x in a.shards.split(",")]:
            runs = [sharded(runner, work, step, n) for _ in range(a.repeat)]
            wall = statistics.median(r[0] for r in runs)
            peak = max(max(r[1]) for r in runs)
            merge = statistics.median(r[2] for r in runs)
            merge_peak = max(r[3] for r in runs)
            print(f"{step:<14} {n:>6} {wall:>7.2f} {peak:>15.1f} {merge:>8.2f} {merge_peak:>9.1f}")
            results["steps"].append({"step": step, "shards": n, "wall_s": round(wall, 3), "peak_rss_mib": peak,
                                     "merge_s": round(merge, 3), "merge_peak_rss_mib": merge_peak})
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
