"""The one GPU timer: fcbench bench, the asv suite and the PR gate all time through here.

Per sample: flush L2 (write a buffer twice the L2 size), then a spin kernel that keeps the
GPU busy while the host enqueues the call, then CUDA events around the call. The events
therefore bracket GPU execution only: without the spin, a call whose host dispatch is
slower than the kernel (SDPA: ~36 us of dispatch for ~15 us of GPU work at (1,8,512,64))
would time the host.

The spin is sized from the warm-up's host time, and a host that is late for any reason
outlasts it: on the H100, 1 to 8 of 40 samples of sdpa_flash at (1,8,512,64) came out 20-310
us for ~15 us of GPU work (a late host is the suspected cause), and where most of one
process's samples did, its median was 23-44 us. So after queueing a sample the host asks
whether the GPU has already reached the start event; if it has, the call was not queued in
time, and the sample is retaken behind a spin twice as long.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from .stats import Summary, summarize


@dataclass(frozen=True)
class Timing:
    samples_us: tuple[float, ...]
    summary: Summary


class CpuTimer:
    """Where there is no GPU (only sdpa_math runs): host wall-clock per call. Results say which
    timer made them (`method`), so CPU and GPU numbers never mix."""

    method = "cpu-wallclock"
    retaken = 0  # host wall-clock has no late host to retake

    def warm_up(self, fn, warmup_s: float = 0.05) -> int:
        started = time.perf_counter()
        while time.perf_counter() - started < warmup_s:
            fn()
        return 0

    def sample(self, fn, spin_cycles: int = 0) -> float:
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e6


class CudaTimer:
    method = "cuda-events"

    def __init__(self, device=None):
        if not torch.cuda.is_available():
            raise RuntimeError("timing needs a CUDA GPU: fcbench times with CUDA events")
        self.device = torch.device(device or "cuda")
        props = torch.cuda.get_device_properties(self.device)
        self._flush = torch.empty(2 * max(props.L2_cache_size, 1 << 20), dtype=torch.int8, device=self.device)
        self._cycles_per_us = self._calibrate_spin()
        self.retaken = 0  # samples retaken because the host was late (the worker's log reports them)

    def _calibrate_spin(self) -> float:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        cycles = 2_000_000
        torch.cuda._sleep(cycles)  # warm
        start.record()
        torch.cuda._sleep(cycles)
        end.record()
        end.synchronize()
        return cycles / (start.elapsed_time(end) * 1e3)

    def warm_up(self, fn, warmup_s: float = 0.05) -> int:
        """Runs fn until warmup_s has passed; returns the spin (GPU cycles) to put before each
        sample: twice the steady host time of one call, at least 20 us, so that the call is
        queued behind the spin before the start event fires."""
        host_s = steady_host_seconds(self._warm_up(fn, warmup_s))
        return int(max(2 * host_s * 1e6, 20.0) * self._cycles_per_us)

    def _enqueue(self, fn, spin_cycles: int) -> tuple[torch.cuda.Event, torch.cuda.Event, bool]:
        """Queues one sample; the flag says the host was late: the GPU passed the start event
        before the end event was queued, so the events would bracket host time too."""
        self._flush.zero_()
        torch.cuda._sleep(spin_cycles)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        return start, end, start.query()

    def _enqueue_in_time(self, fn, spin_cycles: int) -> tuple[torch.cuda.Event, torch.cuda.Event]:
        """Queues one sample, retaking it while the host was late; returns its events. A retake's
        longer spin is not kept for later samples: a late host is an accident, and kept, every
        accident would double the spin of all the samples after it."""
        start, end, retakes = in_time(lambda spin: self._enqueue(fn, spin), spin_cycles)
        self.retaken += retakes
        return start, end

    def sample(self, fn, spin_cycles: int) -> float:
        """One sample: fn's GPU time in microseconds (synchronises)."""
        return self._collect([self._enqueue_in_time(fn, spin_cycles)])[0]

    def time(self, fn, *, min_samples: int = 20, max_samples: int = 300, budget_s: float = 1.0,
             warmup_s: float = 0.05) -> Timing:
        """Median/IQR of fn's GPU time in microseconds over >= min_samples calls."""
        spin_cycles = self.warm_up(fn, warmup_s)
        pending: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []
        samples: list[float] = []
        started = time.perf_counter()
        while len(samples) + len(pending) < max_samples:
            if len(samples) + len(pending) >= min_samples and time.perf_counter() - started >= budget_s:
                break
            pending.append(self._enqueue_in_time(fn, spin_cycles))
            if len(pending) >= 32:  # bounded queue; events are read in batches without a sync per call
                samples += self._collect(pending)
        samples += self._collect(pending)
        return Timing(tuple(samples), summarize(samples))

    @staticmethod
    def _collect(pending) -> list[float]:
        if not pending:
            return []
        pending[-1][1].synchronize()
        out = [s.elapsed_time(e) * 1e3 for s, e in pending]
        pending.clear()
        return out

    @staticmethod
    def _warm_up(fn, warmup_s: float) -> list[float]:
        """Runs fn until warmup_s has passed (at least 5 calls); returns each call's host seconds."""
        torch.cuda.synchronize()
        host: list[float] = []
        started = time.perf_counter()
        while len(host) < 5 or time.perf_counter() - started < warmup_s:
            t0 = time.perf_counter()
            fn()
            host.append(time.perf_counter() - t0)
            torch.cuda.synchronize()
        return host


RETAKES = 5  # the spin doubles each time: 32x the warm-up's estimate by the last


class HostTooSlow(RuntimeError):
    """The call could not be queued before the GPU reached the sample's start event: it
    synchronises with the GPU itself, or its host work outruns any sensible spin."""


def in_time(enqueue, spin_cycles: int, retakes: int = RETAKES):
    """enqueue(spin) -> (start, end, late). Retakes a late sample behind twice the spin, up to
    `retakes` times; returns (start, end, how many were retaken)."""
    for retaken in range(retakes + 1):
        start, end, late = enqueue(spin_cycles)
        if not late:
            return start, end, retaken
        spin_cycles *= 2
    raise HostTooSlow(f"the call was still being queued when the GPU reached the start event in {retakes + 1} "
                      f"samples in a row, the last behind a spin of {spin_cycles // 2} cycles: it synchronises "
                      "with the GPU or its host work is too slow to time its GPU work alone")


def steady_host_seconds(per_call: list[float]) -> float:
    """The host time of a call once warm: the median without the first call. The first call
    can cost a second (cuDNN builds its graph, kernels load lazily); averaged in, it made
    every later sample spin the GPU for that long (0.7 s per sdpa_cudnn sample on the H100)."""
    import statistics

    return statistics.median(per_call[1:] or per_call)
