# Issue 25, prepared in the twelfth session (2026-12-07) and not run there (its device time was spent).
# E3 (E3.patch on the landed kernel): the small grids' Q and first K tiles by cp.async from the
# consumer warpgroups (the session's E, which hung at (1,1,128,64) at full speed and never under
# compute-sanitizer), with the copies waited for before setmaxnreg.inc (E2, still hung) and the
# producer warpgroup kept until every consumer warp has passed setmaxnreg.inc (named barrier 7).
# The hypothesis under test: with E the producer has almost nothing to do and its warps exit before
# the consumers' setmaxnreg.inc, which then never gets the registers their setmaxnreg.dec gave back.
# If E3 still hangs, the hypothesis is refuted and the script stops after the hang probe.
#   bash docs/validation/2026-12-07-h100-wgmma-12/next/run.sh   (carry .whl; about 4 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu; git apply $V/next/E3.patch && cp $F $D/E3.cu && cp $D/main.cu $F || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in main E3; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
timeout 150 python3 $V/callE/hangprobe.py 1,1,128,64 1,1,128,64 1,1,128,64 1,1,200,64 2,3,97,64 2,3,97,64 > $L/hangprobe-E3.log 2>&1
echo "hangprobe E3 rc=$? $(el)"; cat $L/hangprobe-E3.log; pack
grep -q HUNG $L/hangprobe-E3.log && { echo "E3 hangs: the hypothesis is refuted"; exit 0; }
timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-E3.log 2>&1; ok=$?; echo "full E3 rc=$ok: $(tail -n 1 $L/check-full-E3.log) $(el)"; pack
[ $ok = 0 ] || exit 0
timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize-E3.log 2>&1; echo "sanitize E3 rc=$? $(el)"; tail -n 3 $L/sanitize-E3.log; pack
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 1,8,512,64,causal --shape 1,8,512,128 --shape 2,4,1000,64"
for n in main E3 E3-b main-b; do cp $D/${n%-b}.cu $F; VS=wgmma_fused; case $n in main|main-b) VS=wgmma_fused,mma_fused;; esac
  timeout 50 python3 -m fcbench bench --variant $VS $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
for n in main E3 E3-b main-b; do for v in wgmma_fused mma_fused; do r=$(grep -E "^$v " $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' '); [ -n "$r" ] && echo "$n $v: $r"; done; done
