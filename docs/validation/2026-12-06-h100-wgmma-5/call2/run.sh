# session 5 call (issue 25): v10.17 (fd0bfbfb; .probe/v1017c.cu = its kernel with launch.cuh's two helpers inlined for this checkout, the same sm_90a SASS) = v10.15 + the key split in clusters of two blocks: quick check; benched against v10.15 (.probe/v1015h.cu = main's kernel) alternated twice at the small shapes beside mma_fused and the SDPA peers; full check and sanitizers; recorded onto the climb and gated against v10.15 (06d33509); ncu at (1,8,512,64); then ncu of the climb steps v10.11-v10.13
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle v10.17:refs/heads/v10.17; C=$(git rev-parse --short=8 v10.17)
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum .probe/v1015h.cu .probe/v1017c.cu; git show v10.17:csrc/kernels/wgmma_fused.cu | md5sum; echo "v10.17 = $C"; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
cp .probe/v1017c.cu $W; timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1017c.log 2>&1; rc=$?; echo "v1017c quick check rc=$rc: $(tail -n 1 $L/check-v1017c.log) $(el)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG|rror" $L/check-v1017c.log | head -8; cp .probe/v1015h.cu $W; exit 1; }
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
for n in v1015h v1017c v1015h-b v1017c-b; do cp .probe/${n%-b}.cu $W
  timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$? $(el)"; pack; done
for n in v1015h v1017c v1015h-b v1017c-b; do echo "== $n"; grep -E "^(wgmma_fused|mma_fused|sdpa_cudnn|sdpa_flash) " $L/bench-$n.log | awk '{print $1,$2,$3,$4,$5}'; done
cp .probe/v1017c.cu $W
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full.log) $(el)"; pack
timeout 120 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 100 > $L/sanitize.log 2>&1; echo "sanitize rc=$? $(el)"; tail -n 3 $L/sanitize.log; pack
mkdir -p .asv && rm -rf .asv/results && cp -r .probe/results .asv/results
timeout 80 python3 -m fcbench record v10.17 > $L/record-$C.log 2>&1; echo "record rc=$?: $(tail -n 1 $L/record-$C.log | cut -c1-60) $(el)"
timeout 30 python3 -m fcbench gate 06d33509 $C --results-dir .asv/results --markdown $L/gate-06d33509-$C.md --json $L/gate-06d33509-$C.json > $L/gate-06d33509-$C.log 2>&1; echo "gate rc=$?: $(tail -n 1 $L/gate-06d33509-$C.log)"
tar czf $OUT/results.tgz -C .asv results; pack
for n in v1015h v1017c; do cp .probe/$n.cu $W
  timeout 60 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section LaunchStats --section Occupancy --section SchedulerStats --section WarpStateStats python3 scripts/profile_call.py wgmma_fused 1,8,512,64 1 > $L/ncu-$n.log 2>&1; echo "ncu $n rc=$? $(el)"; pack; done
timeout 60 ncu --clock-control none -k regex:mma_fused --section SpeedOfLight --section LaunchStats python3 scripts/profile_call.py mma_fused 1,8,512,64 1 > $L/ncu-mma_fused.log 2>&1; echo "ncu mma rc=$? $(el)"; pack
cp .probe/v1015h.cu $W
for n in v1015h v1017c mma_fused; do echo "== ncu $n: $(grep -E '^\s+(Duration|Cluster Size|Grid Size)\s' $L/ncu-$n.log | tr -s ' ' | paste -sd' ')"; done
bash .probe/s7.sh v10.11 v10.12 v10.13
