# call 6 (session 3, issue 25): v10.14 (34ca9fc) beside its peers (the table, one bench run, 300 samples per row); recorded onto the climb history and gated against v10.13; ncu of v10.14 and of cuDNN's kernel at (4,16,2048,128) and (4,16,2048,64)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main && git log --oneline -1 34ca9fc | cut -c1-80
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum csrc/kernels/wgmma_fused.cu; git show 34ca9fc:csrc/kernels/wgmma_fused.cu | md5sum; } | tee $L/device.txt
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 170 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
grep -vE '^\[' $L/bench-all.log | tail -n 26
mkdir -p .asv && rm -rf .asv/results && cp -r .probe/results .asv/results
timeout 60 python3 -m fcbench record 34ca9fc > $L/record-34ca9fc9.log 2>&1; echo "record rc=$?: $(tail -n 1 $L/record-34ca9fc9.log | cut -c1-60)"
timeout 30 python3 -m fcbench gate 9d654b03 34ca9fc9 --results-dir .asv/results --markdown $L/gate-9d654b03-34ca9fc9.md --json $L/gate-9d654b03-34ca9fc9.json > $L/gate-9d654b03-34ca9fc9.log 2>&1; echo "gate rc=$?: $(tail -n 1 $L/gate-9d654b03-34ca9fc9.log)"
tar czf $OUT/results.tgz -C .asv results; pack
for sh in 4,16,2048,128 4,16,2048,64; do
  timeout 50 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats --section MemoryWorkloadAnalysis \
    python3 scripts/profile_call.py wgmma_fused $sh 1 > $L/ncu-v1014-${sh//,/_}.log 2>&1; echo "ncu $sh rc=$?"; pack
  timeout 40 ncu --clock-control none -k regex:'cudnn|fmha|sdpa|flash' --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
    python3 scripts/profile_call.py sdpa_cudnn $sh 1 > $L/ncu-cudnn-${sh//,/_}.log 2>&1; echo "ncu cudnn $sh rc=$?"; pack; done
for f in $L/ncu-*.log; do echo "$(basename $f): $(grep -E '^\s+(Duration|Compute \(SM\) Throughput|Issue Slots Busy|No Eligible|Executed Ipc Active)\s' $f | tr -s ' ' | paste -sd';')"; grep -E "highest-utilized" $f | head -1 | cut -c1-200; done
