# session 12 call G (issue 25): call D's E (early cp.async copies by the consumers) hangs at
# (1,1,128,64) every time (call E's hangprobe). Under compute-sanitizer's memcheck, racecheck and
# synccheck, 40 s each: does a tool name the fault? Files put back.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callG/run.sh   (carry .whl; about 2-3 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu; git apply $V/callD/E.patch || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $F; } | tee $L/device.txt
timeout 120 python3 -m fcbench build > $L/build-E.log 2>&1; echo "build E rc=$? $(el)"
for t in memcheck racecheck synccheck; do
  timeout 40 compute-sanitizer --tool $t --print-limit 20 python3 $V/callG/one.py 1,1,128,64 > $L/$t.log 2>&1; echo "$t rc=$? $(el)"; tail -n 25 $L/$t.log | cut -c1-200; pack; done
