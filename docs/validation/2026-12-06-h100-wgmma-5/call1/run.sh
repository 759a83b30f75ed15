# session 5 call (issue 25): ncu of each climb step that had none: the step's kernel source (git show COMMIT:csrc/kernels/wgmma_fused.cu, in .probe/steps/) swapped into this checkout, built, then one ncu process over four shapes
# .probe/steps/<version>-<commit>.cu is `git show <commit>:csrc/kernels/wgmma_fused.cu` (md5 in device.txt); run as `bash run.sh v10.0 v10.3 ...` from the repository root (this line added after the run)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum .probe/steps/*.cu; } | tee $L/device.txt
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
W=csrc/kernels/wgmma_fused.cu; cp $W /tmp/keep.cu
SH="1,8,512,64 4,16,2048,64 4,16,2048,128 4,16,2048,64,causal"
for s in "$@"; do f=$(ls .probe/steps/$s-*.cu); n=$(basename $f .cu); cp $f $W; t0=$(date +%s)
  timeout 90 python3 -m fcbench build > $L/build-$n.log 2>&1; echo "$n build rc=$? $(( $(date +%s) - t0 )) s"
  timeout 100 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section ComputeWorkloadAnalysis --section SchedulerStats --section WarpStateStats --section Occupancy --section LaunchStats \
    python3 scripts/profile_call.py wgmma_fused $SH 1 > $L/ncu-$n.log 2>&1; echo "$n ncu rc=$? $(( $(date +%s) - t0 )) s"; pack; done
cp /tmp/keep.cu $W
for s in "$@"; do n=$(basename $(ls .probe/steps/$s-*.cu) .cu); echo "== $n"; grep -E "^\s+(Duration|Compute \(SM\) Throughput|Issue Slots Busy|No Eligible)\s" $L/ncu-$n.log | tr -s ' ' | paste -sd' ' | cut -c1-400; done
