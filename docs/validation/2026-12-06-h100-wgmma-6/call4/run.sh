# session 6 call 4 (issue 25): v10.18 candidate (.probe/c4/wgmma_fused.cu = main + a key split's first K and V stages issued with Q's copy, before the block's first barrier; only the two split kernels' SASS changes) quick-checked, benched against main alternated twice at the small shapes beside mma_fused, (the full check and sanitizers would follow in a later call: this one fits the device time left)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
W=csrc/kernels/wgmma_fused.cu; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
cp .probe/c4/main.cu /tmp/main.cu; cp .probe/c4/wgmma_fused.cu /tmp/v1018.cu
{ nvidia-smi -L; date -u; md5sum $W /tmp/main.cu /tmp/v1018.cu; } | tee $L/device.txt
cp /tmp/v1018.cu $W; timeout 100 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick.log 2>&1; rc=$?; echo "quick check rc=$rc: $(tail -n 1 $L/check-quick.log) $(el)"; pack
[ $rc = 0 ] || { cp /tmp/main.cu $W; exit 1; }
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
for n in main v1018 main-b v1018-b; do cp /tmp/${n%-b}.cu $W
  timeout 50 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$? $(el)"; pack; done
for n in main v1018 main-b v1018-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3}' | paste -sd';')"; done
cp /tmp/main.cu $W
