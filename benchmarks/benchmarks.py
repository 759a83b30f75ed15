"""The asv suite: every registry variant x the tracked shapes (fcbench.measure).

Latency goes through fcbench's one timer: `timer` below is the measured time so far, and each
timed call adds its own CUDA-event time (CPU wall-clock where there is no GPU), so asv's
samples, medians, confidence intervals and `asv compare` statistics are on GPU time, not host
dispatch time. Combinations a machine can't run raise NotImplementedError (asv: skipped).
fcbench record / compare write the same benchmarks' results through the same functions.
"""

import sys
from pathlib import Path

# Benchmark the fcbench (and csrc/) next to this suite, whatever else is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fcbench import measure, registry

VARIANTS = [v.name for v in registry.VARIANTS]
SHAPES = [measure.shape_label(s) for s in measure.tracked_shapes()]


class _MeasuredClock:
    """asv's timer: seconds of measured time so far."""

    elapsed = 0.0

    def __call__(self):
        return self.elapsed


CLOCK = _MeasuredClock()


def _prepare(variant, shape):
    try:
        return measure.prepare(variant, measure.shape_from_label(shape))
    except measure.Unsupported as exc:
        raise NotImplementedError(str(exc)) from None


class Latency:
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]
    timer = CLOCK
    number = 1
    repeat = (20, 200, 10.0)
    warmup_time = 0.0  # measure.prepare warms up

    def setup(self, variant, shape):
        self.prepared = _prepare(variant, shape)

    def time_attention(self, variant, shape):
        CLOCK.elapsed += measure.latency_sample_s(self.prepared)


class Quality:
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]

    def setup(self, variant, shape):
        prepared = _prepare(variant, shape)
        self.quality = measure.quality(variant, prepared.shape)
        self.tflops = measure.tflops(prepared.shape, [measure.latency_sample_s(prepared) for _ in range(20)])

    def track_max_abs_error(self, variant, shape):
        return self.quality["max_abs_error"]

    track_max_abs_error.unit = "max |out - ref|"

    def track_error_over_bound(self, variant, shape):
        return self.quality["error_over_bound"]

    track_error_over_bound.unit = "error / bound (> 1 fails)"

    def track_tflops(self, variant, shape):
        return self.tflops

    track_tflops.unit = "TFLOP/s"


class Resources:
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]

    def setup(self, variant, shape):
        try:
            self.counts = measure.variant_resources(variant, measure.shape_from_label(shape).head_dim)
        except measure.Unsupported as exc:
            raise NotImplementedError(str(exc)) from None

    def track_registers(self, variant, shape):
        return self.counts["registers"]

    track_registers.unit = "registers per thread"

    def track_smem_bytes(self, variant, shape):
        return self.counts["smem_bytes"]

    track_smem_bytes.unit = "bytes (static + dynamic)"

    def track_spill_bytes(self, variant, shape):
        return self.counts["spill_bytes"]

    track_spill_bytes.unit = "bytes (stores + loads)"

    def track_stack_bytes(self, variant, shape):
        return self.counts["stack_bytes"]

    track_stack_bytes.unit = "bytes of stack frame (local memory)"
