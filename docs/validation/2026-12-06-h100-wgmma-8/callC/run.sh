# session 8 call C (issue 25): the climb's steps after v10.15 (06d33509) on an H100: the table of the last
# step ($2 or $1) in one bench run beside its peers, then `fcbench record` of each step onto the climb's history and
# the gate of each against the one before.  Usage: run.sh STEP [STEP]
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
git fetch -q .probe/c/climb.bundle main:refs/heads/climb-main
STEPS=$(for r in "$@"; do git rev-parse --short=8 $r; done); LAST=$(echo $STEPS | awk '{print $NF}')
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; echo "HEAD $(git rev-parse --short=8 HEAD) steps $STEPS"; md5sum csrc/kernels/wgmma_fused.cu; git show $LAST:csrc/kernels/wgmma_fused.cu | md5sum; } | tee $L/device.txt
git show $LAST:csrc/kernels/wgmma_fused.cu > csrc/kernels/wgmma_fused.cu
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
timeout 200 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash --min-samples 300 $SH > $L/bench-all.log 2>&1; echo "bench rc=$? $(el)"; pack
git checkout -q csrc/kernels/wgmma_fused.cu
mkdir -p .asv; cp -r .probe/c/results .asv/results
prev=06d33509
for H in $STEPS; do
  timeout 150 python3 -m fcbench record $H > $L/record-$H.log 2>&1; echo "record $H rc=$? $(el)"
  python3 -m fcbench gate $prev $H --results-dir .asv/results --markdown $L/gate-$prev-$H.md --json $L/gate-$prev-$H.json > $L/gate-$prev-$H.log 2>&1; echo "gate $prev -> $H rc=$?: $(tail -n 1 $L/gate-$prev-$H.log) $(el)"
  cp .asv/results/*/$H-*.json $L/ 2>/dev/null; pack; prev=$H
done
grep -E '^(wgmma_fused|mma_fused|sdpa_cudnn|sdpa_flash) ' $L/bench-all.log | awk "{print \$1,\$2,\$3,\$4,\$6}"
for f in $L/gate-*.md; do echo "== $f"; grep wgmma_fused $f | head -6; done
