# NOT YET RUN (no machine was left this session). The next device call for issue 25, from the
# repository root on an H100: ncu of the three climb steps still without it, then v10.17c's D=128
# failure isolated (which head dims take the cluster path, the per-block errors, memcheck and
# racecheck at (2,3,512,128)). Kernel sources are swapped into the checkout and restored.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
D=docs/validation/2026-12-06-h100-wgmma-5; W=csrc/kernels/wgmma_fused.cu
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
cp $W /tmp/main.cu; { nvidia-smi -L; date -u; } | tee $L/device.txt
for step in v10.11:33e2d4d v10.12:ec2d956 v10.13:9d654b0; do n=${step%%:*}; git show ${step##*:}:$W > $W
  md5sum $W | tee -a $L/device.txt; timeout 90 python3 -m fcbench build > $L/build-$n.log 2>&1
  timeout 100 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section SchedulerStats --section WarpStateStats --section Occupancy --section LaunchStats \
    python3 scripts/profile_call.py wgmma_fused 1,8,512,64 4,16,2048,64 4,16,2048,128 4,16,2048,64,causal 1 > $L/ncu-$n.log 2>&1
  echo "$n ncu rc=$?"; pack; done
cp $D/wgmma_fused-v10.17c.cu $W && patch -s $W $D/next/print-pairs.patch && md5sum $W | tee -a $L/device.txt
timeout 90 python3 $D/next/dbg.py 2,3,512,64 2,3,512,128 2,3,256,128 1,1,512,128 2,3,512,128,c 1,1,1024,64 > $L/dbg.log 2>&1; echo "dbg rc=$?"; pack
for tool in memcheck racecheck; do timeout 60 compute-sanitizer --tool $tool python3 scripts/profile_call.py wgmma_fused 2,3,512,128 1 > $L/$tool.log 2>&1
  echo "$tool rc=$?"; pack; done
cp /tmp/main.cu $W; grep -v Warning $L/dbg.log | head -40
