# call 6 (issue 25): v10.9 as committed beside its peers (the table, one bench run, 300 samples per row), then the climb v10.0 -> v10.3 -> v10.5 -> v10.8 -> v10.9 recorded and gated step by step
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main && git log --oneline -1 0ad989c
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git diff --stat 0ad989c -- csrc fcbench | tail -1; } | tee $L/device.txt
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 200 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
grep -vE '^\[' $L/bench-all.log | tail -n 26
FCBENCH="python3 -m fcbench" timeout 330 bash scripts/record-climb.sh ba49b57 6b926dd 75bde29 0c5d5f9 0ad989c; echo "climb rc=$?"
