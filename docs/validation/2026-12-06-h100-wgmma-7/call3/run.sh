# session 7 validation, part 1 (issue 25): the kept kernel as committed ($1, v10.19): full check, the three sanitizers, the GPU tests.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
git fetch -q .probe/v1/climb.bundle main:refs/heads/climb-main; H8=$(git rev-parse --short=8 $1)
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; echo "commit $H8"; md5sum csrc/kernels/wgmma_fused.cu csrc/bindings.cpp; git show $1:csrc/kernels/wgmma_fused.cu | md5sum; } | tee $L/device.txt
timeout 170 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full.log) $(el)"; pack
timeout 120 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 100 > $L/sanitize.log 2>&1; echo "sanitize rc=$? $(el)"; tail -n 4 $L/sanitize.log; pack
printf '#!/bin/sh\nexec python3 "$@"\n' > /tmp/python; chmod +x /tmp/python
timeout 120 bash scripts/gpu-tests.sh /tmp > $L/gpu-tests.log 2>&1; echo "gpu tests rc=$?: $(tail -n 1 $L/gpu-tests.log) $(el)"; pack
