# session 6 call 2 (issue 25): ncu of the three wgmma climb steps still without it (v10.11 33e2d4d, v10.12 ec2d956, v10.13 9d654b0), by scripts/ncu-climb.sh (its first run on a GPU), at the four shapes of the earlier steps
# .probe/g.git: `git clone --bare --depth 40 file://$PWD .probe/g.git` of main at 903231d (the device checkout has no history).
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $OUT/device.txt
GIT_DIR=$PWD/.probe/g.git timeout 280 bash scripts/ncu-climb.sh wgmma_fused "1,8,512,64 4,16,2048,64 4,16,2048,128 4,16,2048,64,causal" 33e2d4d ec2d956 9d654b0; echo "ncu-climb rc=$?"
md5sum csrc/kernels/wgmma_fused.cu; git hash-object csrc/kernels/wgmma_fused.cu; GIT_DIR=$PWD/.probe/g.git git rev-parse main:csrc/kernels/wgmma_fused.cu
mkdir -p /tmp/t && tar xzf $OUT/ncu-climb.tgz -C /tmp/t && cat /tmp/t/ncu-climb/summary.txt /tmp/t/ncu-climb/sources.txt && python3 docs/validation/2026-12-06-h100-wgmma-5/ncu_table.py /tmp/t/ncu-climb/ncu-*.log 2>&1 | tail -n 30
