# session 12 call D (issue 25): two candidates on this checkout's kernel (v10.19 + session 11's D=128 routing):
#   P1.patch  the first item's Q, K and V tiles of stage 0 copied by thread 0 before the block's first
#             barrier (call B's preload, the first tile only: every warpgroup's first made (2,4,1000,64)
#             slower in call C), and call C's combine2 (a key split combines only warpgroups that had a tile);
#   E.patch   P1 with, in the small-grid kernels (key splits, one warpgroup), Q and each warpgroup's first
#             K tile copied by the consumer warpgroups themselves by cp.async at entry (call C's probe:
#             TMA's first Q landed ~2000 cycles after issue, mma_fused's cp.async Q and K 1190 after entry).
# Full check and sanitizers of both, E's stage probe, then main, P1, E benched alternated twice beside mma_fused.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callD/run.sh   (carry .whl; about 4-5 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; N=$V/callD; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu
for c in P1 E; do git apply $N/$c.patch && cp $F $D/$c.cu && cp $D/main.cu $F || exit 3; done
python3 $V/callB/mktrace.py $D/E.cu $D/trE.cu || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.max.sm --format=csv; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in main P1 E; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
declare -A ok
for c in E P1; do cp $D/$c.cu $F; timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-$c.log 2>&1; ok[$c]=$?
  echo "full $c rc=${ok[$c]}: $(tail -n 1 $L/check-full-$c.log) $(el)"; pack; done
if [ ${ok[E]} = 0 ]; then cp $D/trE.cu $F; timeout 100 python3 $V/callC/trace2.py wgmma_fused 1,1,64,64 2,3,97,64 2,3,97,128 1,1,64,128 1,8,512,64 > $L/trace-E.out 2> $L/trace-E.err; echo "trace E rc=$? $(el)"; fi
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 1,8,512,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 4,16,2048,64"
for n in main P1 E E-b P1-b main-b; do c=${n%-b}; [ $c != main ] && [ ${ok[$c]} != 0 ] && continue; cp $D/$c.cu $F
  VS=wgmma_fused; case $n in main|main-b) VS=wgmma_fused,mma_fused;; esac
  timeout 60 python3 -m fcbench bench --variant $VS $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
for c in E P1; do [ ${ok[$c]} = 0 ] || continue; cp $D/$c.cu $F
  timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize-$c.log 2>&1; echo "sanitize $c rc=$? $(el)"; tail -n 3 $L/sanitize-$c.log; pack; done
cut -c1-260 $L/trace-E.out 2>/dev/null
for n in main P1 E E-b P1-b main-b; do for v in wgmma_fused mma_fused; do r=$(grep -E "^$v " $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' '); [ -n "$r" ] && echo "$n $v: $r"; done; done
