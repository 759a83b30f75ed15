# session 11 call F (issue 25): call E's routing kept where it paid, D=128 alone (d128.patch): where
# one 128-key tile holds every key of a small grid, one warpgroup per 64-row block. Build, full
# check, sanitizers (their small partial-tile shapes now take this route at D=128), then alternated
# twice against this checkout's kernel at launch-bound D=128 shapes and (1,8,512,128). Files put back.
#   bash docs/validation/2026-12-07-h100-wgmma-11/callF/run.sh   (carry .whl; about 2 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-07-h100-wgmma-11/callF; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu; git apply $N/d128.patch && cp $F $D/d128.cu && cp $D/main.cu $F || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $D/*.cu; } | tee $L/device.txt
cp $D/d128.cu $F
timeout 240 python3 -m fcbench build > $L/build-d128.log 2>&1; echo "build d128 rc=$? $(el)"
timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-d128.log 2>&1; rc=$?
echo "full d128 rc=$rc: $(tail -n 1 $L/check-full-d128.log) $(el)"; pack
if [ $rc = 0 ]; then
  timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize-d128.log 2>&1; echo "sanitize d128 rc=$? $(el)"; pack
  SH="--shape 2,3,97,128 --shape 1,2,128,128,causal --shape 1,1,64,128 --shape 1,8,512,128"
  for n in main d128 main-b d128-b; do cp $D/${n%-b}.cu $F
    timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
fi
tail -n 4 $L/sanitize-d128.log 2>/dev/null
for n in main d128 main-b d128-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log 2>/dev/null | awk '{print $1,$2,$3}' | paste -sd';')"; done
