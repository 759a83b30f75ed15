# session 11 call E (issue 25): at launch-bound shapes wgmma_fused's body is ~1.4 us longer than
# mma_fused's (call D: ncu, queued calls). tiny.patch: where one 128-key tile holds every key of a
# small grid, one warpgroup per 64-row block (no key split, so no exchange or combine). Quick check,
# bench alternated twice against this checkout's kernel, then the full check. Files put back.
#   bash docs/validation/2026-12-07-h100-wgmma-11/callE/run.sh   (carry .whl; about 2 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-07-h100-wgmma-11/callE; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu; git apply $N/tiny.patch && cp $F $D/tiny.cu && cp $D/main.cu $F || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $D/*.cu; } | tee $L/device.txt
cp $D/tiny.cu $F
timeout 240 python3 -m fcbench build > $L/build-tiny.log 2>&1; echo "build tiny rc=$? $(el)"
timeout 90 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-tiny.log 2>&1; rc=$?
echo "quick tiny rc=$rc: $(tail -n 1 $L/check-quick-tiny.log) $(el)"; pack
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,2,128,128,causal --shape 1,8,512,64"
if [ $rc = 0 ]; then
  for n in main tiny main-b tiny-b; do cp $D/${n%-b}.cu $F
    timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
  cp $D/tiny.cu $F
  timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-tiny.log 2>&1; echo "full tiny rc=$?: $(tail -n 1 $L/check-full-tiny.log) $(el)"; pack
fi
for n in main tiny main-b tiny-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log 2>/dev/null | awk '{print $1,$2,$3}' | paste -sd';')"; done
