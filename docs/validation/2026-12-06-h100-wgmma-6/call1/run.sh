# session 6 call 1 (issue 25): branch v10.17 (8678f8e: the cluster key split + the descriptor-base mask v10.17d + per_device in launch.cuh) quick-checked (mma_fused too: launch.cuh changed), with the cluster pair count printed; if it passes, benched against main alternated twice at the small shapes beside mma_fused and the SDPA peers
# .probe/v1017/ (on the machine that sent it, not in the repository) held launch.cuh, mma_fused.cu, wgmma_fused.cu of v10.17d and wgmma_fused.dbg.cu; README.txt says how to rebuild them from the patches.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
K=csrc/kernels; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
mkdir -p /tmp/main /tmp/v1017; for f in launch.cuh mma_fused.cu wgmma_fused.cu; do cp $K/$f /tmp/main/$f; cp .probe/v1017/$f /tmp/v1017/$f; done
use() { for f in launch.cuh mma_fused.cu wgmma_fused.cu; do cp /tmp/$1/$f $K/$f; done; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum /tmp/main/* .probe/v1017/*; } | tee $L/device.txt
use v1017; cp .probe/v1017/wgmma_fused.dbg.cu $K/wgmma_fused.cu
timeout 170 python3 -m fcbench check --variant wgmma_fused,mma_fused --quick > $L/check-v1017d.log 2>&1; rc=$?; echo "v10.17d quick check rc=$rc: $(tail -n 1 $L/check-v1017d.log) $(el)"; grep -h "^DBG" $L/check-v1017d.log | sort -u; pack
if [ $rc != 0 ]; then grep -E "FAIL|CRASH|HUNG|rror" $L/check-v1017d.log | head -8
  timeout 60 python3 docs/validation/2026-12-06-h100-wgmma-5/next/dbg.py 2,3,512,128 1,1,512,128 2,3,512,64 > $L/dbg.log 2>&1; echo "dbg rc=$?"; grep -v Warning $L/dbg.log | head -20; pack
  use main; exit 1; fi
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
for n in main v1017 main-b v1017-b; do use ${n%-b}
  timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$? $(el)"; pack; done
use main
for n in main v1017 main-b v1017-b; do echo "== $n"; grep -E "^(wgmma_fused|mma_fused|sdpa_cudnn|sdpa_flash) " $L/bench-$n.log | awk '{print $1,$2,$3,$4,$5}'; done
