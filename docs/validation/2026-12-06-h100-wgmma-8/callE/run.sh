# session 8 call E (issue 25): v10.19 (the working tree, fcc16af's kernel) beside its peers, the table again.
set -o pipefail; export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
python3 -c 'import asv, pygal' 2>/dev/null || python3 -m pip install -q --no-index --no-deps --break-system-packages .whl/*.whl 2>&1 | grep -vi warning
L=$OUT/logs; mkdir -p $L; { nvidia-smi -L; date -u; md5sum csrc/kernels/wgmma_fused.cu; } | tee $L/device.txt
SH="--shape 1,8,512,64 --shape 4,16,2048,64 --shape 4,16,2048,128 --shape 4,16,2048,64,causal --shape 8,16,4096,128 --shape 2,32,8192,64,causal --shape 1,8,512,128 --shape 2,4,1000,64 --shape 1,8,512,64,causal"
timeout 200 python3 -m fcbench bench --variant wgmma_fused,mma_fused,sdpa_cudnn,sdpa_flash --min-samples 300 $SH > $L/bench-all-2.log 2>&1; echo "bench rc=$?"
grep -E '^(wgmma_fused|mma_fused|sdpa_cudnn|sdpa_flash) ' $L/bench-all-2.log | awk "{print \$1,\$2,\$3,\$4,\$6}"
