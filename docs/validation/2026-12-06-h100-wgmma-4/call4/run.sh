# session 4 call 7 (issue 25): ncu with source counters of v10.15 (working tree = 06d33509's kernel) at (4,16,2048,128): stall reasons per SASS instruction
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
{ nvidia-smi -L; date -u; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
timeout 120 ncu --clock-control none -k regex:wgmma_fused_kernel --section SourceCounters --section WarpStateStats -o $L/v1015 python3 scripts/profile_call.py wgmma_fused 4,16,2048,128 1 > $L/ncu-run.log 2>&1; echo "ncu rc=$?"; pack
timeout 60 ncu -i $L/v1015.ncu-rep --page details --print-details all > $L/ncu-details.txt 2>&1; echo "details rc=$?"
timeout 60 ncu -i $L/v1015.ncu-rep --page source --csv --print-source sass > $L/ncu-source-sass.csv 2>&1; echo "source rc=$? $(wc -l < $L/ncu-source-sass.csv) lines"
rm -f $L/v1015.ncu-rep.gz; gzip -k $L/v1015.ncu-rep 2>/dev/null; pack
grep -iE "stall|Warp Cycles" $L/ncu-details.txt | head -30; head -3 $L/ncu-source-sass.csv | cut -c1-600
