#!/usr/bin/env python3
"""Renders the Kubernetes Jobs of the taxi-fare workflow, one per step, from
ONE pod template (this file) and the step table below: no per-step copies.

    python3 k8s-job/manifests/render.py --bucket s3://my-bucket/taxi --image tabx:0.1.0 -o rendered/
    kubectl apply -f rendered/01-split.yaml   # then each step in order (or from a workflow engine)

Every artifact lives under the bucket prefix (tabx reads and writes s3://,
gs://, az:// itself; outputs appear only when a step succeeds). Heavy steps
are Indexed Jobs: each pod gets `--shard auto/N`, which tabx resolves from the
JOB_COMPLETION_INDEX that Kubernetes sets, writes a partial state (or a
`part-I.parquet` row file) under the prefix, and a merge Job joins the
partials (`tabx merge` refuses missing, duplicate or mismatched shards).

Pods follow Pod Security "restricted": non-root 65532, no privilege
escalation, all capabilities dropped, seccomp RuntimeDefault, read-only root
filesystem, /tmp as an emptyDir (tabx stages object-store artifacts there).
Memory: peak RSS of `tabx stats` / `transform apply` on 20M taxi rows is
35-82 MiB (benches/RESULTS.md); requests leave 3x headroom, limits 6x.
Credentials come from the Secret `tabx-object-store` (AWS_*, GOOGLE_*,
AZURE_* keys) and are never put in arguments.
"""

import argparse
import json
import pathlib

# (file name, step, args after `tabx`, shards or None, size). DATA, B (the
# bucket prefix) and N (the shard count) are filled in by render().
STEPS = [
    ("01-split", "split", ["split", "{DATA}", "--ratio", "train=2,eval=1", "--shard", "auto/{N}", "-o", "{B}/splits"], "N", "heavy"),
    ("02-stats", "stats", ["stats", "{B}/splits/train/part-*.parquet", "--shard", "auto/{N}", "--partial", "-o", "{B}/stats/part-$(JOB_COMPLETION_INDEX).partial"], "N", "heavy"),
    ("03-stats-merge", "stats-merge", ["merge", "{B}/stats/part-*.partial", "-o", "{B}/train_stats.json"], None, "light"),
    ("04-schema", "schema", ["schema", "infer", "{B}/train_stats.json", "-o", "{B}/schema.pbtxt"], None, "light"),
    ("05-validate", "validate", ["validate", "--findings-exit-zero", "{B}/splits/eval/part-*.parquet", "--schema", "{B}/schema.pbtxt", "--previous", "{B}/train_stats.json", "-o", "{B}/anomalies.json"], None, "heavy"),
    ("06-transform-fit", "transform-fit", ["transform", "fit", "{B}/splits/train/part-*.parquet", "--spec", "{B}/taxi_transform.yaml", "--shard", "auto/{N}", "--partial", "-o", "{B}/fit/part-$(JOB_COMPLETION_INDEX).partial"], "N", "heavy"),
    ("07-transform-merge", "transform-merge", ["merge", "{B}/fit/part-*.partial", "-o", "{B}/transform.json"], None, "light"),
    ("08-transform-apply", "transform-apply", ["transform", "apply", "{B}/splits/eval/part-*.parquet", "--transform", "{B}/transform.json", "--shard", "auto/{N}", "-o", "{B}/transformed_eval"], "N", "heavy"),
    ("09-train", "train", ["train", "{B}/splits/train/part-*.parquet", "--transform", "{B}/transform.json", "--label", "fare", "--kind", "linear", "-o", "{B}/fare_model.json"], None, "heavy"),
    ("10-predict", "predict", ["predict", "{B}/splits/eval/part-*.parquet", "--transform", "{B}/transform.json", "--model", "{B}/fare_model.json", "--shard", "auto/{N}", "-o", "{B}/predictions"], "N", "heavy"),
    ("11-evaluate", "evaluate", ["evaluate", "{B}/predictions/part-*.parquet", "--config", "{B}/fare_eval.yaml", "--shard", "auto/{N}", "--partial", "-o", "{B}/eval/part-$(JOB_COMPLETION_INDEX).partial"], "N", "heavy"),
    ("12-evaluate-merge", "evaluate-merge", ["merge", "--findings-exit-zero", "{B}/eval/part-*.partial", "-o", "{B}/eval.json", "--blessing", "{B}/blessing"], None, "light"),
    ("13-report", "report", ["report", "--stats", "{B}/train_stats.json", "--schema", "{B}/schema.pbtxt", "--anomalies", "{B}/anomalies.json", "--transform", "{B}/transform.json", "--eval", "{B}/eval.json", "-o", "{B}/report.html"], None, "light"),
    ("14-push", "push", ["push", "--findings-exit-zero", "--model", "{B}/fare_model.json", "--transform", "{B}/transform.json", "--blessing", "{B}/blessing", "-o", "{B}/serving"], None, "light"),
]

SIZES = {
    "heavy": {"requests": {"cpu": "2", "memory": "256Mi"}, "limits": {"cpu": "4", "memory": "512Mi"}},
    "light": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
}


def job(name, step, args, sharded, size, image, shards, secret, namespace):
    """One Job: Indexed with `shards` completions where the step is sharded."""
    container = {
        "name": "tabx",
        "image": image,
        "args": args,
        "envFrom": [{"secretRef": {"name": secret, "optional": True}}],
        "env": [{"name": "TMPDIR", "value": "/tmp"}],
        "resources": SIZES[size],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    pod = {
        "metadata": {"labels": {"app.kubernetes.io/name": "tabx", "tabx.dev/step": step}},
        "spec": {
            "restartPolicy": "Never",
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532,
                                "fsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [container],
            "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "20Gi"}}],
        },
    }
    spec = {"template": pod, "ttlSecondsAfterFinished": 86400}
    if sharded:
        # A failed pod is retried for its own index only; one index failing
        # for good does not stop the others (their partials stay valid).
        spec.update({"completionMode": "Indexed", "completions": shards, "parallelism": shards,
                     "backoffLimitPerIndex": 2, "maxFailedIndexes": 0})
    else:
        spec["backoffLimit"] = 2
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": f"tabx-{step}", "namespace": namespace,
                         "labels": {"app.kubernetes.io/name": "tabx", "tabx.dev/step": step}},
            "spec": spec}


def render(bucket, data, image, shards, secret, namespace):
    """Every step's Job, as (file name, manifest)."""
    out = []
    for name, step, args, sharded, size in STEPS:
        filled = [a.replace("{B}", bucket.rstrip("/")).replace("{DATA}", data).replace("{N}", str(shards)) for a in args]
        out.append((name, job(name, step, filled, sharded is not None, size, image, shards, secret, namespace)))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bucket", required=True, help="prefix of every artifact, e.g. s3://my-bucket/taxi")
    p.add_argument("--data", help="the raw taxi data (default: BUCKET/data/*.csv)")
    p.add_argument("--image", default="tabx:0.1.0")
    p.add_argument("--shards", type=int, default=4, help="pods per heavy step")
    p.add_argument("--secret", default="tabx-object-store", help="Secret with the object-store credentials")
    p.add_argument("--namespace", default="tabx")
    p.add_argument("-o", "--output", required=True, help="folder for one YAML file per step")
    a = p.parse_args()
    if a.shards < 1:
        p.error("--shards must be at least 1")
    out = pathlib.Path(a.output)
    out.mkdir(parents=True, exist_ok=True)
    data = a.data or a.bucket.rstrip("/") + "/data/*.csv"
    for name, manifest in render(a.bucket, data, a.image, a.shards, a.secret, a.namespace):
        # JSON is YAML: no PyYAML needed, and kubectl reads it as is.
        (out / f"{name}.yaml").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(STEPS)} Jobs to {out}/ ({a.shards} pods per sharded step)")


if __name__ == "__main__":
    main()
