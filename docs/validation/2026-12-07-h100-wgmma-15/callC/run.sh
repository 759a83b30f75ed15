# Issue 25, session 15 (2026-12-07), call C: the checkout's kernel after call B's landing (v10.21: X, and
# U at D=64 only): full check, the sanitizers, the GPU tests, the launch-bound shapes beside mma_fused, then the issue's table (one fcbench bench
# run, 300 samples per row).
#   bash docs/validation/2026-12-07-h100-wgmma-15/callC/run.sh   (carry .whl; about 5 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 150 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"
timeout 60 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full rc=$?: $(tail -n 1 $L/check-full.log) $(el)"; pack
timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize.log 2>&1; echo "sanitize rc=$? $(el)"; tail -n 3 $L/sanitize.log; pack
timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused --shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 \
  --shape 1,1,64,128 --shape 1,2,64,128,causal --shape 1,1,128,64 --shape 1,2,128,128,causal --min-samples 300 > $L/bench-small.log 2>&1
echo "bench small rc=$? $(el)"; pack
timeout 120 bash scripts/gpu-tests.sh "$(dirname "$(command -v python3)")" > $L/gpu-tests.log 2>&1; echo "gpu-tests rc=$? $(el)"; tail -n 1 $L/gpu-tests.log; pack
timeout 150 python3 -m fcbench bench --variant mma_fused,wgmma_fused,sdpa_flash,sdpa_cudnn --shape 1,8,512,64 --shape 4,16,2048,64 \
  --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --min-samples 300 > $L/bench-table.log 2>&1
echo "bench table rc=$? $(el)"; pack
grep -E "^(mma_fused|wgmma_fused) " $L/bench-small.log | awk '{print $1, $2, $3}'
grep -E "^(mma_fused|wgmma_fused|sdpa_flash|sdpa_cudnn) " $L/bench-table.log | awk '{print $1, $2, $3, $6, $7, $8}'
