#!/usr/bin/env bash
# pr.yml and pr-comment.yml executed by act on a GPU machine standing in for the self-hosted runner
# (issue 22): the real `fcbench ci pr` (builds, the measuring process, compute-sanitizer) on the
# scratch repository's commits (scripts/scratch-repo.sh), one pull request A -> PLANT each:
#   B docs only (pass, 0)   C wmma_fused_cpasync sleeps per K/V tile (FAIL-LATENCY, 6)
#   D wmma_qk's K layout bug (FAIL-CORRECTNESS, 4)   E wmma_qk's register blow-up (FAIL-RESOURCES, 5)
#   G wmma_unfused taken out of the registry (MISSING, 4)
# Asserts each gate job's conclusion and exit code and what the PR comment says; act's logs, the
# gate's markdown and JSON go to $OUT/act-logs.tgz.
# Usage: scripts/act-validate.sh [PLANT...]   (default: B C)
# Carry .whl: asv's wheels, pygal and pyyaml (scripts/gate-validate.sh's header) and act's binary (cp .venv/bin/act .whl/).
set -euo pipefail
OUT=${OUT:-$PWD/gpu-logs}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -v -i warning || true
export FCBENCH_ACT=$PWD/.whl/act PYTHONUNBUFFERED=1
# act runs the jobs on this host with its environment: a PYTHONPATH here (a device call's script
# exporting the tree under test) would put that tree's fcbench ahead of the job's own install of
# the pull request's checkout (session 14's call B measured plant G with the base's registry so).
unset PYTHONPATH
if [ $# -eq 0 ]; then set -- B C; fi
python3 scripts/act_validate.py "$OUT" "$@"
