# session 7 call 1 (issue 25): the stage probe, stamps in a __device__ array (call 0's printf made every wgmma
# serialise and died), of main and of c3 (a key split's partial states as float4 in a region of their own at D=64,
# the other warpgroups arrive and leave: 112 fewer SASS instructions in each split kernel); c3 quick-checked and
# benched against main, alternated twice, beside mma_fused.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
W=csrc/kernels/wgmma_fused.cu; D=.probe/d1; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $W $D/*.cu; } | tee $L/device.txt
for n in trace c3trace; do cp $D/$n.cu $W
  timeout 150 python3 $D/trace.py 1,8,512,64 1,8,512,128 2,4,1000,64 > $L/$n.out 2> $L/$n.err; echo "== $n rc=$? $(el)"; pack; done
cp $D/c3.cu $W; timeout 100 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-c3.log 2>&1; rc=$?; echo "quick check c3 rc=$rc: $(tail -n 1 $L/check-quick-c3.log) $(el)"; pack
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
if [ $rc = 0 ]; then for n in main c3 main-b c3-b; do cp $D/${n%-b}.cu $W
  timeout 50 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$? $(el)"; pack; done; fi
cp $D/main.cu $W; md5sum $W
tail -3 $L/trace.err; cat $L/trace.out $L/c3trace.out | cut -c1-1400
for n in main c3 main-b c3-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
