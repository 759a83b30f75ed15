# call 8 (issue 25): v10.10 (8769f05): quick check, the gate's interleaved compare against v10.8 (0c5d5f9), full check, sanitizers, then the climb's last step recorded onto call 6's history (.probe/results = call6/climb/results) and gated against v10.9
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
git fetch -q .probe/climb.bundle main:refs/heads/climb-main && git log --oneline -1 8769f05
{ nvidia-smi -L; date -u; } | tee $L/device.txt
timeout 100 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-quick.log 2>&1; rc=$?; echo "quick check rc=$rc: $(tail -n 1 $L/check-quick.log)"; pack; [ $rc = 0 ] || exit 1
timeout 200 python3 -m fcbench compare 0c5d5f9 8769f05 --variant wgmma_fused --gate --markdown $L/compare-v108-v1010.md > $L/compare-v108-v1010.log 2>&1; echo "compare --gate rc=$?"; grep -E "^\| wgmma" $L/compare-v108-v1010.md; pack
timeout 150 python3 -m fcbench check --variant wgmma_fused > $L/check-full.log 2>&1; echo "full check rc=$?: $(tail -n 1 $L/check-full.log)"; pack
timeout 90 python3 -m fcbench sanitize --variant wgmma_fused --timeout-s 40 > $L/sanitize.log 2>&1; echo "sanitize rc=$?"; tail -n 3 $L/sanitize.log; pack
mkdir -p .asv && cp -r .probe/results .asv/results
timeout 60 python3 -m fcbench record 8769f05 > $L/record-8769f05.log 2>&1; echo "record rc=$?: $(tail -n 1 $L/record-8769f05.log)"
timeout 30 python3 -m fcbench gate 0ad989c 8769f05 --results-dir .asv/results --markdown $L/gate-0ad989cf-8769f05.md --json $L/gate-0ad989cf-8769f05.json > $L/gate-0ad989cf-8769f05.log 2>&1; echo "gate rc=$?: $(tail -n 1 $L/gate-0ad989cf-8769f05.log)"
tar czf $OUT/results.tgz -C .asv results; pack
