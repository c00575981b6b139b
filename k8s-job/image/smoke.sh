#!/usr/bin/env bash
# Runs one sharded step in the image as Kubernetes would: two containers of
# `tabx stats --shard auto/2 --partial` with JOB_COMPLETION_INDEX set, no
# network, read-only root, no capabilities, user 65532, then `tabx merge` in a
# third, and compares the merged statistics' exact figures with a run of
# everything at once in one container.
#
#   k8s-job/image/build.sh && k8s-job/image/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
out=$(mktemp -d)
chmod 777 "$out"
# runc through a wrapper that drops the rlimits podman asks for: this sandbox
# refuses to set them (a Kubernetes node does not need the wrapper).
runtime=${TABX_OCI_RUNTIME:-$PWD/k8s-job/image/runc-without-rlimits}
run() {
  podman --storage-driver vfs run --rm --runtime "$runtime" --network none --read-only --cap-drop ALL \
    --user 65532 --tmpfs /tmp -v "$PWD/datasets/data:/data:ro" -v "$out:/out" "$@"
}
for i in 0 1; do
  run -e JOB_COMPLETION_INDEX=$i "tabx:$version" stats /data/data.csv --shard auto/2 --partial \
    -o "/out/stats/part-$i.partial" -q
done
run "tabx:$version" merge '/out/stats/part-*.partial' -o /out/merged.json -q
run "tabx:$version" stats /data/data.csv -o /out/whole.json -q
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
whole, merged = (json.load(open(f"{out}/{n}.json"))["datasets"][0] for n in ("whole", "merged"))
assert whole["num_examples"] == merged["num_examples"] == 15002, (whole["num_examples"], merged["num_examples"])
for a, b in zip(whole["features"], merged["features"]):
    for key in ("mean", "std_dev", "min", "max", "num_zeros"):
        assert a.get("num_stats", {}).get(key) == b.get("num_stats", {}).get(key), (a["name"], key)
print(f"image smoke test: 2 shards merged in containers = one run ({whole['num_examples']} examples, "
      f"{len(whole['features'])} features, exact figures identical)")
PY
rm -rf "$out"
