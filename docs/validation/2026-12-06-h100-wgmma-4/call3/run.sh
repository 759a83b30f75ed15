# session 4 call 3 (issue 25): v10.15 (06d33509) recorded onto the climb history and gated against the step before (call 2 recorded d468c664 by mistake: the device's HEAD, v10.14 with comments only); the table in a second bench run, for its run-to-run spread
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main; git log --oneline -1 06d33509 | cut -c1-80
{ nvidia-smi -L; date -u; md5sum csrc/kernels/wgmma_fused.cu; git show 06d33509:csrc/kernels/wgmma_fused.cu | md5sum; } | tee $L/device.txt
mkdir -p .asv && rm -rf .asv/results && cp -r .probe/results .asv/results
timeout 90 python3 -m fcbench record 06d33509 > $L/record-06d33509.log 2>&1; echo "record rc=$?: $(tail -n 1 $L/record-06d33509.log | cut -c1-70)"
for prev in d468c664 34ca9fc6; do timeout 30 python3 -m fcbench gate $prev 06d33509 --results-dir .asv/results --markdown $L/gate-$prev-06d33509.md --json $L/gate-$prev-06d33509.json > $L/gate-$prev-06d33509.log 2>&1; echo "gate $prev -> 06d33509 rc=$?: $(tail -n 1 $L/gate-$prev-06d33509.log)"; done
tar czf $OUT/results.tgz -C .asv results; pack
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal"
timeout 170 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-all-2.log 2>&1; echo "bench rc=$?"; pack
grep -vE '^\[' $L/bench-all-2.log | tail -n 26
