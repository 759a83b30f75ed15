# Issue 25, session 17 (2026-12-08), call E: when each of the first item's TMA copies lands, and
# whether landing follows issue order. The seventeenth session's call D (the fifteenth's stage
# probe) put V0's landing ~1000 cycles after K0's at (1,1,64,64) though the preamble issues Q, K0
# and V0 back to back. mkland.py polls the barriers of Q, K0, V0 (K1, V1 at two tiles) and stamps
# each as it completes; vkq (vkq.py on it): the same with the preamble's order V0, K0, Q.
#   bash docs/validation/2026-12-08-h100-wgmma-17/callE/run.sh [PROBE.py]   (carry .whl; about 1 minute)
# PROBE.py: the landing probe (default callE/mkland.py; call E2 passes callE2/mkland2.py).
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; E=docs/validation/2026-12-08-h100-wgmma-17/callE; F=csrc/kernels/wgmma_fused.cu; T=$(mktemp -d)
cp $F $T/main.cu
python3 $V/callB/mktrace.py $T/main.cu $T/trw.cu && python3 ${1:-$E/mkland.py} $T/trw.cu $T/land.cu && python3 $E/vkq.py $T/land.cu $T/vkq.cu || exit 3
trap 'cp $T/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum $T/*.cu; } | tee $L/device.txt
TS="1,1,64,64 1,1,128,64 2,3,97,64 1,1,64,128 2,3,97,128"
for x in land vkq; do
  cp $T/$x.cu $F; timeout 150 python3 -m fcbench build > $L/build-$x.log 2>&1; echo "build $x rc=$? $(el)"
  timeout 60 python3 $V/callC/trace2.py wgmma_fused $TS > $L/trace-$x.out 2> $L/trace-$x.err; echo "trace $x rc=$? $(el)"; pack
done
echo "consumer slot: entry stamp, then Q K0 V0 [K1 V1] landings, then the kernel's own stamps"
for x in land vkq; do echo "== $x"; grep -E "^##|slot 1" $L/trace-$x.out | cut -c1-200; done
