"""Where a comparison's latency phase goes: per (variant, shape), the host wall time of one
fcbench latency sample against the GPU time it reports (mean, median and largest: a late host
showed as a tail).
Usage: python3 scripts/sample_overhead.py [SAMPLES]"""

import statistics
import sys
import time

from fcbench import build, measure, registry

# SAMPLES before the build: a typo is named at once, not after minutes of compiling.
if len(sys.argv) > 2 or (len(sys.argv) == 2 and (not sys.argv[1].isdigit() or int(sys.argv[1]) < 1)):
    print("usage: python3 scripts/sample_overhead.py [SAMPLES >= 1]", file=sys.stderr)
    sys.exit(2)
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
build.load()
print(f"{'variant':20} {'shape':22} {'wall ms/sample':>14} {'gpu ms':>8} {'median':>8} {'max':>8}")
total_wall = total_gpu = 0.0
for v in registry.VARIANTS:
    for shape in measure.tracked_shapes():
        try:
            p = measure.prepare(v.name, shape)
        except measure.Unsupported as exc:
            print(f"{v.name:20} {str(shape):22} unsupported: {exc}")
            continue
        t0 = time.perf_counter()
        samples = [measure.latency_sample_s(p) for _ in range(n)]
        gpu = sum(samples)
        wall = time.perf_counter() - t0
        total_wall += wall
        total_gpu += gpu
        print(f"{v.name:20} {str(shape):22} {wall / n * 1e3:14.3f} {gpu / n * 1e3:8.3f} "
              f"{statistics.median(samples) * 1e3:8.3f} {max(samples) * 1e3:8.3f}")
print(f"total for {n} samples per key: wall {total_wall:.2f} s, GPU time reported {total_gpu:.2f} s")
