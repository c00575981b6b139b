#!/usr/bin/env bash
# The CUDA backend on a GPU machine, in one go (under 8 minutes on one H200):
# parity tests, kernel-only and per-call benchmarks, then the taxi transform
# fit + apply on 20M generated rows, GPU against all of the machine's cores.
# Needs out/gpu/ from benches/gpu/build.sh. Figures go to benches/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(mktemp -d)
for f in out/gpu/*.gz; do name=$(basename "$f" .gz); gunzip -c "$f" > "$bin/$name"; chmod +x "$bin/$name"; done
# CUDA 13's NVRTC: the toolkit's, or the pip wheel's.
for d in /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 $(python3 -c 'import nvidia.cu13, os; print(os.path.dirname(nvidia.cu13.__file__) + "/lib")' 2>/dev/null); do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export TABX_REQUIRE_GPU=1 TABX_LOG=info
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
echo "== parity: GPU outputs against the CPU's"
"$bin/cuda_parity" --test-threads 1 --nocapture
echo "== kernels and calls on 20M values"
"$bin/gpu_bench" 20000000
echo "== taxi transform fit + apply, 20M rows, whole processes"
work=$(mktemp -d)
"$bin/tabx" datasets taxi --rows 20000000 --seed 1 -o "$work/taxi.parquet"
spec=datasets/data/taxi_transform.yaml
timed() { local start=$(date +%s.%N); "$@" > /dev/null 2>&1; echo "$(date +%s.%N) - $start" | bc; }
for device in cpu cuda; do
  fit=$(timed "$bin/tabx" transform fit "$work/taxi.parquet" --spec $spec -o "$work/t_$device.json" --device $device)
  apply=$(timed "$bin/tabx" transform apply "$work/taxi.parquet" --transform "$work/t_cpu.json" -o "$work/out_$device.parquet" --device $device)
  echo "$device: fit ${fit}s apply ${apply}s ($(nproc) CPU threads)"
done
cmp "$work/t_cpu.json" "$work/t_cuda.json" && echo "transform.json: identical on cpu and cuda"
