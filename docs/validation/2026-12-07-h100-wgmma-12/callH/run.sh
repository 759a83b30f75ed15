# session 12 call H (issue 25): E2 (E2.patch: call D's E with the consumers' cp.async.wait_all, proxy
# fence and arrival moved before their setmaxnreg.inc). Hang probe at E's hanging shapes, quick check,
# then P1 and E2 benched alternated at the small shapes. Files put back.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callH/run.sh   (carry .whl; about 2 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu
for c in callD/P1 callH/E2; do git apply $V/$c.patch && cp $F $D/${c#*/}.cu && cp $D/main.cu $F || exit 3; done
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in P1 E2; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
timeout 100 python3 $V/callE/hangprobe.py 1,1,128,64 1,1,128,64 1,1,200,64 2,3,97,64 1,1,200,128 > $L/hangprobe-E2.log 2>&1; echo "hangprobe E2 rc=$? $(el)"; cat $L/hangprobe-E2.log; pack
grep -q HUNG $L/hangprobe-E2.log && exit 0
timeout 60 python3 -m fcbench check --quick --variant wgmma_fused > $L/check-quick-E2.log 2>&1; echo "quick E2 rc=$?: $(tail -n 1 $L/check-quick-E2.log) $(el)"; pack
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 2,4,1000,64"
for n in P1 E2 E2-b P1-b; do cp $D/${n%-b}.cu $F; VS=wgmma_fused; [ $n = P1 ] && VS=wgmma_fused,mma_fused
  timeout 40 python3 -m fcbench bench --variant $VS $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
for n in P1 E2 E2-b P1-b; do for v in wgmma_fused mma_fused; do r=$(grep -E "^$v " $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' '); [ -n "$r" ] && echo "$n $v: $r"; done; done
