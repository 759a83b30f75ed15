# Issue 25, session 15 (2026-12-07, from 17:40 UTC), call A: the closing runs for v10.20 (HEAD 3bc5765's
# kernel): scratch plant G under act with the head's own harness (PYTHONPATH unset by act-validate.sh
# since session 14), the GPU tests whole, and the issue's table from one fcbench bench run, 300
# samples per row, beside the peers.
#   bash docs/validation/2026-12-07-h100-wgmma-15/callA/run.sh   (carry .whl with act in it; about 5 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD  # act-validate.sh unsets it for the job
python3 -c 'import asv, pygal, yaml' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
OUT=$L/act timeout 150 bash scripts/act-validate.sh G > $L/act-G.log 2>&1; echo "act-validate G rc=$? $(el)"; tail -n 3 $L/act-G.log; pack
timeout 120 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"
timeout 150 python3 -m fcbench bench --variant mma_fused,wgmma_fused,sdpa_flash,sdpa_cudnn --shape 1,8,512,64 --shape 4,16,2048,64 \
  --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --min-samples 300 > $L/bench-table.log 2>&1
echo "bench table rc=$? $(el)"; pack
timeout 120 bash scripts/gpu-tests.sh "$(dirname "$(command -v python3)")" > $L/gpu-tests.log 2>&1; echo "gpu-tests rc=$? $(el)"; tail -n 1 $L/gpu-tests.log; pack
grep -E "^(mma_fused|wgmma_fused|sdpa_flash|sdpa_cudnn) " $L/bench-table.log | awk '{print $1, $2, $3, $6, $7, $8}'
