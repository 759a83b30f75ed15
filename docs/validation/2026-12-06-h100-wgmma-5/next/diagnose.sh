# NOT YET RUN (no device time was left this session). The next device call for issue 25, from the
# repository root on an H100: ncu of the three climb steps still without it; then v10.17d
# (250b629's kernel + v10.17c.patch + v10.17d.patch, the descriptors' start field masked, + print-pairs.patch)
# quick-checked, and benched against main's kernel if it passes, or its failure isolated if not
# (per-block errors against a float64 reference, memcheck, racecheck at (2,3,512,128)).
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
D=docs/validation/2026-12-06-h100-wgmma-5; W=csrc/kernels/wgmma_fused.cu
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
cp $W /tmp/main.cu; { nvidia-smi -L; date -u; } | tee $L/device.txt
bash scripts/ncu-climb.sh wgmma_fused "1,8,512,64 4,16,2048,64 4,16,2048,128 4,16,2048,64,causal" 33e2d4d ec2d956 9d654b0
git show 250b629:$W > /tmp/v1017d.cu && patch -s /tmp/v1017d.cu $D/v10.17c.patch && patch -s /tmp/v1017d.cu $D/next/v10.17d.patch && patch -s /tmp/v1017d.cu $D/next/print-pairs.patch
cp /tmp/v1017d.cu $W; md5sum $W | tee -a $L/device.txt
timeout 150 python3 -m fcbench check --variant wgmma_fused --quick > $L/check-v1017d.log 2>&1; rc=$?; echo "v10.17d quick check rc=$rc: $(tail -n 1 $L/check-v1017d.log)"; pack
if [ $rc = 0 ]; then
  SH="--shape 1,8,512,64 --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
  for n in main v1017d main-b v1017d-b; do cp /tmp/${n%-b}.cu $W
    timeout 60 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; pack; done
else
  timeout 90 python3 $D/next/dbg.py 2,3,512,64 2,3,512,128 2,3,256,128 1,1,512,128 2,3,512,128,c > $L/dbg.log 2>&1; echo "dbg rc=$?"; pack
  for tool in memcheck racecheck; do timeout 60 compute-sanitizer --tool $tool python3 scripts/profile_call.py wgmma_fused 2,3,512,128 1 > $L/$tool.log 2>&1
    echo "$tool rc=$?"; pack; done
fi
cp /tmp/main.cu $W; grep -h "^DBG" $L/*.log | sort -u
