# session 12 call E (issue 25): P2 (P2.patch: call D's P1 with only the first K tile, not V, copied
# before the block's first barrier, + combine2) against main and P1, alternated twice beside mma_fused;
# P2's full check and sanitizers; then which shapes call D's E hangs at (hangprobe.py).
#   bash docs/validation/2026-12-07-h100-wgmma-12/callE/run.sh   (carry .whl; about 4 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; N=$V/callE; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu
for c in callD/P1 callE/P2 callD/E; do git apply $V/$c.patch && cp $F $D/${c#*/}.cu && cp $D/main.cu $F || exit 3; done
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.max.sm --format=csv; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in main P1 P2; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
cp $D/P2.cu $F; timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-P2.log 2>&1; ok=$?; echo "full P2 rc=$ok: $(tail -n 1 $L/check-full-P2.log) $(el)"; pack
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 1,8,512,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 4,16,2048,64"
for n in main P1 P2 P2-b P1-b main-b; do c=${n%-b}; cp $D/$c.cu $F
  VS=wgmma_fused; case $n in main|main-b) VS=wgmma_fused,mma_fused;; esac
  timeout 60 python3 -m fcbench bench --variant $VS $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
if [ $ok = 0 ]; then cp $D/P2.cu $F; timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize-P2.log 2>&1; echo "sanitize P2 rc=$? $(el)"; tail -n 3 $L/sanitize-P2.log; pack; fi
cp $D/E.cu $F; timeout 120 python3 -m fcbench build > $L/build-E.log 2>&1; echo "build E rc=$? $(el)"
timeout 150 python3 $N/hangprobe.py 1,1,64,64 1,1,65,64 1,1,128,64 1,1,200,64 2,3,97,64 1,1,64,128 1,1,200,128 > $L/hangprobe-E.log 2>&1; echo "hangprobe E rc=$? $(el)"; cat $L/hangprobe-E.log; pack
for n in main P1 P2 P2-b P1-b main-b; do for v in wgmma_fused mma_fused; do r=$(grep -E "^$v " $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' '); [ -n "$r" ] && echo "$n $v: $r"; done; done
