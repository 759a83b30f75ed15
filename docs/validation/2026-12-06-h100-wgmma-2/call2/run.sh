# call 2 (issue 25): v10.5 (v10.4 + the mask only on tiles that need it), v10.3 + mask fix, v10.3 baseline; full check + ncu of v10.5
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
try() {  # try NAME [nocheck]: quick check then bench of the source now in $W
  local t0=$SECONDS rc=0
  if [ -z "${2:-}" ]; then timeout 170 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-$1.log 2>&1; rc=$?
    echo "$1 check rc=$rc $((SECONDS-t0))s: $(tail -n 1 $L/check-$1.log)"; fi
  [ $rc = 0 ] && { timeout 90 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 100 > $L/bench-$1.log 2>&1; echo "$1 bench rc=$? $((SECONDS-t0))s"; }
  pack
}
cp .probe/v105.cu $W; try v105
cp .probe/v103m.cu $W; try v103m
cp .probe/v103.cu $W; try v103 nocheck
cp .probe/v105.cu $W; try v105b nocheck
for n in v105 v103m v103 v105b; do echo "== $n"; grep -E "^wgmma_fused" $L/bench-$n.log; done
timeout 100 python3 -m fcbench check --variant wgmma_fused > $L/check-full-v105.log 2>&1; echo "full check v105 rc=$?: $(tail -n 1 $L/check-full-v105.log)"; pack
for shape in 4,16,2048,128 4,16,2048,64; do
  timeout 50 ncu --clock-control none -k regex:wgmma_fused_kernel --section SpeedOfLight --section ComputeWorkloadAnalysis \
    --section WarpStateStats --section SchedulerStats --section InstructionStats \
    python3 scripts/profile_call.py wgmma_fused $shape 1 > $L/ncu-v105-${shape//,/_}.log 2>&1; echo "ncu $shape rc=$?"; pack
done
for f in $L/ncu-*.log; do echo "$(basename $f): $(grep -E '^\s+(Duration|Compute \(SM\) Throughput|Issue Slots Busy|No Eligible|Executed Instructions)\s' $f | tr -s ' ' | paste -sd';')"; done
