# session 12 call C (issue 25): call B's preload (kept) with the combine of call B's A rewritten
# (combine2-on-preload.patch: the unrolled combine as before where every warpgroup had a tile, a
# loop over those that had one otherwise). Full check and the sanitizers of preload + combine2,
# the stage probe of it and (mktrace_mma.py) of mma_fused at the launch-bound shapes, stage for
# stage; then main, preload and preload + combine2 benched, alternated twice, mma_fused beside.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callC/run.sh   (carry .whl; about 4-5 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; N=$V/callC; F=csrc/kernels/wgmma_fused.cu; M=csrc/kernels/mma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu; cp $M $D/mma.cu
git apply $V/callB/preload.patch && cp $F $D/B.cu && git apply $N/combine2-on-preload.patch && cp $F $D/BA2.cu && cp $D/main.cu $F || exit 3
python3 $V/callB/mktrace.py $D/BA2.cu $D/trBA2.cu && python3 $N/mktrace_mma.py $D/mma.cu $D/trmma.cu || exit 3
trap 'cp $D/main.cu $F; cp $D/mma.cu $M; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.max.sm --format=csv; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in main B BA2; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
cp $D/BA2.cu $F; timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-BA2.log 2>&1; rc=$?; echo "full BA2 rc=$rc: $(tail -n 1 $L/check-full-BA2.log) $(el)"; pack
TS="1,1,64,64 2,3,97,64 2,3,97,128 1,1,64,128 1,8,512,64"
cp $D/trBA2.cu $F; timeout 100 python3 $N/trace2.py wgmma_fused $TS > $L/trace-BA2.out 2> $L/trace-BA2.err; echo "trace BA2 rc=$? $(el)"
cp $D/main.cu $F; cp $D/trmma.cu $M; timeout 100 python3 $N/trace2.py mma_fused $TS > $L/trace-mma.out 2> $L/trace-mma.err; echo "trace mma rc=$? $(el)"; cp $D/mma.cu $M; pack
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 1,8,512,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 4,16,2048,64"
for n in main B BA2 BA2-b B-b main-b; do cp $D/${n%-b}.cu $F; VS=wgmma_fused; case $n in main|main-b) VS=wgmma_fused,mma_fused;; esac
  timeout 60 python3 -m fcbench bench --variant $VS $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
if [ $rc = 0 ]; then cp $D/BA2.cu $F
  timeout 120 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 100 > $L/sanitize-BA2.log 2>&1; echo "sanitize BA2 rc=$? $(el)"; tail -n 5 $L/sanitize-BA2.log; pack; fi
cut -c1-260 $L/trace-BA2.out $L/trace-mma.out
for n in main B BA2 BA2-b B-b main-b; do for v in wgmma_fused mma_fused; do r=$(grep -E "^$v " $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' '); [ -n "$r" ] && echo "$n $v: $r"; done; done
