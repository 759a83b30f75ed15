# session 7 call 2 (issue 25): c4 = c3 + O's stores quad-transposed to 16 bytes per lane (every kernel); c7 = c4 with
# the key split's combine and stores spread over the warpgroups (each combines and writes one row half's four chunks at
# D=64, one row half at D=128; its loads instanced per warpgroup), the form to land. Quick check of each, then benched
# against main, alternated twice, at the small shapes and two wide ones, beside mma_fused.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
W=csrc/kernels/wgmma_fused.cu; D=.probe/d3; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $W $D/*.cu; } | tee $L/device.txt
ok=""
for n in c7 c4; do cp $D/$n.cu $W; timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-$n.log 2>&1; rc=$?
  echo "quick check $n rc=$rc: $(tail -n 1 $L/check-quick-$n.log) $(el)"; pack; [ $rc = 0 ] && ok="$ok $n"; done
SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal --shape 4,16,2048,64 --shape 4,16,2048,128"
runs=""; for r in "" -b; do for n in main $ok; do runs="$runs $n$r"; done; done
for n in $runs; do cp $D/${n%-b}.cu $W
  timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$? $(el)"; pack; done
case " $ok " in *" c7 "*) cp $D/c7.cu $W; timeout 170 python3 -m fcbench check --variant wgmma_fused > $L/check-full-c7.log 2>&1; echo "full check c7 rc=$?: $(tail -n 1 $L/check-full-c7.log) $(el)"; pack;; esac
cp $D/main.cu $W; md5sum $W
for v in wgmma_fused mma_fused; do echo "## $v"; for n in $runs; do echo "$n: $(grep -E "^$v " $L/bench-$n.log | awk '{print $3}' | paste -sd' ')"; done; done
