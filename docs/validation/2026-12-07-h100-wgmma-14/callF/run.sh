# Issue 25, session 14 (2026-12-07), call F: call E cut to what fits the session's last device time
# (251 s left after three failed starts and a refusal): the landed kernel v10.20 (one warpgroup with 64-key tiles
# where S <= 64 on small grids) in the checkout, full check twice, the sanitizers, the launch-bound
# shapes beside mma_fused, the GPU tests. The issue's table is not rerun: the large shapes' kernels
# did not change.
#   bash docs/validation/2026-12-07-h100-wgmma-14/callF/run.sh   (carry .whl; about 2 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 120 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"
for i in 1 2; do timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-$i.log 2>&1; echo "full #$i rc=$?: $(tail -n 1 $L/check-full-$i.log) $(el)"; done
timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize.log 2>&1; echo "sanitize rc=$? $(el)"; tail -n 3 $L/sanitize.log; pack
timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused --shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 \
  --shape 1,1,64,128 --shape 1,2,64,128,causal --shape 1,8,512,64 --shape 2,4,1000,64 --min-samples 300 > $L/bench-small.log 2>&1; echo "bench small rc=$? $(el)"; pack
grep -E "^(mma_fused|wgmma_fused) " $L/bench-small.log | awk '{print $1, $2, $3}'
timeout 60 bash scripts/gpu-tests.sh "$(dirname "$(command -v python3)")" > $L/gpu-tests.log 2>&1; echo "gpu-tests rc=$? $(el)"; tail -n 1 $L/gpu-tests.log; pack
