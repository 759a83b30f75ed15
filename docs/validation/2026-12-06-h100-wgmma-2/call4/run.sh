# call 4 (issue 25): v10.8 as committed: full check, sanitizers, then the table in one fcbench bench run (300 samples per row)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log --oneline -1; git status --short | head -3; } | tee $L/device.txt
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full.log)"; pack
timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 40 > $L/sanitize.log 2>&1; echo "sanitize rc=$?"; tail -n 4 $L/sanitize.log; pack
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 200 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
timeout 30 python3 -m fcbench resources --variant wgmma_fused --arch sm_90 > $L/resources.log 2>&1; pack
grep -vE '^\[' $L/bench-all.log | tail -n 28
