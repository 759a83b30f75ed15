# session 11 call G (issue 25): the cost of a block's first tile by TMA (tmaprobe.py, the ninth session's,
# with the tenth's global-map kernel) and by cp.async or plain loads (loadprobe.py), same grid, same tile,
# one machine. One call from the repository root (about 1 minute):
#   bash docs/validation/2026-12-07-h100-wgmma-11/callG/run.sh
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; { nvidia-smi -L; date -u; } | tee $L/device.txt
for i in 1 2; do
  timeout 60 python3 docs/validation/2026-12-07-h100-wgmma-9/next/tmaprobe.py > $L/tmaprobe-$i.log 2>&1; echo "tmaprobe $i rc=$?"
  timeout 60 python3 docs/validation/2026-12-07-h100-wgmma-11/callG/loadprobe.py > $L/loadprobe-$i.log 2>&1; echo "loadprobe $i rc=$?"
done
tar czf $OUT/logs.tgz -C $OUT logs
for i in 1 2; do sed -E "s/ [.X]+ / /" $L/tmaprobe-$i.log | tail -n 4; tail -n 3 $L/loadprobe-$i.log; done
