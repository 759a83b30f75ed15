# call 8 (session 3, issue 25, the mma_fused long-causal item; an experiment, no code change): mma_fused's D=64 causal blocks as its full ones (4 warps x 32 rows, 2 blocks per SM, via FCBENCH_NVCC_FLAGS) against the committed causal blocks (4 warps x 16 rows, 3 per SM), beside sdpa_flash
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
L=$OUT/logs; mkdir -p $L; pack() { tar czf $OUT/logs.tgz -C $OUT logs; }
python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
{ nvidia-smi -L; date -u; } | tee $L/device.txt
SH="--shape 2,32,8192,64,causal --shape 4,16,2048,64,causal --shape 1,16,4096,64,causal"
F="-DFCBENCH_MMA_CAUSAL_ROW_TILES_D64=2 -DFCBENCH_MMA_CAUSAL_MIN_BLOCKS_D64=2"
for n in base full base-b; do if [ ${n%-b} = full ]; then export FCBENCH_NVCC_FLAGS="$F"; else unset FCBENCH_NVCC_FLAGS; fi
  timeout 110 python3 -m fcbench bench --variant mma_fused,sdpa_flash $SH --min-samples 300 > $L/bench-$n.log 2>&1; echo "== $n rc=$?"; grep -E "^(mma_fused|sdpa_flash)" $L/bench-$n.log; pack; done
