# call 4 (session 3, issue 25): v10.13 (9d654b0) beside its peers (the table, one bench run, 300 samples per row); v10.12 (ec2d956) and v10.13 recorded onto the climb history and each gated against the step before
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main && git log --oneline -1 9d654b0 | cut -c1-80
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u; md5sum csrc/kernels/wgmma_fused.cu; git show 9d654b0:csrc/kernels/wgmma_fused.cu | md5sum; } | tee $L/device.txt
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 170 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all.log 2>&1; echo "bench rc=$?"; pack
grep -vE '^\[' $L/bench-all.log | tail -n 26
mkdir -p .asv && rm -rf .asv/results && cp -r .probe/results .asv/results
prev=33e2d4d5
for sha in ec2d956 9d654b0; do s8=$(git rev-parse --short=8 $sha)
  timeout 60 python3 -m fcbench record $sha > $L/record-$s8.log 2>&1; echo "record $s8 rc=$?: $(tail -n 1 $L/record-$s8.log | cut -c1-60)"
  timeout 30 python3 -m fcbench gate $prev $s8 --results-dir .asv/results --markdown $L/gate-$prev-$s8.md --json $L/gate-$prev-$s8.json > $L/gate-$prev-$s8.log 2>&1; echo "gate $prev -> $s8 rc=$?: $(tail -n 1 $L/gate-$prev-$s8.log)"; prev=$s8; pack; done
tar czf $OUT/results.tgz -C .asv results; pack
