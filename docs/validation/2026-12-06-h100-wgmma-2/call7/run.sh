# call 7 (issue 25): is v10.9's x1.032 at (4,16,2048,128) in the climb (separate records) real? the gate's own interleaved compare of v10.8 and v10.9, then v10.9b (the extra V release only where a stage is wanted again) against both
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main
{ nvidia-smi -L; date -u; } | tee $L/device.txt
timeout 200 python3 -m fcbench compare 0c5d5f9 0ad989c --variant wgmma_fused --gate --markdown $L/compare-v108-v109.md > $L/compare-v108-v109.log 2>&1; echo "compare --gate rc=$?"; grep -E "wgmma_fused" $L/compare-v108-v109.log | head -12; pack
W=csrc/kernels/wgmma_fused.cu; cp .probe/v109b.cu $W; timeout 100 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v109b.log 2>&1; echo "v109b quick check rc=$?: $(tail -n 1 $L/check-v109b.log)"
SH="--shape 4,16,2048,128 --shape 8,16,4096,128 --shape 4,16,2048,128,causal --shape 4,16,2048,64,causal"
for n in v109b v108 v109 v109b2; do src=.probe/${n%2}.cu; cp $src $W
  timeout 80 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^wgmma_fused" $L/bench-$n.log; pack; done
