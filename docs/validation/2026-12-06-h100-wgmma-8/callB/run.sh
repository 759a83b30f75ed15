# session 8 call B (issue 25): c8 (a four-way key split copies each round of 4 x 64-key tiles as one 256-row box on one
# barrier: 4 K and 4 V copies at (1,8,512,64) where main issues 16 of each) c8h (2 tiles per copy) and c9 (c8 + every fourth exponential of the split kernel on FMA polynomials): quick checks,
# benched alternated against main beside mma_fused, full checks, the sanitizers of c8.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
W=csrc/kernels/wgmma_fused.cu; D=.probe/b; T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline; md5sum $W $D/*.cu; } | tee $L/device.txt
ok=""
for n in c8 c8h c9; do cp $D/$n.cu $W
  timeout 120 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-$n.log 2>&1; rc=$?; echo "quick $n rc=$rc: $(tail -n 1 $L/check-quick-$n.log) $(el)"; pack
  [ $rc = 0 ] && ok="$ok $n"; done
SH="--shape 1,8,512,64 --shape 2,4,1000,64 --shape 1,8,512,64,causal --shape 1,2,4096,64"
for n in main $ok main-b $(for x in $ok; do echo $x-b; done); do cp $D/${n%-b}.cu $W
  timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== bench $n rc=$? $(el)"; pack; done
for n in $(echo $ok | tr " " "\n" | grep -v c8h); do cp $D/$n.cu $W
  timeout 100 python3 -m fcbench check --variant wgmma_fused > $L/check-full-$n.log 2>&1; echo "full $n rc=$?: $(tail -n 1 $L/check-full-$n.log) $(el)"; pack; done
case " $ok " in *" c8 "*) cp $D/c8.cu $W
  timeout 100 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 90 > $L/sanitize-c8.log 2>&1; echo "sanitize c8 rc=$? $(el)"; tail -n 4 $L/sanitize-c8.log; pack;; esac
cp $D/main.cu $W
for n in main $ok main-b $(for x in $ok; do echo $x-b; done); do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
