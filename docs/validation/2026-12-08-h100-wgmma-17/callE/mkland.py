# Probe (session 17): when does each of the first item's copies land? Takes a trace build (the
# twelfth session's callB/mktrace.py output) and, in a lone consumer warpgroup's first item, polls
# the barriers of Q, K0, V0 (and, two tiles, K1, V1) until all have completed, stamping each as
# it completes (cycles since the warpgroup's entry), before its first wait.
# Not for landing.   python3 mkland.py TRACE.cu OUT.cu   (vkq.py: the reversed issue order)
import sys
src = open(sys.argv[1]).read()
def sub(old, new):
    global src
    assert src.count(old) == 1, (old, src.count(old))
    src = src.replace(old, new)
sub('''    mbar_wait(q_full, round & 1);
    TR();
''', '''    if constexpr (Cfg::kConsumers == 1) {
      if (round == 0) {  // poll every barrier of the first item's copies; stamp each as it completes
        const int nb = num_tiles > 1 ? 5 : 3;
        const uint32_t bars[5] = {q_full, k_full(0), v_full(0), k_full(1), v_full(1)};
        long long at[5] = {0, 0, 0, 0, 0};
        for (int left = nb; left > 0;) {
          for (int i = 0; i < nb; ++i) {
            if (at[i]) continue;
            uint32_t d;
            asm volatile("{\\n.reg .pred p;\\nmbarrier.test_wait.parity.shared::cta.b64 p, [%1], 0;\\nselp.u32 %0, 1, 0, p;\\n}\\n"
                         : "=r"(d) : "r"(bars[i]) : "memory");
            if (d) { at[i] = clock64() - tr_c0; --left; }
          }
        }
        for (int i = 0; i < nb; ++i) if (tr_n < 21) tr_slot[3 + tr_n++] = at[i];
      }
    }
    mbar_wait(q_full, round & 1);
    TR();
''')
open(sys.argv[2], "w").write(src)
