#!/usr/bin/env bash
# The report job's Python environment (main.yml, on a GitHub-hosted runner): a virtual environment
# at VENV holding exactly deploy/report-requirements.txt (every package pinned with its sha256:
# pip --require-hashes refuses anything else) and this checkout's fcbench, installed without its
# dependencies: `fcbench report` needs no torch, numpy or ninja (fcbench/shapes.py says why), so
# nothing unhashed is installed into the job that publishes the Pages site.
# Usage: scripts/report-env.sh VENV
set -euo pipefail
venv=${1:?usage: scripts/report-env.sh VENV}
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --require-hashes --only-binary=:all: --no-deps -r deploy/report-requirements.txt
# The build backend (setuptools) is the hashed one just installed: no isolated build, no index.
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation --no-index -e .
if "$venv/bin/python" -c "import torch" 2>/dev/null; then
  echo "report-env: torch is importable in $venv: the environment is not the lock file's" >&2; exit 1
fi
echo "report-env: fcbench and $(grep -c -- '--hash=' deploy/report-requirements.txt) hashed packages in $venv (no torch)"
