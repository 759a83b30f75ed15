# session 4 call 1 (issue 25): v10.15d (wgmma descriptors as a constant high word + one add), v10.15r (v10.15d + FlashAttention-4's conditional rescale: the running max moves only where it grew by more than 2^8) and v10.15n3 (v10.15d + D=128 wide blocks on 128-key tiles with 3 stages, cuDNN's tile); quick check of each, then benched against v10.14 alternated twice
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; md5sum .probe/v10*.cu; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
for n in v1015r v1015d v1015n3; do cp .probe/$n.cu $W; timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-$n.log 2>&1; rc=$?; echo "$n quick check rc=$rc: $(tail -n 1 $L/check-$n.log)"; pack
  [ $rc = 0 ] || grep -E "FAIL|CRASH|HUNG" $L/check-$n.log | head -5; done
SH="--shape 4,16,2048,128 --shape 8,16,4096,128 --shape 4,16,2048,64 --shape 4,16,2048,64,causal --shape 1,8,512,64"
for n in v1014 v1015r v1015d v1015n3 v1014-b v1015r-b v1015d-b v1015n3-b; do cp .probe/${n%-b}.cu $W
  timeout 90 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; pack; done
for n in v1014 v1015r v1015d v1015n3 v1014-b v1015r-b v1015d-b v1015n3-b; do echo "== $n"; grep -E "^wgmma_fused" $L/bench-$n.log | awk '{print $1,$2,$3,$4,$5}'; done
