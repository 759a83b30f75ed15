# session 12 call F (issue 25): is P1 (call D) safe to land? Call E's P2 (P1 without V's preload)
# hung once in the full check (S=1000 D=128 causal normal seed=1 bhsd B=2 H=3). Here: that shape 4x
# with P2 and 4x with P1 (call E's hangprobe.py, 20 s each), P1's full check twice more, and the GPU
# tests (scripts/gpu-tests.sh) with P1 in the checkout. Files put back at the end.
#   bash docs/validation/2026-12-07-h100-wgmma-12/callF/run.sh   (carry .whl; about 3-4 minutes)
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
V=docs/validation/2026-12-07-h100-wgmma-12; F=csrc/kernels/wgmma_fused.cu; D=$(mktemp -d)
cp $F $D/main.cu
for c in callD/P1 callE/P2; do git apply $V/$c.patch && cp $F $D/${c#*/}.cu && cp $D/main.cu $F || exit 3; done
trap 'cp $D/main.cu $F; pack' EXIT
T0=$(date +%s); el() { echo "[$(( $(date +%s) - T0 )) s]"; }
{ nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.max.sm --format=csv; date -u; md5sum $D/*.cu; } | tee $L/device.txt
for c in P2 P1; do cp $D/$c.cu $F; timeout 120 python3 -m fcbench build > $L/build-$c.log 2>&1; echo "build $c rc=$? $(el)"
  timeout 100 python3 $V/callE/hangprobe.py 2,3,1000,128,causal 2,3,1000,128,causal 2,3,1000,128,causal 2,3,1000,128,causal > $L/hangprobe-$c.log 2>&1
  echo "hangprobe $c rc=$? $(el)"; cat $L/hangprobe-$c.log; pack; done
for i in 1 2; do timeout 90 python3 -m fcbench check --variant wgmma_fused > $L/check-full-P1-$i.log 2>&1; echo "full P1 #$i rc=$?: $(tail -n 1 $L/check-full-P1-$i.log) $(el)"; pack; done
timeout 120 bash scripts/gpu-tests.sh "$(dirname "$(command -v python3)")" > $L/gpu-tests-P1.log 2>&1; echo "gpu-tests P1 rc=$? $(el)"; tail -n 2 $L/gpu-tests-P1.log
