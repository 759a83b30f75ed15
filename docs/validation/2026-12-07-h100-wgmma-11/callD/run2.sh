# call D2: smemprobe.py again (call D's first run wrote shared memory that the 0 KB case did not have)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; nvidia-smi -L | tee $L/device.txt; date -u | tee -a $L/device.txt
timeout 240 python3 -m fcbench build > $L/build.log 2>&1; echo "build rc=$?"
timeout 100 python3 docs/validation/2026-12-07-h100-wgmma-11/callD/smemprobe.py > $L/smemprobe.log 2>&1; echo "smemprobe rc=$?"
tar czf $OUT/logs.tgz -C $OUT logs; grep -v "^\s*$" $L/smemprobe.log | tail -n 16
