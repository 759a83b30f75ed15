"""Probe: why does CudaTimer call samples 'late' when fn is a 100 us GPU sleep? (diagnostic)"""
import time
import torch
from fcbench.timer import CudaTimer, HostTooSlow

class Probe(CudaTimer):
    def __init__(self):
        super().__init__()
        self.log = []
    def _enqueue(self, fn, spin_cycles):
        t0 = time.perf_counter()
        e0 = torch.cuda.Event(enable_timing=True); e0.record()
        self._flush.zero_()
        e1 = torch.cuda.Event(enable_timing=True); e1.record()
        torch.cuda._sleep(spin_cycles)
        t1 = time.perf_counter()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        q_before_fn = start.query()
        t2 = time.perf_counter()
        fn()
        t3 = time.perf_counter()
        end.record()
        late = start.query()
        e0q = e0.query()
        t4 = time.perf_counter()
        self.log.append(dict(spin=spin_cycles, late=late, qb=q_before_fn, e0done=e0q, host_us=[round((t - t0) * 1e6, 1) for t in (t1, t2, t3, t4)], ev=(e0, e1, start, end)))
        return start, end, late

def report(p, title):
    torch.cuda.synchronize()
    lates = sum(r["late"] for r in p.log)
    print(f"== {title}: {len(p.log)} enqueues, {lates} late, retaken={p.retaken}")
    for i, r in enumerate(p.log[:12] + [r for r in p.log[12:] if r["late"]][:25]):
        e0, e1, s, e = r["ev"]
        print(f"  spin={r['spin']:>8} late={r['late']!s:5} qb={r['qb']!s:5} e0done={r['e0done']!s:5} host_us={r['host_us']} "
              f"gpu flush={e0.elapsed_time(e1)*1e3:7.1f} flush->start={e1.elapsed_time(s)*1e3:7.1f} call={s.elapsed_time(e)*1e3:7.1f}")
    p.log.clear()

p = Probe()
print("cycles/us", p._cycles_per_us)
for us in (50, 100, 200):
    cycles = int(us * p._cycles_per_us)
    try:
        t = p.time(lambda: torch.cuda._sleep(cycles), min_samples=30, budget_s=0.2)
        print("median", t.summary.median, "n", t.summary.n)
    except HostTooSlow as exc:
        print("HostTooSlow", exc)
    report(p, f"time(sleep {us} us)")
    for _ in range(10):
        try:
            p.sample(lambda: torch.cuda._sleep(cycles), int(20 * p._cycles_per_us))
        except HostTooSlow as exc:
            print("HostTooSlow", exc)
    report(p, f"sample(sleep {us} us) synced")
