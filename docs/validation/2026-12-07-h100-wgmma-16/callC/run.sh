# Issue 25, session 16 (2026-12-07), call C: the fifteenth session's call C cut to fit what device time
# was left (454 s): v10.21's own build, full check and sanitizers (correct before fast), then the
# launch-bound shapes beside mma_fused. The GPU tests and the table stay in -15/callC/run.sh.
#   bash docs/validation/2026-12-07-h100-wgmma-16/callC/run.sh   (carry .whl; about 3 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 150 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"
timeout 60 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full rc=$?: $(tail -n 1 $L/check-full.log) $(el)"; pack
timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize.log 2>&1; echo "sanitize rc=$? $(el)"; tail -n 3 $L/sanitize.log; pack
timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused --shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 \
  --shape 1,1,64,128 --shape 1,2,64,128,causal --shape 1,1,128,64 --shape 1,2,128,128,causal --shape 1,8,512,64 --min-samples 300 > $L/bench-small.log 2>&1
echo "bench small rc=$? $(el)"; pack
grep -E "^(mma_fused|wgmma_fused) " $L/bench-small.log | awk '{print $1, $2, $3}'
