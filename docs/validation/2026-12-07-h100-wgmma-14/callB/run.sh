# Session 14 (2026-12-07), call B: the gate's new way to fail on a GPU, and the GPU tests.
#   scripts/act-validate.sh G: pr.yml under act on scratch plant G (wmma_unfused taken out of the
#     registry by the pull request): the gate must say MISSING and exit 4 (gate.dropped).
#   scripts/gpu-tests.sh: pytest -m gpu, not rerun on a GPU since session 12's CPU-side commits.
#   bash docs/validation/2026-12-07-h100-wgmma-14/callB/run.sh   (carry .whl with act in it:
#   cp .venv/bin/act .whl/; about 3-4 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal, yaml' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; } | tee $L/device.txt
OUT=$L/act timeout 200 bash scripts/act-validate.sh G > $L/act-G.log 2>&1; echo "act-validate G rc=$? $(el)"; tail -n 3 $L/act-G.log
timeout 150 bash scripts/gpu-tests.sh "$(dirname "$(command -v python3)")" > $L/gpu-tests.log 2>&1; echo "gpu-tests rc=$? $(el)"; tail -n 2 $L/gpu-tests.log
