#!/usr/bin/env bash
# A CI job's own Python environment: a virtual environment at VENV that sees the runner image's
# CUDA torch (and ninja, asv) read-only, with this checkout's fcbench installed into it alone.
# The image's packages are layered in by a .pth file naming the image interpreter's site
# directories, after the environment's own: unlike --system-site-packages this works the same
# where the image's interpreter is itself a virtual environment, and leaves out the user site
# (~/.local), which a previous job could have written to. Nothing outside VENV changes, so what
# one job installs (a pull request's build backend included) is gone with it.
# Usage: scripts/job-env.sh VENV     (FCBENCH_RUNNER_PYTHON: the image's interpreter, default python3)
set -euo pipefail
venv=${1:?usage: scripts/job-env.sh VENV}
image_python=${FCBENCH_RUNNER_PYTHON:-python3}
"$image_python" -m venv --without-pip "$venv"
purelib=$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
"$image_python" -c "import site; print('\n'.join(site.getsitepackages()))" > "$purelib/zz-runner-image.pth"
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation -e .
# FCBENCH_JOB_CPU=1: the workflow tests (tests/test_act_workflows.py) run the jobs on a machine without a GPU.
"$venv/bin/python" -c "import os, torch, fcbench; assert torch.version.cuda or os.environ.get('FCBENCH_JOB_CPU') == '1', 'the runner image needs a CUDA build of torch'"
# The job's later steps (GITHUB_ENV): a HOME of the job's own beside the environment, removed by
# job-cleanup.sh, and no user site, so that nothing under a shared ~ (a .pth, a git or pip config
# a previous job wrote) takes part in this job, nor does this job leave anything there.
if [ -n "${GITHUB_ENV:-}" ]; then
  home="$(cd "$(dirname "$venv")" && pwd)/home"
  mkdir -p "$home"
  printf 'HOME=%s\nPYTHONNOUSERSITE=1\n' "$home" >> "$GITHUB_ENV"
fi
echo "job-env: fcbench in $venv over $("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)')"
