# Probe (session 17): the preamble's first copies issued V0, K0, Q instead of Q, K0, V0, in a trace
# build (calls E and E2: issue order against landing order). Not for landing.
#   python3 vkq.py IN.cu OUT.cu
import sys
src = open(sys.argv[1]).read()
q = '''    mbar_arrive_expect_tx(q_full, Cfg::kQBytes);
#pragma unroll
    for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
      tma_load(q_smem + cb * kBlockM * 128, &tm_q, 64 * cb, first.block_row0, first.h, first.b, q_full);
'''
k = '''    mbar_arrive_expect_tx(k_full(0), Cfg::kTileBytes);
#pragma unroll
    for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
      tma_load(k_smem + cb * kBlockN * 128, &tm_k, 64 * cb, 0, first.h, first.b, k_full(0));
'''
v = '''    mbar_arrive_expect_tx(v_full(0), Cfg::kTileBytes);
#pragma unroll
    for (int cb = 0; cb < Cfg::kColBlocks; ++cb)
      tma_load(v_smem + cb * kBlockN * 128, &tm_v, 64 * cb, 0, first.h, first.b, v_full(0));
'''
assert src.count(q + k + v) == 1, "the preamble's Q, K0, V0 copies not found"
open(sys.argv[2], "w").write(src.replace(q + k + v, v + k + q))
