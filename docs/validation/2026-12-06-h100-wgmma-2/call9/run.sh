# call 9 (issue 25): v10.10 (8769f05) as committed beside its peers: the table in one fcbench bench run (300 samples per row); ncu of v10.10 and cuDNN at (4,16,2048,128)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 200 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
grep -vE '^\[' $L/bench-all.log | tail -n 26
timeout 50 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats --section MemoryWorkloadAnalysis \
  python3 scripts/profile_call.py wgmma_fused 4,16,2048,128 1 > $L/ncu-v1010-4_16_2048_128.log 2>&1; echo "ncu rc=$?"; pack
timeout 40 ncu --clock-control none -k regex:'cudnn|fmha|sdpa|flash' --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats \
  python3 scripts/profile_call.py sdpa_cudnn 4,16,2048,128 1 > $L/ncu-cudnn-4_16_2048_128.log 2>&1; echo "ncu cudnn rc=$?"; pack
for f in $L/ncu-*.log; do echo "$(basename $f): $(grep -E '^\s+(Duration|Compute \(SM\) Throughput|Issue Slots Busy|No Eligible|SM Frequency|Executed Ipc Active)\s' $f | tr -s ' ' | paste -sd';')"; grep -E "highest-utilized" $f | head -1; done
