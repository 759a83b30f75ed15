# Makes trace.cu: main.cu + clock64 stamps at each stage of a block (one lane per warpgroup),
# printed once per warpgroup at the kernel's end. A probe, not for landing.
# Twelfth session (2026-12-07): the seventh session's mktrace.py, made to apply also to the
# candidates of callB (preload.patch, noreg.patch, combine.patch): only the producer loop's copies
# are stamped, and the consumers' setmaxnreg may sit behind `if constexpr`.
import sys
src = open(sys.argv[1]).read()
def sub(old, new, count=1):
    global src
    assert src.count(old) == count, (old, src.count(old))
    src = src.replace(old, new)
sub('#include "launch.cuh"\n', '''#include "launch.cuh"
// Probe: per block (< 1024) and warpgroup, 24 slots: globaltimer at entry, at the end, the stamp
// count, then clock64() stamps since entry. Read by fcbench_trace_read (ctypes).
__device__ long long g_trace[1024 * 6 * 24];
extern "C" int fcbench_trace_read(long long* dst) {
  return static_cast<int>(cudaMemcpyFromSymbol(dst, g_trace, sizeof(g_trace)));
}
''')
sub('''  const int warpgroup = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x / 128), 0);
''', '''  const int warpgroup = __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x / 128), 0);
  unsigned long long tr_g0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(tr_g0));
  const long long tr_c0 = clock64();
  int tr_n = 0;
  const bool tr_on = threadIdx.x % 128 == 0 && blockIdx.x < 1024;
  long long* tr_slot = g_trace + (blockIdx.x * 6 + warpgroup) * 24;
  if (tr_on) { tr_slot[0] = static_cast<long long>(tr_g0); tr_slot[1] = 0; }
#define TR() do { if (tr_n < 21) tr_slot[3 + tr_n++] = clock64() - tr_c0; } while (0)
#define TR_END() do { if (tr_on) { unsigned long long g1; asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(g1)); tr_slot[1] = static_cast<long long>(g1); tr_slot[2] = tr_n; } } while (0)
''')
# producer
sub('''  __syncthreads();

  if (warpgroup == 0) {''', '''  __syncthreads();
  TR();

  if (warpgroup == 0) {''')
import re
n_issue = 0
def stamp(m):
    global n_issue
    n_issue += 1
    return m.group(0) + m.group(1) + "TR();\n"
src = re.sub(r"( *)tma_load\([kv]_smem[^;]*, h, b, [kv]_full\(s\)\);\n", stamp, src)
assert n_issue == 2, n_issue
inc = "  if constexpr (Cfg::kReallocate) setmaxnreg_inc" if "kReallocate) setmaxnreg_inc" in src else "  setmaxnreg_inc"
sub('''    }
    return;
  }

''' + inc, '''      TR_END();
    }
    return;
  }

''' + inc)
sub(inc + '''<Cfg::kConsumerRegs>();
''', inc + '''<Cfg::kConsumerRegs>();
  TR();
''')
sub('''    mbar_wait(q_full, round & 1);
''', '''    mbar_wait(q_full, round & 1);
    TR();
''')
sub('''      mbar_wait(k_full(stage(first)), phase(first));
      wait_turn();
''', '''      mbar_wait(k_full(stage(first)), phase(first));
      TR();
      wait_turn();
''')
sub('''      wgmma_wait_all();
      fence_registers(sc);
      if (lane == 0) mbar_arrive(k_empty(stage(first)));
      if (my_count == 1) release_q();
      softmax(first);
''', '''      wgmma_wait_all();
      fence_registers(sc);
      TR();
      if (lane == 0) mbar_arrive(k_empty(stage(first)));
      if (my_count == 1) release_q();
      softmax(first);
      TR();
''')
sub('''        mbar_wait(v_full(sp), phase(prev));
        wait_turn();
''', '''        mbar_wait(v_full(sp), phase(prev));
        TR();
        wait_turn();
''')
sub('''        if (i == my_count - 1) release_q();
        softmax(tile);
''', '''        TR();
        if (i == my_count - 1) release_q();
        softmax(tile);
        TR();
''')
sub('''      if (!(last_consumer && my_tiles == num_tiles)) pass_turn();
      wgmma_wait_all();
      fence_registers(o);
''', '''      if (!(last_consumer && my_tiles == num_tiles)) pass_turn();
      wgmma_wait_all();
      fence_registers(o);
      TR();
''')
if 'kOwnPartials' not in src:
    sub('''      named_barrier_sync(1, 128 * kConsumers);
      if (consumer > 0) {''', '''      named_barrier_sync(1, 128 * kConsumers);
      TR();
      if (consumer > 0) {''')
    sub('''      named_barrier_sync(1, 128 * kConsumers);
      if (consumer > 0) continue;''', '''      TR();
      named_barrier_sync(1, 128 * kConsumers);
      TR();
      if (consumer > 0) {
        if (round == 0) TR_END();
        continue;
      }''')
else:  # c3's combine: float4 partials, arrive and leave
    sub("""      if constexpr (!Cfg::kOwnPartials) named_barrier_sync(1, 128 * kConsumers);
""", """      if constexpr (!Cfg::kOwnPartials) named_barrier_sync(1, 128 * kConsumers);
      TR();
""")
    sub("""        named_barrier_arrive(1, 128 * kConsumers);
        continue;""", """        TR();
        named_barrier_arrive(1, 128 * kConsumers);
        if (round == 0) TR_END();
        continue;""")
    nxt = "      auto combine" if "auto combine = [&](int other)" in src else "#pragma unroll\n      for (int other"  # call C's combine2
    sub("""      named_barrier_sync(1, 128 * kConsumers);
""" + nxt, """      named_barrier_sync(1, 128 * kConsumers);
      TR();
""" + nxt)
# after combine and after the store
if "// O / l as fp16, straight from the accumulators" in src:  # the kernel as of the seventh session
    sub('''    // O / l as fp16, straight from the accumulators: a quad writes 16 contiguous bytes of a row.
''', '''    TR();
    // O / l as fp16, straight from the accumulators: a quad writes 16 contiguous bytes of a row.
''')
    sub('''          *reinterpret_cast<uint32_t*>(out + 8 * j) = pack_half2(o[4 * j + 2 * half] * inv_l, o[4 * j + 2 * half + 1] * inv_l);
      }
    }
  }
}''', '''          *reinterpret_cast<uint32_t*>(out + 8 * j) = pack_half2(o[4 * j + 2 * half] * inv_l, o[4 * j + 2 * half + 1] * inv_l);
      }
    }
    TR();
    if (round == 0) TR_END();
  }
}''')
else:  # v10.19's quad-transposed stores (eleventh session, 2026-12-07)
    sub('''    // O / l as fp16: groups of four''', '''    TR();
    // O / l as fp16: groups of four''')
    sub('''      if (row < p.seqlen) *reinterpret_cast<uint4*>(out + 8 * (jb + t)) = make_uint4(w[0], w[1], w[2], w[3]);
    }
  }
}''', '''      if (row < p.seqlen) *reinterpret_cast<uint4*>(out + 8 * (jb + t)) = make_uint4(w[0], w[1], w[2], w[3]);
    }
    TR();
    if (round == 0) TR_END();
  }
}''')
src = src.replace("#define TR()", "#define TR() if (tr_on)")  # only the warpgroup's first thread stamps
src = src.replace("if (tr_on) do {", "if (tr_on) do {")
open(sys.argv[2], "w").write(src)
