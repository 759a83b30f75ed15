# session 11 call C (issue 25): the rescale predicate computed once per row half (moves.patch), where
# it was written twice. ptxas output differs (here: 24 IMAD.MOV.U32 and 7 MOV become FSEL / NOP, the
# same instruction count), so: build, quick and full check, sanitizers, then alternated twice against
# the checkout's kernel beside mma_fused at four shapes, 300 samples per row. Files put back at the end.
# One call from the repository root, carrying .whl (about 2-3 minutes):
#   bash docs/validation/2026-12-07-h100-wgmma-11/callC/run.sh
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-07-h100-wgmma-11/callC; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu; git apply $N/moves.patch && cp $F $D/moves.cu && cp $D/main.cu $F || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline | cut -c1-60; md5sum $D/*.cu; } | tee $L/device.txt
cp $D/moves.cu $F
timeout 240 python3 -m fcbench build > $L/build-moves.log 2>&1; echo "build moves rc=$? $(el)"; pack
timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-moves.log 2>&1; rc=$?
echo "full moves rc=$rc: $(tail -n 1 $L/check-full-moves.log) $(el)"; pack
if [ $rc = 0 ]; then
  timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize-moves.log 2>&1; echo "sanitize moves rc=$? $(el)"; pack
  SH="--shape 1,8,512,64 --shape 1,8,512,64,causal --shape 4,16,2048,64 --shape 8,16,4096,128"
  for n in main moves main-b moves-b; do cp $D/${n%-b}.cu $F
    timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
fi
tail -n 4 $L/sanitize-moves.log 2>/dev/null
for n in main moves main-b moves-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log 2>/dev/null | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
