#!/usr/bin/env bash
# Runs one sharded step in the image as Kubernetes would: two containers of
# `tabx stats --shard auto/2 --partial` with JOB_COMPLETION_INDEX set, no
# network, read-only root, no capabilities, user 65532, then `tabx merge` in a
# third, and compares the merged statistics' exact figures with a run of
# everything at once in one container. Shard 1's first container is killed
# mid-write (TABX_FAILPOINT, exit 137 as a SIGKILLed pod): it must leave no
# partial, the merge must refuse the missing shard, and the rerun of index 1
# must complete the set. .ci/run runs this.
#
#   k8s-job/image/build.sh && k8s-job/image/smoke.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
chmod 777 "$out"
# runc through a wrapper that drops the rlimits podman asks for: this sandbox
# refuses to set them (a Kubernetes node does not need the wrapper).
runtime=${TABX_OCI_RUNTIME:-$PWD/k8s-job/image/runc-without-rlimits}
run() {
  podman --storage-driver vfs run --rm --runtime "$runtime" --network none --read-only --cap-drop ALL \
    --user 65532 --tmpfs /tmp -v "$PWD/datasets/data:/data:ro" -v "$out:/out" "$@"
}
shard() { # INDEX [podman options]: one pod of the Indexed Job
  local i=$1; shift
  run -e JOB_COMPLETION_INDEX="$i" "$@" "tabx:$version" stats /data/data.csv --shard auto/2 --partial \
    -o "/out/stats/part-$i.partial" -q
}
shard 0
status=0
shard 1 -e TABX_FAILPOINT=partial-mid-write || status=$?
[ "$status" = 137 ] || { echo "shard 1 with the failpoint exited $status, not 137 (SIGKILL)"; exit 1; }
[ ! -e "$out/stats/part-1.partial" ] || { echo "a killed shard left a partial"; exit 1; }
if run "tabx:$version" merge '/out/stats/part-*.partial' -o /out/merged.json -q 2>"$out/merge.err"; then
  echo "the merge accepted a missing shard"; exit 1
fi
grep -q "missing shards: 1/2" "$out/merge.err" || { cat "$out/merge.err"; exit 1; }
shard 1 # the Job controller's retry of index 1
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
print(f"image smoke test: shard 1 killed mid-write left nothing and the merge refused the gap; after its rerun, "
      f"2 shards merged in containers = one run ({whole['num_examples']} examples, "
      f"{len(whole['features'])} features, exact figures identical)")
PY
