# Issue 25, prepared in the eleventh session (2026-12-07) and not run there (its device time was spent).
# Where a launch-bound block's cycles go: wgmma_fused is 0.9-1.4 us slower than mma_fused at
# (1,1,64,64), (2,3,97,64), (2,3,97,128) in its body (ncu, queued calls), and not because of its
# copy engine (call G: a first tile costs the same by TMA as by cp.async). The seventh session's
# stage probe, made to apply to this kernel (mktrace.py's v10.19 branch; it compiles here with
# nvcc 13.0, no spill), stamps clock64 at each stage of a block, one lane per warpgroup; (1,8,512,64)
# for reference against the seventh session's table. The checkout's kernel is put back at the end.
# One call from the repository root, carrying .whl (about 1-2 minutes):
#   bash docs/validation/2026-12-07-h100-wgmma-11/next/run.sh
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
S=docs/validation/2026-12-06-h100-wgmma-7; W=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d); cp $W $D/main.cu
python3 $S/mktrace.py $W $D/trace.cu || exit 3
trap 'cp $D/main.cu $W; pack' EXIT
{ nvidia-smi -L; nvidia-smi --query-gpu=clocks.sm,clocks.max.sm --format=csv; date -u; md5sum $D/*.cu; } | tee $L/device.txt
cp $D/trace.cu $W
timeout 240 python3 $S/trace.py 1,1,64,64 2,3,97,64 2,3,97,128 1,8,512,64 > $L/trace.out 2> $L/trace.err; echo "trace rc=$?"
cut -c1-400 $L/trace.out
