# Issue 25, prepared in the eighth session (2026-12-06) and not run there (its device time was spent):
#   c10   the four-way split's (D=64) Q and first K tile of each warpgroup by cp.async from three producer warps at
#         the kernel's entry, completing on Q's barrier, so that the first tiles do not wait for a tensor map's fetch
#   c10w  the same for every small-grid configuration: both key splits and the one-warpgroup kernels
#   c10s  c10 with mma_fused's swizzled cp.async copy (cp_async_tile) moved to common.cuh and used for
#         those loads (ninth session): mma_fused's SASS is unchanged; its common.cuh and mma_fused.cu
#         stay applied for the whole call, and every candidate's wgmma_fused.cu is taken from its patch
# Run from the repository root, carrying .whl; the checkout's kernel is put back at the end:
#   bash docs/validation/2026-12-06-h100-wgmma-8/next/run.sh bench           quick checks, then both benched against
#                                                                           the checkout's kernel, alternated twice
#   bash docs/validation/2026-12-06-h100-wgmma-8/next/run.sh validate c10w   full check, sanitizers, the table
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
MODE=${1:-bench}; CANDIDATES=${2:-c10s c10w}
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-06-h100-wgmma-8/next; W=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d); cp $W $D/main.cu
H="csrc/kernels/common.cuh csrc/kernels/mma_fused.cu"; tar cf $D/shared.tar $H
trap 'cp $D/main.cu $W; tar xf $D/shared.tar; pack' EXIT
git apply --include=csrc/kernels/common.cuh --include=csrc/kernels/mma_fused.cu $N/c10s.patch || exit 3
for c in $CANDIDATES; do git apply --include=$W $N/$c.patch && cp $W $D/$c.cu && cp $D/main.cu $W || exit 3; done
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline; md5sum $W $D/*.cu $H; } | tee $L/device.txt
if [ "$MODE" = bench ]; then
  ok=""
  for c in $CANDIDATES; do cp $D/$c.cu $W
    timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-$c.log 2>&1; rc=$?
    echo "quick $c rc=$rc: $(tail -n 1 $L/check-quick-$c.log) $(el)"; pack; [ $rc = 0 ] && ok="$ok $c"; done
  SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal --shape 1,8,2048,64 --shape 1,8,2048,128"
  runs="main $ok main-b $(for c in $ok; do echo $c-b; done)"
  for n in $runs; do cp $D/${n%-b}.cu $W
    timeout 45 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== bench $n rc=$? $(el)"; pack; done
  for c in main $ok; do cp $D/$c.cu $W  # the period-4 samples (../period4.py) of each kernel, beside mma_fused and cuDNN
    timeout 60 python3 $N/samples.py 1,8,512,64 wgmma_fused mma_fused sdpa_cudnn > $L/samples-$c.log 2>&1; echo "samples $c rc=$? $(el)"; pack; done
  for n in $runs; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
  for c in main $ok; do echo "== samples $c"; cat $L/samples-$c.log | cut -c1-160; done
else
  c=${2:?validate needs one candidate}; cp $D/$c.cu $W
  timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-$c.log 2>&1; echo "full $c rc=$?: $(tail -n 1 $L/check-full-$c.log) $(el)"; pack
  timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 80 > $L/sanitize-$c.log 2>&1; echo "sanitize $c rc=$? $(el)"; tail -n 4 $L/sanitize-$c.log; pack
  TS="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
  timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash --min-samples 300 $TS > $L/bench-all-$c.log 2>&1; echo "table $c rc=$? $(el)"
  grep -E '^(wgmma_fused|mma_fused|sdpa_cudnn) ' $L/bench-all-$c.log | awk "{print \$1,\$2,\$3,\$4,\$6}"
fi
