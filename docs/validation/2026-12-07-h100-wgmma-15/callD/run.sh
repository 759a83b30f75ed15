# Issue 25, prepared in session 15 (2026-12-07), not run yet: where v10.21's second 64-key tile goes. At D=64
# one more tile per block costs wgmma_fused ~0.6 us and mma_fused ~0.2 ((1,1,64,64) -> (1,1,128,64),
# session 15 call B). clock64 stage stamps of both kernels (session 12's probe: callB/mktrace.py and
# callC/mktrace_mma.py make the trace builds, callC/trace2.py prints the stamps, median over blocks,
# cycles since each warpgroup's / warp's entry), at the launch-bound shapes, one and two tiles.
#   bash docs/validation/2026-12-07-h100-wgmma-15/callD/run.sh   (carry .whl; about 2 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; F=csrc/kernels/wgmma_fused.cu; M=csrc/kernels/mma_fused.cu; T=$(mktemp -d)
cp $F $T/main.cu; cp $M $T/mma.cu
python3 $V/callB/mktrace.py $T/main.cu $T/trw.cu && python3 $V/callC/mktrace_mma.py $T/mma.cu $T/trm.cu || exit 3
trap 'cp $T/main.cu $F; cp $T/mma.cu $M; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum $T/*.cu; } | tee $L/device.txt
TS="1,1,64,64 1,1,128,64 2,3,97,64 1,1,64,128 2,3,97,128"
cp $T/trw.cu $F; timeout 150 python3 -m fcbench build > $L/build-trw.log 2>&1; echo "build trace wgmma rc=$? $(el)"
timeout 60 python3 $V/callC/trace2.py wgmma_fused $TS > $L/trace-wgmma.out 2> $L/trace-wgmma.err; echo "trace wgmma rc=$? $(el)"; pack
cp $T/main.cu $F; cp $T/trm.cu $M; timeout 150 python3 -m fcbench build > $L/build-trm.log 2>&1; echo "build trace mma rc=$? $(el)"
timeout 60 python3 $V/callC/trace2.py mma_fused $TS > $L/trace-mma.out 2> $L/trace-mma.err; echo "trace mma rc=$? $(el)"; pack
cut -c1-300 $L/trace-wgmma.out $L/trace-mma.out
