# session 8 call F (issue 25): c10 (the four-way split's Q and first K tile of each warpgroup by cp.async from three
# producer warps at kernel entry, completing on Q's barrier, so the first tiles do not wait for a tensor map's fetch):
# quick check, bench alternated against the checkout's kernel beside mma_fused, full check, sanitizers, then the
# issue's table. Prepared in the eighth session, not run (its device time was spent). Run from the repository root:
#   bash docs/validation/2026-12-06-h100-wgmma-8/next/run.sh   (carry .whl; the checkout's kernel is put back)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
W=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d); cp $W $D/main.cu
git apply docs/validation/2026-12-06-h100-wgmma-8/next/c10.patch && cp $W $D/c10.cu && cp $D/main.cu $W || exit 3
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; git log -1 --oneline; md5sum $W $D/*.cu; } | tee $L/device.txt
cp $D/c10.cu $W; timeout 90 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick-c10.log 2>&1; rc=$?; echo "quick c10 rc=$rc: $(tail -n 1 $L/check-quick-c10.log) $(el)"; pack
[ $rc = 0 ] || { cp $D/main.cu $W; tail -n 30 $L/check-quick-c10.log; exit 1; }
SH="--shape 1,8,512,64 --shape 2,4,1000,64 --shape 1,8,512,64,causal --shape 1,2,4096,64"
for n in main c10 main-b c10-b; do cp $D/${n%-b}.cu $W
  timeout 45 python3 -m fcbench bench --variant wgmma_fused,mma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== bench $n rc=$? $(el)"; pack; done
cp $D/c10.cu $W
timeout 80 python3 -m fcbench check --variant wgmma_fused > $L/check-full-c10.log 2>&1; echo "full c10 rc=$?: $(tail -n 1 $L/check-full-c10.log) $(el)"; pack
timeout 80 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 70 > $L/sanitize-c10.log 2>&1; echo "sanitize c10 rc=$? $(el)"; tail -n 4 $L/sanitize-c10.log; pack
TS="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash --min-samples 300 $TS > $L/bench-all-c10.log 2>&1; echo "table c10 rc=$? $(el)"; pack
cp $D/main.cu $W
for n in main c10 main-b c10-b; do echo "== $n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log | awk '{print $1,$2,$3,$4}' | paste -sd';')"; done
grep -E '^(wgmma_fused|mma_fused|sdpa_cudnn) ' $L/bench-all-c10.log | awk "{print \$1,\$2,\$3,\$4,\$6}"
