# Issue 25, prepared in the ninth session (2026-12-07) and not run there (its device time was spent).
# One call, from the repository root, carrying .whl (about 3-4 minutes):
#   bash docs/validation/2026-12-07-h100-wgmma-9/next/run.sh
# 1. tmaprobe.py: a first TMA copy through a tensor map passed as 552 or 136 bytes of parameters,
#    or built on the device (tensormap.replace + cp_fenceproxy), trivial kernels, outputs checked;
# 2. c11.patch (wgmma_fused.cu + registry.py): the four-way split (D=64) builds its three tensor maps
#    on the device into per-block slots of a 384-byte-per-block workspace, so its parameter block is
#    AttentionParams and an empty struct, under the 256 bytes where the every-fourth-launch cost
#    starts; the other five kernels' SASS is unchanged (compared here, function by function).
#    Quick check, then alternated twice against the checkout's kernel beside mma_fused, the
#    period-4 samples of both, and (when the quick check passed) the full check and sanitizers.
# The checkout's files are put back at the end.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-07-h100-wgmma-9/next; S=docs/validation/2026-12-06-h100-wgmma-8/next/samples.py
F="csrc/kernels/wgmma_fused.cu fcbench/registry.py"; D=$(mktemp -d); tar cf $D/main.tar $F
git apply $N/c11.patch && tar cf $D/c11.tar $F && tar xf $D/main.tar || exit 3
trap 'tar xf $D/main.tar; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline; md5sum $F; } | tee $L/device.txt
timeout 90 python3 $N/tmaprobe.py > $L/tmaprobe.log 2>&1; echo "tmaprobe rc=$? $(el)"; pack
tar xf $D/c11.tar
timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-c11.log 2>&1; rc=$?
echo "quick c11 rc=$rc: $(tail -n 1 $L/check-quick-c11.log) $(el)"; pack
runs="main main-b"; [ $rc = 0 ] && runs="main c11 main-b c11-b"
SH="--shape 1,8,512,64 --shape 1,8,512,64,causal --shape 2,4,1000,64 --shape 1,8,2048,64"
for n in $runs; do tar xf $D/${n%-b}.tar
  timeout 45 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== bench $n rc=$? $(el)"; pack; done
for c in $(echo $runs | tr ' ' '\n' | grep -v -- -b); do tar xf $D/$c.tar
  timeout 60 python3 $S 1,8,512,64 wgmma_fused mma_fused > $L/samples-$c.log 2>&1; echo "samples $c rc=$? $(el)"; pack; done
if [ $rc = 0 ]; then tar xf $D/c11.tar
  timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-c11.log 2>&1; echo "full c11 rc=$?: $(tail -n 1 $L/check-full-c11.log) $(el)"; pack
  timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 80 > $L/sanitize-c11.log 2>&1; echo "sanitize c11 rc=$? $(el)"; tail -n 4 $L/sanitize-c11.log; pack
fi
echo "== tmaprobe"; cut -c1-190 $L/tmaprobe.log | tail -n 4
for n in $runs; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
for c in $(echo $runs | tr ' ' '\n' | grep -v -- -b); do echo "== samples $c"; cut -c1-160 $L/samples-$c.log; done
