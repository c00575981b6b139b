#!/usr/bin/env bash
# Regenerates the golden artifacts of tests/tests/golden.rs with the tabx in
# target/debug (cargo build -p tabx-cli). Run it only when an artifact's
# format version is bumped, and keep the files of older versions that a newer
# tabx must still read or refuse by name: copy them to vN/ first.
set -euo pipefail
golden=$(cd "$(dirname "$0")" && pwd)
tabx=$(realpath "${TABX:-$golden/../../target/debug/tabx}")
data=$golden/../../datasets/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The first 2,000 taxi rows, named relatively so the partials' headers are the same on every run.
head -n 2001 "$data/data.csv" > "$work/rows.csv"
cd "$work"
q=(--quiet)
"$tabx" stats rows.csv -o "$golden/stats.json" "${q[@]}"
"$tabx" stats rows.csv --shard 0/1 --partial -o "$golden/stats.partial" "${q[@]}"
"$tabx" schema infer "$golden/stats.json" -o "$golden/schema.pbtxt" "${q[@]}"
"$tabx" transform fit rows.csv --spec "$data/taxi_transform.yaml" -o "$golden/transform.json" "${q[@]}"
"$tabx" transform fit rows.csv --spec "$data/taxi_transform.yaml" --shard 0/1 --partial -o "$golden/transform.partial" "${q[@]}"
"$tabx" train rows.csv --transform "$golden/transform.json" --label fare --kind linear -o "$golden/model.json" "${q[@]}"
"$tabx" train rows.csv --transform "$golden/transform.json" --label fare --kind linear --shard 0/1 --partial -o "$golden/encoder.partial" "${q[@]}"
"$tabx" merge "$golden/encoder.partial" -o "$golden/encoder.json" "${q[@]}"
"$tabx" train rows.csv --transform "$golden/transform.json" --label fare --kind linear --encoder "$golden/encoder.json" --shard 0/1 --partial -o "$golden/linear.partial" "${q[@]}"
"$tabx" predict rows.csv --transform "$golden/transform.json" --model "$golden/model.json" -o pred.parquet "${q[@]}"
"$tabx" evaluate pred.parquet --label fare --prediction prediction --slice payment_type -o "$golden/eval.json" "${q[@]}"
"$tabx" evaluate pred.parquet --label fare --prediction prediction --slice payment_type --shard 0/1 --partial -o "$golden/eval.partial" "${q[@]}"
# A partial whose header says format 1, to be refused by name. refused/stats-v2.partial
# is a real one of format 2 (before a numeric state below the exact cap kept its sums
# in its counts), written by the tabx of commit 9d29e5d.
python3 - "$golden" <<'PY'
import re, struct, sys
b = open(f"{sys.argv[1]}/stats.partial", "rb").read()
n = struct.unpack("<I", b[12:16])[0]
header = re.sub(rb'"format_version":\d+', b'"format_version":1', b[16:16 + n])
open(f"{sys.argv[1]}/refused/stats-v1.partial", "wb").write(b[:16] + header + b[16 + n:])
PY
ls -la "$golden"
