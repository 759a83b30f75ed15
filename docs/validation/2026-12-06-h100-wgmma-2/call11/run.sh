# call 11 (issue 25): v10.11 (33e2d4d) beside its peers (the table, one bench run, 300 samples per row); recorded onto the climb history and gated against v10.10
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main && git log --oneline -1 33e2d4d | cut -c1-80
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 150 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
grep -vE '^\[' $L/bench-all.log | tail -n 26
mkdir -p .asv && cp -r .probe/results .asv/results
timeout 45 python3 -m fcbench record 33e2d4d > $L/record-33e2d4d.log 2>&1; echo "record rc=$?: $(tail -n 1 $L/record-33e2d4d.log | cut -c1-60)"
timeout 30 python3 -m fcbench gate 8769f05 33e2d4d --results-dir .asv/results --markdown $L/gate-8769f05c-33e2d4d.md --json $L/gate-8769f05c-33e2d4d.json > $L/gate-8769f05c-33e2d4d.log 2>&1; echo "gate rc=$?: $(tail -n 1 $L/gate-8769f05c-33e2d4d.log)"
tar czf $OUT/results.tgz -C .asv results; pack
