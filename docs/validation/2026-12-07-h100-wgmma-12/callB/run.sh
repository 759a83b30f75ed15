# session 12 call B (issue 25): three candidates against the launch-bound gap, each alone and all
# together (patches on this checkout's kernel, v10.19 + session 11's D=128 routing):
#   preload.patch  the first item's Q and its first K and V tiles (each key-split warpgroup's
#                  first) issued by thread 0 before the block's first barrier, not by the producer
#                  after its setmaxnreg.dec (call A's probe: K landed 330-800 cycles after Q);
#   noreg.patch    no setmaxnreg where one consumer warpgroup already has every register (256 threads);
#   combine.patch  a key split's warpgroups without a tile write no partial state, and warpgroup 0
#                  combines only those that had one ((1,1,64,64): one of four).
# Quick check of each, full check of all three, the stage probe of all three at call A's shapes,
# then wgmma_fused benched twice, alternated (main A B C ABC, then back), mma_fused in the first run.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callB/run.sh   (carry .whl; about 4 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
N=docs/validation/2026-12-07-h100-wgmma-12/callB; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu
for c in A:combine B:preload C:noreg; do git apply $N/${c#*:}.patch && cp $F $D/${c%:*}.cu && cp $D/main.cu $F || exit 3; done
git apply $N/all.patch && cp $F $D/ABC.cu && cp $D/main.cu $F || exit 3
python3 $N/mktrace.py $D/ABC.cu $D/trABC.cu || exit 3
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.max.sm --format=csv; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in main A B C ABC; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"; done
for c in A B C; do cp $D/$c.cu $F; timeout 60 python3 -m fcbench check --quick --variant wgmma_fused > $L/check-quick-$c.log 2>&1; echo "quick $c rc=$?: $(tail -n 1 $L/check-quick-$c.log) $(el)"; done; pack
cp $D/ABC.cu $F; timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-ABC.log 2>&1; echo "full ABC rc=$?: $(tail -n 1 $L/check-full-ABC.log) $(el)"; pack
cp $D/trABC.cu $F; timeout 100 python3 docs/validation/2026-12-06-h100-wgmma-7/trace.py 1,1,64,64 2,3,97,64 2,3,97,128 1,8,512,64 > $L/trace-ABC.out 2> $L/trace-ABC.err; echo "trace ABC rc=$? $(el)"; pack
SH="--shape 1,1,64,64 --shape 2,3,97,64 --shape 2,3,97,128 --shape 1,1,64,128 --shape 1,8,512,64 --shape 1,8,512,128 --shape 4,16,2048,64"
cp $D/main.cu $F; timeout 60 python3 -m fcbench bench --variant mma_fused $SH --min-samples 300 > $L/bench-mma.log 2>&1; echo "bench mma rc=$? $(el)"
for n in main A B C ABC ABC-b C-b B-b A-b main-b; do cp $D/${n%-b}.cu $F
  timeout 45 python3 -m fcbench bench --variant wgmma_fused $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "bench $n rc=$? $(el)"; pack; done
cut -c1-300 $L/trace-ABC.out
for n in mma main A B C ABC ABC-b C-b B-b A-b main-b; do echo "$n: $(grep -E '^(wgmma_fused|mma_fused) ' $L/bench-$n.log 2>/dev/null | awk '{print $3}' | paste -sd' ')"; done
