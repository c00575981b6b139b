#!/usr/bin/env python3
"""Runs the compiled Kubeflow pipeline (pipeline.py) with `kfp.local`'s
DockerRunner on this machine, each step a container of the tabx image, the
Docker API served by podman (`podman system service`), then checks what the
steps left: every task succeeded, the model was pushed because the evaluation
blessed it, and the Metrics carry the figures.

    k8s-job/image/build.sh
    python3 k8s-job/kfp/run_kfp_local.py -o /tmp/tabx-kfp     # ~30 s on the embedded taxi data

kfp.local mounts only the pipeline root into the containers, so the inputs
(the taxi CSV, the transform spec, the evaluation config, from `tabx demo`)
are copied under it first. The podman service uses runc through
image/runc-without-rlimits (this sandbox refuses rlimits) and vfs storage,
where build.sh leaves the image. Needs kfp and docker (.ci/requirements-k8s.txt).
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
try:
    import docker  # noqa: F401,E402  (kfp.local's DockerRunner)
    import pipeline  # noqa: E402
except ImportError as missing:
    raise SystemExit(f"{missing}: python3 -m venv /tmp/k8s && /tmp/k8s/bin/pip install -r .ci/requirements-k8s.txt, "
                     "then run this with /tmp/k8s/bin/python")
from run_local import Podman, version  # noqa: E402


def podman_service(workdir, runtime):
    """A Docker-compatible API socket served by podman; returns (process, DOCKER_HOST)."""
    conf = workdir / "containers.conf"
    conf.write_text(f'[engine]\nruntime = "tabxrunc"\n[engine.runtimes]\ntabxrunc = ["{runtime}"]\n')
    socket = workdir / "podman.sock"
    service = subprocess.Popen(
        ["podman", "--storage-driver", "vfs", "system", "service", "--time=0", f"unix://{socket}"],
        env={**os.environ, "CONTAINERS_CONF": str(conf)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if socket.exists():
            return service, f"unix://{socket}"
        time.sleep(0.1)
    service.kill()
    raise SystemExit("podman system service did not open its socket")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--output", default=None, help="pipeline root (default: a new temporary folder)")
    p.add_argument("--image", default=f"localhost/tabx:{version()}",
                   help="as podman lists it (kfp.local pulls images it does not find by that name)")
    p.add_argument("--runtime", default=str(HERE.parent / "image/runc-without-rlimits"))
    a = p.parse_args()
    root = pathlib.Path(a.output or tempfile.mkdtemp(prefix="tabx-kfp-")).resolve()
    shutil.rmtree(root, ignore_errors=True)
    (root / "in").mkdir(parents=True)
    for folder in (root, root / "in"):
        folder.chmod(0o777)  # the containers run as 65532
    work = pathlib.Path(tempfile.mkdtemp(prefix="tabx-podman-"))
    service, docker_host = podman_service(work, a.runtime)
    os.environ["DOCKER_HOST"] = docker_host
    try:
        # The inputs, written by the image itself (tabx demo), under the pipeline root.
        demo = Podman(a.image, a.runtime, root / "in").run(["demo", "-o", "/work", "-q"], {})
        if demo.returncode != 0:
            raise SystemExit(f"tabx demo in the image failed:\n{demo.stderr}")
        from kfp import local
        local.init(runner=local.DockerRunner(), pipeline_root=str(root))
        start = time.monotonic()
        pipeline.build(a.image)(data_uri=str(root / "in/data.csv"), spec_uri=str(root / "in/taxi_transform.yaml"),
                                eval_config_uri=str(root / "in/fare_eval.yaml"))
        seconds = time.monotonic() - start
    finally:
        service.terminate()
        service.wait()
        shutil.rmtree(work, ignore_errors=True)

    run = max(root.glob("tabx-taxi-*"))
    steps = sorted(d.name for d in run.iterdir() if (d / "executor_output.json").exists())
    evaluation = json.loads((run / "evaluate/executor_output.json").read_text())
    figures = evaluation["artifacts"]["metrics"]["artifacts"][0]["metadata"]
    pushed = (run / "push/pushed_model/model.json").read_bytes() == (run / "train/model").read_bytes()
    assert (run / "evaluate/blessing/BLESSED").exists(), "the demo's fare model is blessed"
    assert pushed, "a blessed model must be pushed"
    assert figures["example_count"] == 4944 and figures["blessed"] == 1.0, figures
    assert (run / "report/page").read_bytes().startswith(b"<!DOCTYPE html>"), "the report is HTML"
    print(f"kfp.local: the tabx-taxi pipeline ran in {seconds:.0f} s, {len(steps)} container steps ({', '.join(steps)}); "
          f"evaluation RMSE {figures['root_mean_squared_error']:.3f} on {figures['example_count']:.0f} examples, "
          f"BLESSED, model pushed; artifacts under {run}")


if __name__ == "__main__":
    main()
