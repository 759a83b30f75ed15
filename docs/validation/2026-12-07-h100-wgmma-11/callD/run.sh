# session 11 call D (issue 25): why wgmma_fused is ~1 us slower than mma_fused at launch-bound shapes
# (call B: (1,1,64,64) 6.2-6.4 against 5.2-5.3 us). smemprobe.py: trivial kernels by dynamic shared
# memory, and both variants one call or 20 queued per sample; ncu: each kernel's own duration there.
# Then call C (the rescale predicate once per row half) on the same machine.
# One call from the repository root, carrying .whl (about 4 minutes):
#   bash docs/validation/2026-12-07-h100-wgmma-11/callD/run.sh
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-07-h100-wgmma-11/callD
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline | cut -c1-60; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 240 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"; pack
timeout 100 python3 $N/smemprobe.py > $L/smemprobe.log 2>&1; echo "smemprobe rc=$? $(el)"; pack
for s in 1,1,64,64 2,3,97,128; do
  timeout 60 ncu --clock-control none --metrics gpu__time_duration.sum -k regex:'mma_fused_kernel' \
    python3 $N/ncu_tiny.py $s mma_fused wgmma_fused > $L/ncu-$s.log 2>&1; echo "ncu $s rc=$? $(el)"; pack; done
cat $L/smemprobe.log | grep -v "^\s*$" | tail -n 16
for s in 1,1,64,64 2,3,97,128; do echo "== ncu $s (us, last 5 of each kernel)"
  awk '/mma_fused_kernel/{k=($0 ~ /wgmma/)?"wgmma":"mma"} /gpu__time_duration.sum/{print k, $(NF-1), $NF}' $L/ncu-$s.log | tail -n 10 | paste -sd' '; done
OUT=$OUT/callC bash docs/validation/2026-12-07-h100-wgmma-11/callC/run.sh
