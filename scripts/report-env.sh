#!/usr/bin/env bash
# The report job's Python environment (main.yml, on a GitHub-hosted runner): a virtual environment
# at VENV with the CPU build of torch (enough to read results and draw the report) and this
# checkout's fcbench, so that nothing is installed into the runner's own interpreter.
# Usage: scripts/report-env.sh VENV
#   FCBENCH_TORCH_INDEX: the index torch comes from (default PyTorch's CPU index; set and empty:
#   pip's own configuration, as the workflow tests use on a machine that has the wheel locally).
set -euo pipefail
venv=${1:?usage: scripts/report-env.sh VENV}
index=${FCBENCH_TORCH_INDEX-https://download.pytorch.org/whl/cpu}
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q torch==2.13.0 ${index:+--index-url "$index"}
"$venv/bin/python" -m pip install -q -e .
echo "report-env: fcbench in $venv over $("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)' 2>/dev/null)"
