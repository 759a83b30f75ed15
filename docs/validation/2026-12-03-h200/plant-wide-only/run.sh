#!/usr/bin/env bash
# Device call 5 (2026-12-03): the wide-only plant (scripts/mutation-test.sh's sed) on a copy of the tree,
# then `fcbench check --quick --variant mma_fused`: only the wide-grid cases may fail.
set -u
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; date -u
rm -rf /tmp/plant && mkdir -p /tmp/plant && tar --exclude=./.whl --exclude=./.gpu -cf - . | tar -xf - -C /tmp/plant && cd /tmp/plant
sed -i 's@ldmatrix_x4(qa\[mt\], q_lane.at(16 \* mt, kk));@ldmatrix_x4(qa[mt], q_lane.at(0, kk));@' csrc/kernels/mma_fused.cu
grep -c "q_lane.at(0, kk)" csrc/kernels/mma_fused.cu
timeout 120 python3 -m fcbench check --quick --variant mma_fused > "$OUT/plant-check.log" 2>&1; echo "check rc=$?"
grep -vE '^\[' "$OUT/plant-check.log" | tail -n 14
