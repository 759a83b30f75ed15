# Issue 25, session 14 (2026-12-07), call D: T.patch, session 13's ST without the entry loads: where
# S <= 64 on small grids, one consumer warpgroup with 64-key tiles (TMA as on main). Call C: STb at
# (1,1,64,128) 6.5-6.6 us against main's 6.8 and S1b's 7.8, so the tile size alone may gain there.
# Full check of T, then main and T benched beside mma_fused, alternated.
#   bash docs/validation/2026-12-07-h100-wgmma-14/callD/run.sh  (carry .whl; ~80 s)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-14; N=$V/callD; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
C="T"
cp $F $D/main.cu
for c in $C; do git apply $N/$c.patch && cp $F $D/$c.cu && cp $D/main.cu $F || exit 3; done
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in main $C; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
declare -A ok
for c in $C; do cp $D/$c.cu $F
  timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-$c.log 2>&1; ok[$c]=$?; echo "full $c rc=${ok[$c]}: $(tail -n 1 $L/check-full-$c.log) $(el)"; pack; done
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 2,4,1000,64"
for n in main T T-b main-b; do c=${n%-b}; [ $c != main ] && [ ${ok[$c]} != 0 ] && continue; cp $D/$c.cu $F
  [ $(( $(date +%s) - T0 )) -gt 230 ] && { echo "bench $n skipped: device time"; continue; }
  VS=wgmma_fused; case $n in main|main-b) VS=wgmma_fused,mma_fused;; esac
  timeout 50 python3 -m fcbench bench --variant $VS $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
for n in main T T-b main-b; do for v in wgmma_fused mma_fused; do r=$(grep -E "^$v " $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' '); [ -n "$r" ] && echo "$n $v: $r"; done; done
