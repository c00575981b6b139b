#!/usr/bin/env bash
# Builds, on this machine, what benches/gpu/run.sh runs on a GPU machine (which
# has CUDA 13 and Python but no Rust toolchain): the release binary, the CUDA
# parity tests and the kernel benchmark, all with `--features cuda`, gzipped
# into out/gpu/ (git-ignored; carry it with the device tool's `carry: ["out/gpu"]`).
#
#   benches/gpu/build.sh && <device> bash benches/gpu/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
out=out/gpu
mkdir -p "$out"
cargo build --release --locked -p tabx-cli --features cuda
cargo build --release --locked -p tabx-transform --features cuda --example gpu_bench
# The parity tests' binary: cargo prints its path as JSON.
parity=$(cargo test --release --locked -p tabx-transform --features cuda --test cuda_parity --no-run --message-format json \
  | python3 -c 'import json,sys; print([m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable") and "cuda_parity" in m["executable"]][0])')
gzip -9c "$target/release/tabx" > "$out/tabx.gz"
gzip -9c "$target/release/examples/gpu_bench" > "$out/gpu_bench.gz"
gzip -9c "$parity" > "$out/cuda_parity.gz"
du -ch "$out"/*.gz
