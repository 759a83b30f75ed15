# session 10 call B (issue 25): tmaprobe with its fourth kernel (the map in global memory, written by the host: what a
# host-side cache of maps would cost), then: is wgmma_fused (v10.19, this checkout) ever slower than mma_fused? Eight
# `fcbench bench` runs of both at the table's small-grid shapes and three launch-bound ones, 300 samples per row.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline | cut -c1-60; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 60 python3 docs/validation/2026-12-07-h100-wgmma-9/next/tmaprobe.py > $L/tmaprobe.log 2>&1; echo "tmaprobe rc=$? $(el)"; pack
timeout 240 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$? $(el)"; pack
SH="--shape 1,8,512,64 --shape 1,8,512,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,2048,64 --shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128"
for i in 1 2 3 4 5 6 7 8; do
  timeout 45 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$i.log 2>&1; echo "bench $i rc=$? $(el)"; pack; done
cut -c1-190 $L/tmaprobe.log | tail -n 4
for i in 1 2 3 4 5 6 7 8; do echo "$i: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$i.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
