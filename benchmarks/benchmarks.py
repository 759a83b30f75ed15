"""The asv suite: every registry variant x the tracked shapes (fcbench.measure).

Latency goes through fcbench's one timer: `timer` below is the measured time so far, and each
timed call adds its own CUDA-event time (CPU wall-clock where there is no GPU), so asv's
samples, medians, confidence intervals and `asv compare` statistics are on GPU time, not host
dispatch time. Combinations a machine can't run raise NotImplementedError (asv: skipped).
fcbench record / compare write the same benchmarks' results through the same functions.

Shaped for asv's own commands (`asv continuous`, `asv run A..B`, `asv find`), which start a
process per benchmark and parameter combination:
- importing this module initialises no CUDA (torch counts GPUs through NVML here), so asv's
  `forkserver` imports it once per commit and every forked child starts its own CUDA context;
- quality (error, error / bound, TFLOP/s) and resources are measured once per commit for every
  (variant, shape) in `setup_cache`, by fcbench's supervised measuring process (a kernel that
  crashes or hangs fails its own rows, not the class); the `track_*` benchmarks read that, so
  only `time_attention` needs a CUDA context per (variant, shape).
- under asv's `fcbench-layered` environment (fcbench/asv_env.py) the kernels are the installed
  commit's: FCBENCH_SOURCE_ROOT points at the copy of its csrc/ in the environment.
"""

import os
import sys
from pathlib import Path

# torch.cuda.is_available() through NVML: asking the CUDA runtime would make a forked child's
# CUDA unusable ("Cannot re-initialize CUDA in forked subprocess").
os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
if os.environ.get("ASV_ENV_DIR") and (Path(os.environ["ASV_ENV_DIR"]) / "fcbench-source" / "csrc").is_dir():
    os.environ.setdefault("FCBENCH_SOURCE_ROOT", str(Path(os.environ["ASV_ENV_DIR"]) / "fcbench-source"))
# Benchmark the fcbench next to this suite (the harness), whatever else is installed.
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


def _row(cache, variant, shape):
    """This (variant, shape)'s measurements from setup_cache; skipped or failed as it was there."""
    row = cache[(variant, shape)]
    if "unsupported" in row:
        raise NotImplementedError(row["unsupported"])
    if "error" in row or "crashed" in row or "hung" in row:
        raise RuntimeError(f"{variant} {shape}: {next(iter(row.values()))}")
    return row


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
    timeout = 600  # setup_cache measures every (variant, shape); each request has its own watchdog

    def setup_cache(self):
        return measure.quality_table(VARIANTS, SHAPES)

    def setup(self, cache, variant, shape):
        _row(cache, variant, shape)

    def track_max_abs_error(self, cache, variant, shape):
        return _row(cache, variant, shape)["max_abs_error"]

    track_max_abs_error.unit = "max |out - ref|"

    def track_error_over_bound(self, cache, variant, shape):
        return _row(cache, variant, shape)["error_over_bound"]

    track_error_over_bound.unit = "error / bound (> 1 fails)"

    def track_tflops(self, cache, variant, shape):
        return _row(cache, variant, shape)["tflops"]

    track_tflops.unit = "TFLOP/s"


class Resources:
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]
    timeout = 600  # compiles every kernel unit once (nvcc; cached by content)

    def setup_cache(self):
        return measure.resources_table(VARIANTS, SHAPES)

    def setup(self, cache, variant, shape):
        _row(cache, variant, shape)

    def track_registers(self, cache, variant, shape):
        return _row(cache, variant, shape)["registers"]

    track_registers.unit = "registers per thread"

    def track_smem_bytes(self, cache, variant, shape):
        return _row(cache, variant, shape)["smem_bytes"]

    track_smem_bytes.unit = "bytes (static + dynamic)"

    def track_spill_bytes(self, cache, variant, shape):
        return _row(cache, variant, shape)["spill_bytes"]

    track_spill_bytes.unit = "bytes (stores + loads)"

    def track_stack_bytes(self, cache, variant, shape):
        return _row(cache, variant, shape)["stack_bytes"]

    track_stack_bytes.unit = "bytes of stack frame (local memory)"
