# session 7 call 0 (issue 25): where a key-split block's cycles go at (1,8,512,64), and the issue order of its copies.
#  trace.cu = main + clock64 stamps per warpgroup (probe only); c2.cu = main with a key split's K/V copies issued in
#  the order the warpgroups need them (every first K before any V); c2trace.cu = c2 + the stamps.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
W=csrc/kernels/wgmma_fused.cu; D=.probe/d0; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=clocks.sm,clocks.max.sm --format=csv; date -u; md5sum $W $D/*.cu; } | tee $L/device.txt
SHT="1,8,512,64 1,8,512,128 2,4,1000,64"
for n in trace c2trace; do cp $D/$n.cu $W
  timeout 240 python3 $D/trace.py $SHT > $L/$n.out 2> $L/$n.err; echo "== $n rc=$? $(el)"
  python3 $D/trace_table.py $L/$n.out > $L/$n.table.txt 2>&1; pack; done
cp $D/c2.cu $W; timeout 100 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-c2.log 2>&1; rc=$?; echo "quick check c2 rc=$rc: $(tail -n 1 $L/check-quick-c2.log) $(el)"; pack
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
if [ $rc = 0 ]; then for n in main c2 main-b c2-b; do cp $D/${n%-b}.cu $W
  timeout 50 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$? $(el)"; pack; done; fi
cp $D/main.cu $W; md5sum $W
cat $L/trace.table.txt $L/c2trace.table.txt | cut -c1-1500
for n in main c2 main-b c2-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
