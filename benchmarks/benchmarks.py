"""The asv suite: every registry variant x the tracked shapes (fcbench.measure; FCBENCH_VARIANTS and
FCBENCH_SHAPES narrow them, e.g. to bisect one row with `asv find`; FCBENCH_VARIANTS=flashcore
measures the kernels without the SDPA peers, so `asv continuous`'s exit code is about kernels alone).

Shaped for asv's own commands (`asv continuous`, `asv run A..B`, `asv run NEW`, `asv find`),
which start a process per benchmark and parameter combination (7 x 40 on a GPU): those
processes must be cheap, and a GPU context per process is not (about 11 s each on the H100,
docs/RESULTS.md). So one measurement per commit does all GPU work and every benchmark reads it:
- `setup_cache` (shared by the three classes: asv runs it once per commit) measures every
  (variant, shape) with `fcbench.history.measure_commits`, the engine of `fcbench record`:
  resources, error against the reference, and ROUNDS x SAMPLES latency samples from fcbench's
  one timer (GPU time from CUDA events), in a supervised measuring process (a kernel that
  crashes or hangs fails its own rows, the rest carry on in a fresh process).
- `time_attention` hands asv those samples: asv's `timer` is the clock below, which each call
  advances by the next measured sample, so asv's samples, medians, confidence intervals and
  `asv compare` statistics are that GPU time, not the host time of a Python call.
- importing this module initialises no CUDA (torch counts GPUs through NVML here), so asv's
  `forkserver` imports it once per commit and forks; no child touches the GPU.
- under asv's `fcbench-layered` environment (fcbench/asv_env.py) the kernels are the installed
  commit's: FCBENCH_SOURCE_ROOT points at the copy of its csrc/ in the environment.
Combinations a machine can't run raise NotImplementedError (asv: skipped) with the reason.
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

from fcbench import history, measure, registry, supervise

VARIANTS = [v.name for v in measure.tracked_variants()]  # FCBENCH_VARIANTS narrows them
SHAPES = [measure.shape_label(s) for s in measure.tracked_shapes()]
# 40 samples per row, as `fcbench record` takes, in `fcbench compare`'s 5 rounds over every
# (variant, shape) of 8 samples each, so drift within the measurement is spread over every row
# rather than hitting the last ones.
ROUNDS, SAMPLES = 5, 8


def measure_commit(_suite=None):
    """Every metric of every (variant, shape) for the installed commit: {metric: {(variant, shape):
    value | latency samples (s) | the reply that measured nothing}}. (Each class's setup_cache:
    asv passes the class instance, unused.)"""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fcbench-asv-") as logs:
        (measured,) = history.measure_commits(
            {os.environ.get("ASV_COMMIT", "checkout"): registry.SOURCE_ROOT}, measure.tracked_variants(),
            measure.tracked_shapes(), rounds=ROUNDS, samples=SAMPLES, log_dir=Path(logs),
            env=dict(os.environ), progress=None).values()
    return measured.metrics


# Bounds the whole measurement (a cold build, then every row); each request to the measuring
# process has its own watchdog ([tool.fcbench] hang_timeout_s).
measure_commit.timeout = 1800


def _value(cache, metric, variant, shape):
    value = cache[metric][(variant, shape)]
    if isinstance(value, dict):  # measured nothing: skipped (asv: NaN) or failed, with the reason
        if "unsupported" in value:
            raise NotImplementedError(value["unsupported"])
        raise RuntimeError(f"{variant} {shape}: {supervise.fault_verdict(value) or 'ERROR'}: "
                           f"{value.get('error') or supervise.fault_detail(value)}")
    return value


class _ReplayedClock:
    """asv's timer: seconds of measured GPU time handed out so far."""

    elapsed = 0.0

    def __call__(self):
        return self.elapsed


CLOCK = _ReplayedClock()
_REPLAYS: dict = {}  # (variant, shape) -> the samples not handed out yet, in this process


class Latency:
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]
    setup_cache = measure_commit
    timer = CLOCK
    number = 1
    repeat = ROUNDS * SAMPLES  # one asv sample per measured sample
    rounds = 1  # the samples are measured once per commit: a second round would count them twice
    warmup_time = 0.0  # the measuring process warmed up

    def setup(self, cache, variant, shape):
        # asv runs setup again before every sample: the position in the samples outlives it.
        self.samples = _REPLAYS.setdefault((variant, shape), iter(_value(cache, "latency", variant, shape)))

    def time_attention(self, cache, variant, shape):
        try:
            CLOCK.elapsed += next(self.samples)
        except StopIteration:
            raise RuntimeError(f"asv asked for more than the {self.repeat} samples measured per row "
                               "(benchmarks.py: ROUNDS x SAMPLES); leave `repeat` as it is") from None


class Quality:
    # No TFLOP/s here: asv reads every number as lower-is-better, so `asv continuous` would call
    # a faster kernel's higher TFLOP/s a regression (and exit 1). The report and `fcbench bench`
    # derive it from the latency samples (4*B*H*S^2*D / median, halved when causal).
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]
    setup_cache = measure_commit

    def setup(self, cache, variant, shape):
        _value(cache, "max_abs_error", variant, shape)

    def track_max_abs_error(self, cache, variant, shape):
        return _value(cache, "max_abs_error", variant, shape)

    track_max_abs_error.unit = "max |out - ref|"

    def track_error_over_bound(self, cache, variant, shape):
        return _value(cache, "error_over_bound", variant, shape)

    track_error_over_bound.unit = "error / bound (> 1 fails)"


class Resources:
    params = [VARIANTS, SHAPES]
    param_names = ["variant", "shape"]
    setup_cache = measure_commit

    def setup(self, cache, variant, shape):
        _value(cache, "registers", variant, shape)

    def track_registers(self, cache, variant, shape):
        return _value(cache, "registers", variant, shape)

    track_registers.unit = "registers per thread"

    def track_smem_bytes(self, cache, variant, shape):
        return _value(cache, "smem_bytes", variant, shape)

    track_smem_bytes.unit = "bytes (static + dynamic)"

    def track_spill_bytes(self, cache, variant, shape):
        return _value(cache, "spill_bytes", variant, shape)

    track_spill_bytes.unit = "bytes (stores + loads)"

    def track_stack_bytes(self, cache, variant, shape):
        return _value(cache, "stack_bytes", variant, shape)

    track_stack_bytes.unit = "bytes of stack frame (local memory)"
