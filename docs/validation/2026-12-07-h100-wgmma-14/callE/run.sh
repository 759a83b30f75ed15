# Issue 25, session 14 (2026-12-07), call E: the landed kernel (call D's T: one warpgroup with 64-key
# tiles where S <= 64 on small grids) in the checkout: full check twice, the sanitizers, the
# launch-bound shapes beside mma_fused, the GPU tests, then the issue's table (one fcbench bench
# run, 300 samples per row; last, since the large shapes' kernels did not change).
#   bash docs/validation/2026-12-07-h100-wgmma-14/callE/run.sh   (carry .whl; about 4 minutes)
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
timeout 60 bash scripts/gpu-tests.sh "$(dirname "$(command -v python3)")" > $L/gpu-tests.log 2>&1; echo "gpu-tests rc=$? $(el)"; tail -n 1 $L/gpu-tests.log; pack
timeout 150 python3 -m fcbench bench --variant mma_fused,wgmma_fused,sdpa_flash,sdpa_cudnn --shape 1,8,512,64 --shape 4,16,2048,64 \
  --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --min-samples 300 > $L/bench-table.log 2>&1
echo "bench table rc=$? $(el)"; pack
grep -E "^(mma_fused|wgmma_fused) " $L/bench-small.log | awk '{print $1, $2, $3}'
grep -E "^(mma_fused|wgmma_fused|sdpa_flash|sdpa_cudnn) " $L/bench-table.log | awk '{print $1, $2, $3, $6, $7, $8}'
