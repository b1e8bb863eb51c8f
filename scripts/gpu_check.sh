#!/usr/bin/env bash
# The course's checks that need a GPU, in one run (about 10 minutes on an H100-class card):
#   1. every notebook in full mode with the offline stand-ins, on CUDA (fails off CUDA);
#   2. lessons 01 and 09 under COURSE_PRECISION=fp16, the T4's precision;
#   3. the speed benchmark at GPT-2 small's shape (random weights, review-length rows).
# Reports land in ${OUT:-outputs/gpu}: run_notebooks*.json, finetune_speed_gpt2.json, gpu.log.
#     bash scripts/gpu_check.sh            # from the repository root, with .venv set up
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
OUT=${OUT:-outputs/gpu}
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
exec > >(tee "$OUT/gpu.log") 2>&1
status=0
nvidia-smi --query-gpu=name,compute_cap,memory.total --format=csv || true
$PY scripts/run_notebooks.py --require-cuda --json "$OUT/run_notebooks.json" || status=1
COURSE_PRECISION=fp16 $PY scripts/run_notebooks.py --require-cuda --only 01 09 \
    --json "$OUT/run_notebooks_fp16.json" || status=1
$PY benchmarks/finetune_speed.py --shape gpt2 --json "$OUT/finetune_speed_gpt2.json" \
    --output-dir "$OUT/bench" || status=1
rm -rf "$OUT/bench"
exit $status
