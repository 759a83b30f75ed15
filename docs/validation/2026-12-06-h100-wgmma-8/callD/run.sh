# session 8 call D (issue 25): the gate's own interleaved comparison of v10.15 (06d33509) and v10.19 (fcc16af) for
# wgmma_fused and wmma_fused_cpasync (whose unchanged source failed the recorded gate at x1.033), then ncu of both steps.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
git fetch -q .probe/d/climb.bundle main:refs/heads/climb-main
{ nvidia-smi -L; date -u; } | tee $L/device.txt
timeout 200 python3 -m fcbench compare 06d33509 fcc16af --variant wgmma_fused,wmma_fused_cpasync --gate --markdown $L/compare.md --json $L/compare.json > $L/compare.log 2>&1; echo "compare rc=$? $(el)"; pack
OUT=$L timeout 150 bash scripts/ncu-climb.sh wgmma_fused "1,8,512,64 4,16,2048,128" 06d33509 fcc16af > $L/ncu-climb.out 2>&1; echo "ncu rc=$? $(el)"; pack
grep -E "wgmma_fused|wmma_fused_cpasync" $L/compare.md | head -10; tail -2 $L/compare.log
