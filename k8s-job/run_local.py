#!/usr/bin/env python3
"""Runs the taxi-fare workflow as Kubernetes runs it, on this machine: every
Job of manifests/render.py (the same step table, the same arguments) as podman
containers of the tabx image, each sharded step as N containers that get
JOB_COMPLETION_INDEX as an Indexed Job's pods do, then merged. Then it runs
`tabx demo` on the same data in one container and compares the artifacts
(compare.py): exact statistics, analyzers and metrics identical, sketched
values within their bound, row outputs equal as sets.

    k8s-job/image/build.sh                                    # the image, once
    python3 k8s-job/run_local.py --shards 4 -o /tmp/taxi      # the embedded 15,002 trips
    python3 k8s-job/run_local.py --rows 2000000 --shards 4 -o /tmp/taxi-2m
    python3 k8s-job/run_local.py --fault stats:1 ...          # shard 1 of stats SIGKILLed mid-write

Containers run as the restricted pods do: --network none, --read-only root,
--cap-drop ALL, user 65532, /tmp a tmpfs. The bucket prefix is a local folder
mounted at /work (tabx treats s3:// and a path alike; cli/tests/remote.rs
covers the object store). A failed shard is retried for its index alone, up
to backoffLimitPerIndex (2) times, as the Job controller does.

Needs podman, runc and pyarrow (for the row comparison: .ci/requirements-k8s.txt).
Prints each step's wall time and each container's peak RSS (tabx logs it with
TABX_LOG=tabx::resources=info); --json FILE keeps them.
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "manifests"))
sys.path.insert(0, str(HERE))
from render import STEPS  # noqa: E402  (the one step table)
from compare import compare  # noqa: E402

BACKOFF_LIMIT_PER_INDEX = 2
FAILPOINT = "partial-mid-write"


def version():
    return re.search(r'^version = "(.*)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)


class Podman:
    """Runs one tabx command in a container, as a restricted pod would."""

    def __init__(self, image, runtime, work):
        self.image, self.runtime, self.work = image, runtime, work

    def run(self, args, env):
        command = ["podman", "--storage-driver", "vfs", "run", "--rm", "--runtime", self.runtime,
                   "--network", "none", "--read-only", "--cap-drop", "ALL", "--user", "65532",
                   "--tmpfs", "/tmp", "-v", f"{self.work}:/work"]
        for key, value in env.items():
            command += ["-e", f"{key}={value}"]
        return subprocess.run(command + [self.image] + args, capture_output=True, text=True)


class Processes:
    """The same commands as processes of a tabx binary (--tabx): no image needed."""

    def __init__(self, binary, work):
        self.binary, self.work = binary, work

    def run(self, args, env):
        args = [a.replace("/work", str(self.work)) for a in args]
        return subprocess.run([self.binary] + args, capture_output=True, text=True, env={**os.environ, **env})


def peak_rss(stderr):
    found = re.findall(r"peak_rss_mib=([0-9.]+)", stderr)
    return float(found[-1]) if found else None


def run_container(runner, args, index, fault):
    """One pod: `args` with JOB_COMPLETION_INDEX=index (Kubernetes expands
    $(JOB_COMPLETION_INDEX) in args from the environment), retried as the
    Job controller retries a failed index. Returns (seconds, peak MiB, tries)."""
    env = {"TMPDIR": "/tmp", "TABX_LOG": "warn,tabx::resources=info"}
    if index is not None:
        env["JOB_COMPLETION_INDEX"] = str(index)
        args = [a.replace("$(JOB_COMPLETION_INDEX)", str(index)) for a in args]
    for attempt in range(1 + BACKOFF_LIMIT_PER_INDEX):
        try_env = dict(env)
        if fault and attempt == 0:
            try_env["TABX_FAILPOINT"] = FAILPOINT
        start = time.monotonic()
        done = runner.run(args, try_env)
        seconds = time.monotonic() - start
        if done.returncode == 0:
            return seconds, peak_rss(done.stderr), attempt + 1
        what = "killed by SIGKILL" if done.returncode in (137, -9) else f"exit {done.returncode}"
        print(f"    index {index}: {what} on try {attempt + 1}: {done.stderr.strip()[-300:]}")
    raise SystemExit(f"step failed after {1 + BACKOFF_LIMIT_PER_INDEX} tries: tabx {' '.join(args)}")


def run_step(runner, name, args, shards, fault):
    """A Job: one container, or `shards` containers in parallel (an Indexed Job)."""
    start = time.monotonic()
    indexes = [None] if shards is None else list(range(shards))
    with ThreadPoolExecutor(max_workers=len(indexes)) as pool:
        results = list(pool.map(lambda i: run_container(runner, args, i, fault == (name, i)), indexes))
    wall = time.monotonic() - start
    peaks = [r[1] for r in results if r[1] is not None]
    tries = sum(r[2] for r in results) - len(results)
    print(f"  {name:<16} {len(indexes)} container{'s' if len(indexes) > 1 else ' '}  {wall:6.2f} s"
          f"  peak RSS {max(peaks) if peaks else float('nan'):6.1f} MiB"
          f"{f'  ({tries} index rerun)' if tries else ''}")
    return {"step": name, "containers": len(indexes), "wall_s": round(wall, 3),
            "container_s": [round(r[0], 3) for r in results], "peak_rss_mib": peaks, "reruns": tries}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", help="work folder (default: a new temporary folder)")
    p.add_argument("--shards", type=int, default=2, help="containers per sharded step (default 2)")
    p.add_argument("--rows", type=int, help="generate this many taxi-shaped rows instead of the embedded 15,002")
    p.add_argument("--image", default=f"tabx:{version()}")
    p.add_argument("--runtime", default=str(HERE / "image/runc-without-rlimits"),
                   help="OCI runtime for podman (default: runc without rlimits, for sandboxes that refuse them)")
    p.add_argument("--tabx", help="run the steps as processes of this binary instead of containers")
    p.add_argument("--fault", help="STEP:INDEX: that shard is SIGKILLed mid-write on its first try, then retried")
    p.add_argument("--json", help="write the timings and peak RSS of every step to this file")
    a = p.parse_args()
    try:
        import pyarrow  # noqa: F401  (compare.py reads the row files with it, after the run)
    except ImportError:
        p.error("needs pyarrow to compare rows: python3 -m venv /tmp/k8s && /tmp/k8s/bin/pip install "
                "-r .ci/requirements-k8s.txt, then run this with /tmp/k8s/bin/python")
    if a.shards < 1:
        p.error("--shards must be at least 1")
    fault = None
    if a.fault:
        step, _, index = a.fault.partition(":")
        sharded = {s[1] for s in STEPS if s[3] is not None}
        if step not in sharded or not index.isdigit() or int(index) >= a.shards:
            p.error(f"--fault STEP:INDEX with STEP one of {sorted(sharded)} and INDEX < --shards")
        fault = (step, int(index))
    work = pathlib.Path(a.output or tempfile.mkdtemp(prefix="tabx-local-")).resolve()
    if work.exists():
        shutil.rmtree(work)
    (work / "run").mkdir(parents=True)
    work.chmod(0o777)
    (work / "run").chmod(0o777)  # the containers run as 65532
    runner = Processes(a.tabx, work) if a.tabx else Podman(a.image, a.runtime, work)
    where = f"processes of {a.tabx}" if a.tabx else f"podman containers of {a.image}"
    print(f"the taxi-fare workflow in {where}, {a.shards} per sharded step, under {work}")

    timings = []
    data = ["datasets", "taxi", "-o", "/work/data/taxi.csv"] + (["--rows", str(a.rows)] if a.rows else [])
    timings.append(run_step(runner, "data", data + ["-q"], None, None))
    # The reference: `tabx demo` on the same data, in one container. Its
    # transform spec and evaluation config are the pipeline's inputs too.
    timings.append(run_step(runner, "demo (reference)", ["demo", "--data", "/work/data/taxi.csv", "-o", "/work/demo", "-q"],
                            None, None))
    for name in ["taxi_transform.yaml", "fare_eval.yaml"]:
        shutil.copy(work / "demo" / name, work / "run" / name)
    for _, step, args, sharded, _ in STEPS:
        filled = [x.replace("{B}", "/work/run").replace("{DATA}", "/work/data/taxi.csv").replace("{N}", str(a.shards))
                  for x in args]
        timings.append(run_step(runner, step, filled + ["-q"], a.shards if sharded else None, fault))

    print("compared with `tabx demo` on the same data:")
    failures = compare(work / "demo", work / "run", a.shards)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps({"shards": a.shards, "rows": a.rows or 15002, "runner": where,
                                                    "steps": timings}, indent=2) + "\n")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    print(f"sharded workflow = tabx demo: every check passed; artifacts in {work}/run")


if __name__ == "__main__":
    main()
