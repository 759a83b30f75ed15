# Issue 25, session 17 (2026-12-08), call F, prepared after call D: is wgmma_fused's one-tile gap to
# mma_fused all in the period-4 slow launch of its 552-byte parameter block (ninth session), or does
# every launch pay it? 200 samples per row in order, mma_fused and wgmma_fused alternated twice per
# shape, the period-4 on-phase and other samples' medians.
#   bash docs/validation/2026-12-08-h100-wgmma-17/callF/run.sh   (carry .whl; about 1 minute)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }; trap pack EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; git rev-parse HEAD; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 150 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"
timeout 120 python3 docs/validation/2026-12-08-h100-wgmma-17/callF/slowphase.py 200 1,1,64,64 1,1,64,128 1,1,128,64 1,8,512,64 \
  > $L/slowphase.log 2>&1; echo "slowphase rc=$? $(el)"
cat $L/slowphase.log
