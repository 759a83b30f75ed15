#!/usr/bin/env bash
# The GPU tests (pytest -m gpu) in a CI job's environment (main.yml's nightly run, on each GPU
# kind). On a GPU runner a machine without a working CUDA device fails here, loudly, instead of
# letting every GPU test skip. FCBENCH_JOB_CPU=1 (the workflow tests on a machine without a GPU)
# runs them anyway: they skip, and say so.
# Usage: scripts/gpu-tests.sh BIN_DIR   (the job environment's bin/, with pytest importable)
set -euo pipefail
bin=${1:?usage: scripts/gpu-tests.sh BIN_DIR}
[[ -x $bin/python ]] || { echo "gpu-tests: BIN_DIR: no python in $bin (the job environment's bin/)" >&2; exit 2; }
if ! "$bin/python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  if [ "${FCBENCH_JOB_CPU:-}" != 1 ]; then
    echo "gpu-tests: no CUDA device in this job: the GPU tests would all skip" >&2; exit 3
  fi
  echo "gpu-tests: no CUDA device (FCBENCH_JOB_CPU=1): the GPU tests skip"
fi
exec "$bin/python" -m pytest -m gpu -q -rs -p no:cacheprovider tests
