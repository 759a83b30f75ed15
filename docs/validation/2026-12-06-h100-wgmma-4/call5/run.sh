# session 4 call 5 (issue 25): v10.16o = v10.15 + FlashAttention-3's intra-warpgroup overlap: S(tile) and P(prev).V(prev) as two commit groups, the max and exponentials of S(tile) after wait_group 1, the wait for P(prev).V(prev) (then O's rescale and P(tile)'s packing) at the top of the next round after the copy waits (ptxas moved a wait written after the exponentials, in the same basic block, before them), masked and unmasked tiles compiled apart; quick check, benched against v10.15 alternated twice
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; md5sum .probe/v1015.cu .probe/v1016o.cu; } | tee $L/device.txt
W=csrc/kernels/wgmma_fused.cu
cp .probe/v1016o.cu $W; timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1016o.log 2>&1; rc=$?; echo "v1016o quick check rc=$rc: $(tail -n 1 $L/check-v1016o.log)"; pack
[ $rc = 0 ] || { grep -E "FAIL|CRASH|HUNG" $L/check-v1016o.log | head -5; exit 1; }
SH="--shape 4,16,2048,128 --shape 8,16,4096,128 --shape 4,16,2048,64 --shape 4,16,2048,64,causal --shape 1,8,512,64"
for n in v1015 v1016o v1015-b v1016o-b; do cp .probe/${n%-b}.cu $W
  timeout 90 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; pack; done
for n in v1015 v1016o v1015-b v1016o-b; do echo "== $n"; grep -E "^wgmma_fused" $L/bench-$n.log | awk '{print $1,$2,$3,$4,$5}'; done
