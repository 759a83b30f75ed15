# Probe (session 17): call E's mkland.py with its bug fixed. There every thread of the consumer
# warpgroup polled and wrote its stamps, but only thread 128 (tr_on) counts its stamps (TR() is
# guarded), so the other 127 wrote theirs from position 0, over the entry stamp and the first
# landings: the repeated values of call E. Here only tr_on polls the first item's barriers (Q, K0,
# V0; K1, V1 at two tiles), its stamps in registers (call E's local array cost a 64-byte stack
# frame), and writes them; the other threads go straight to the kernel's own waits.
# Not for landing.   python3 mkland2.py TRACE.cu OUT.cu   (../callE/vkq.py: the reversed issue order)
import sys
src = open(sys.argv[1]).read()
def sub(old, new):
    global src
    assert src.count(old) == 1, (old, src.count(old))
    src = src.replace(old, new)
sub('''    mbar_wait(q_full, round & 1);
    TR();
''', '''    if constexpr (Cfg::kConsumers == 1) {
      if (round == 0 && tr_on) {
        // One thread polls; each barrier's stamp is taken the first time its test succeeds.
        const bool two = num_tiles > 1;
        long long a0 = 0, a1 = 0, a2 = 0, a3 = two ? 0 : 1, a4 = two ? 0 : 1;
        auto test = [](uint32_t bar) {
          uint32_t d;
          asm volatile("{\\n.reg .pred p;\\nmbarrier.test_wait.parity.shared::cta.b64 p, [%1], 0;\\nselp.u32 %0, 1, 0, p;\\n}\\n"
                       : "=r"(d) : "r"(bar) : "memory");
          return d != 0;
        };
        while (!(a0 && a1 && a2 && a3 && a4)) {
          if (!a0 && test(q_full)) a0 = clock64() - tr_c0;
          if (!a1 && test(k_full(0))) a1 = clock64() - tr_c0;
          if (!a2 && test(v_full(0))) a2 = clock64() - tr_c0;
          if (!a3 && test(k_full(1))) a3 = clock64() - tr_c0;
          if (!a4 && test(v_full(1))) a4 = clock64() - tr_c0;
        }
        tr_slot[3 + tr_n++] = a0;
        tr_slot[3 + tr_n++] = a1;
        tr_slot[3 + tr_n++] = a2;
        if (two) {
          tr_slot[3 + tr_n++] = a3;
          tr_slot[3 + tr_n++] = a4;
        }
      }
    }
    mbar_wait(q_full, round & 1);
    TR();
''')
open(sys.argv[2], "w").write(src)
