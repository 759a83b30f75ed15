#!/usr/bin/env bash
# A CI job's own Python environment: a virtual environment at VENV that sees the runner image's
# CUDA torch (and ninja, asv) read-only through --system-site-packages, with this
# checkout's fcbench installed into it alone. Nothing outside VENV changes, so what one job
# installs (a pull request's build backend included) is gone with it and never reaches the next.
# Usage: scripts/job-env.sh VENV
set -euo pipefail
venv=${1:?usage: scripts/job-env.sh VENV}
python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
"$venv/bin/python" -c "import torch, fcbench; assert torch.version.cuda, 'the runner image needs a CUDA build of torch'"
echo "job-env: fcbench in $venv over $("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)')"
