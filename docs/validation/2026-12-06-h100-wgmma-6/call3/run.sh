# session 6 call 3 (issue 25): main + the multiprocessor count written once in launch.cuh (this checkout; host code only) quick-checked for every variant; then ncu at (1,8,512,64) and (1,8,512,64,causal) of wgmma_fused (this checkout), v10.17d (the cluster key split, .probe/v1017) and mma_fused: where the microseconds go at the one shape where wgmma_fused is not below mma_fused
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
K=csrc/kernels; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
mkdir -p /tmp/main; cp $K/{launch.cuh,mma_fused.cu,wgmma_fused.cu} /tmp/main/
use() { for f in launch.cuh mma_fused.cu wgmma_fused.cu; do cp $1/$f $K/$f; done; }
{ nvidia-smi -L; date -u; md5sum $K/*.cu $K/*.cuh .probe/v1017/*; } | tee $L/device.txt
timeout 150 python3 -m fcbench check --quick > $L/check-quick.log 2>&1; echo "quick check (all variants) rc=$?: $(el)"; tail -n 9 $L/check-quick.log; pack
NCU="ncu --clock-control none --section SpeedOfLight --section LaunchStats --section Occupancy --section SchedulerStats --section WarpStateStats --section MemoryWorkloadAnalysis"
timeout 60 $NCU -k regex:wgmma_fused_ python3 scripts/profile_call.py wgmma_fused 1,8,512,64 1,8,512,64,causal 1 > $L/ncu-wgmma-main.log 2>&1; echo "ncu wgmma main rc=$? $(el)"; pack
timeout 60 $NCU -k regex:mma_fused_ python3 scripts/profile_call.py mma_fused 1,8,512,64 1,8,512,64,causal 1 > $L/ncu-mma_fused.log 2>&1; echo "ncu mma_fused rc=$? $(el)"; pack
use .probe/v1017
timeout 90 $NCU -k regex:wgmma_fused_ python3 scripts/profile_call.py wgmma_fused 1,8,512,64 1,8,512,64,causal 1 > $L/ncu-wgmma-v1017.log 2>&1; echo "ncu wgmma v10.17 rc=$? $(el)"; pack
use /tmp/main
for n in wgmma-main wgmma-v1017 mma_fused; do echo "== $n"; grep -E "^\s+(Duration|Grid Size|Cluster Size|Registers Per Thread|Achieved Active Warps Per SM|No Eligible|Issued Warp Per Scheduler)\s" $L/ncu-$n.log | tr -s ' ' | paste -sd' '; done
