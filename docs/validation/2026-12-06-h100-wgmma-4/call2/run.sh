# session 4 call 2 (issue 25): the kept step ($1) as committed: full check + sanitizers; beside its peers (the issue's table, one bench run, 300 samples per row; also re-times mma_fused v9.5's final dispatch at the long causal shape); recorded onto the climb history and gated against v10.14; ncu of it at (4,16,2048,128)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main; HEAD8=$(git rev-parse --short=8 $1); git log --oneline -1 $1 | cut -c1-80
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum csrc/kernels/wgmma_fused.cu; git show $1:csrc/kernels/wgmma_fused.cu | md5sum; } | tee $L/device.txt
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full.log)"; pack
timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 80 > $L/sanitize.log 2>&1; echo "sanitize rc=$?"; tail -n 3 $L/sanitize.log; pack
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 170 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
mkdir -p .asv && rm -rf .asv/results && cp -r .probe/results .asv/results
timeout 70 python3 -m fcbench record $1 > $L/record-$HEAD8.log 2>&1; echo "record rc=$?: $(tail -n 1 $L/record-$HEAD8.log | cut -c1-60)"
timeout 30 python3 -m fcbench gate 34ca9fc6 $HEAD8 --results-dir .asv/results --markdown $L/gate-34ca9fc6-$HEAD8.md --json $L/gate-34ca9fc6-$HEAD8.json > $L/gate-34ca9fc6-$HEAD8.log 2>&1; echo "gate rc=$?: $(tail -n 1 $L/gate-34ca9fc6-$HEAD8.log)"
tar czf $OUT/results.tgz -C .asv results; pack
timeout 50 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats --section MemoryWorkloadAnalysis \
    python3 scripts/profile_call.py wgmma_fused 4,16,2048,128 1 > $L/ncu-4_16_2048_128.log 2>&1; echo "ncu rc=$?"; pack
grep -E "^\s+(Duration|Compute \(SM\) Throughput|Issue Slots Busy|No Eligible|L2 Cache Throughput)\s" $L/ncu-4_16_2048_128.log | tr -s ' '
grep -vE '^\[' $L/bench-all.log | tail -n 26
