# session 12 call I (issue 25): the H100 table with the landed kernel (P1 in the checkout):
# one fcbench bench run, mma_fused, wgmma_fused, sdpa_flash, sdpa_cudnn at the six shapes.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callI/run.sh   (carry .whl; about 2 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 120 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"
timeout 200 python3 -m fcbench bench --variant mma_fused,wgmma_fused,sdpa_flash,sdpa_cudnn --shape 1,8,512,64 --shape 4,16,2048,64 \
  --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --min-samples 300 > $L/bench-table.log 2>&1
echo "bench rc=$? $(el)"; grep -E "^(mma_fused|wgmma_fused|sdpa_flash|sdpa_cudnn) " $L/bench-table.log
