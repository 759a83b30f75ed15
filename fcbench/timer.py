"""The one GPU timer: fcbench bench, the asv suite and the PR gate all time through here.

Per sample: flush L2 (write a buffer twice the L2 size), then a hold kernel that keeps the GPU
waiting until the host releases it, then CUDA events around the call; the host releases the
hold only after it has queued the end event. The events therefore bracket GPU execution only,
however slow the host: without the hold, a call whose host dispatch is slower than the kernel
(SDPA: ~36 us of dispatch for ~15 us of GPU work at (1,8,512,64)) would time the host.

This is NVBench's blocking kernel. It replaced a GPU spin sized from the warm-up's host time,
which any late host outran: on the H100 1 to 8 of 40 sdpa_flash samples came out 20-310 us for
~15 us of GPU work, and queueing a sample (L2 flush, spin, events) itself took the host 50-80
us, close to the ~58 us the GPU took to reach the start event (docs/RESULTS.md, "The timer").

Each sample's call reaches an idle GPU, so it pays what queued launches hide. On the H100 a launch
with 384 bytes of parameters or more (wgmma_fused's three tensor maps) costs about 0.9 us more at
every fourth launch, counting the flush and the hold: such a kernel's samples are slow in a period
of four, as sdpa_cudnn's are (docs/RESULTS.md, issue 25's ninth session).
"""

from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass

import torch

from .stats import Summary, summarize

HOLD_SOURCE = r"""
extern "C" __global__ void fcbench_hold(const volatile int* release, volatile int* timed_out, int ticket,
                                        int timeout_us) {
  // Waits until the host's release counter reaches this sample's ticket; gives up after
  // timeout_us (the call synchronised with the GPU, which would otherwise deadlock) and says so.
  unsigned long long start, now;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  while (*release < ticket) {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
    if (now - start > 1000ull * timeout_us) {
      *timed_out = ticket;
      __threadfence_system();
      return;
    }
  }
}
"""


# The most samples one row takes (fcbench bench --min-samples may ask up to this many).
MAX_SAMPLES = 300


@dataclass(frozen=True)
class Timing:
    samples_us: tuple[float, ...]
    summary: Summary


class CpuTimer:
    """Where there is no GPU (only sdpa_math runs): host wall-clock per call. Results say which
    timer made them (`method`), so CPU and GPU numbers never mix."""

    method = "cpu-wallclock"

    def warm_up(self, fn, warmup_s: float = 0.05) -> None:
        started = time.perf_counter()
        while time.perf_counter() - started < warmup_s:
            fn()

    def sample(self, fn) -> float:
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e6


class CallSynchronises(RuntimeError):
    """The GPU waited for the host's release longer than the timeout: the call synchronises with
    the GPU (which waits behind the hold), or its host work took that long."""


class CudaTimer:
    method = "cuda-events"

    def __init__(self, device=None, hold_timeout_s: float = 1.0):
        if not torch.cuda.is_available():
            raise RuntimeError("timing needs a CUDA GPU: fcbench times with CUDA events")
        self.device = torch.device(device or "cuda")
        props = torch.cuda.get_device_properties(self.device)
        self._flush = torch.empty(2 * max(props.L2_cache_size, 1 << 20), dtype=torch.int8, device=self.device)
        self._hold = compile_hold()
        # [release, timed_out] in pinned host memory, which the hold kernel reads over the bus.
        self._flags = torch.zeros(2, dtype=torch.int32, pin_memory=True)
        self._timed_out_flag = self._flags[1:]
        self._release = ctypes.c_int32.from_address(self._flags.data_ptr())
        self._timed_out = ctypes.c_int32.from_address(self._flags.data_ptr() + 4)
        self._ticket = 0
        self._timeout_us = int(hold_timeout_s * 1e6)

    def warm_up(self, fn, warmup_s: float = 0.05) -> None:
        """Runs fn until warmup_s has passed (at least 5 calls, each synchronised)."""
        torch.cuda.synchronize()
        calls = 0
        started = time.perf_counter()
        while calls < 5 or time.perf_counter() - started < warmup_s:
            fn()
            torch.cuda.synchronize()
            calls += 1

    def _enqueue(self, fn) -> tuple[torch.cuda.Event, torch.cuda.Event]:
        """Queues one sample behind the hold, then releases it."""
        self._ticket += 1
        self._flush.zero_()
        self._hold(args=[self._flags, self._timed_out_flag, self._ticket, self._timeout_us])
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        try:
            start.record()
            fn()
            end.record()
        finally:  # also when fn raises: the GPU must not wait out the timeout
            self._release.value = self._ticket
        return start, end

    def sample(self, fn) -> float:
        """One sample: fn's GPU time in microseconds (synchronises)."""
        return self._collect([self._enqueue(fn)])[0]

    def time(self, fn, *, min_samples: int = 20, max_samples: int = MAX_SAMPLES, budget_s: float = 1.0,
             warmup_s: float = 0.05) -> Timing:
        """Median/IQR of fn's GPU time in microseconds over >= min_samples calls."""
        self.warm_up(fn, warmup_s)
        pending: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []
        samples: list[float] = []
        started = time.perf_counter()
        while len(samples) + len(pending) < max_samples:
            if len(samples) + len(pending) >= min_samples and time.perf_counter() - started >= budget_s:
                break
            pending.append(self._enqueue(fn))
            if len(pending) >= 32:  # bounded queue; events are read in batches without a sync per call
                samples += self._collect(pending)
        samples += self._collect(pending)
        return Timing(tuple(samples), summarize(samples))

    def _collect(self, pending) -> list[float]:
        if not pending:
            return []
        pending[-1][1].synchronize()
        if self._timed_out.value:
            ticket, self._timed_out.value = self._timed_out.value, 0
            pending.clear()
            raise CallSynchronises(
                f"sample {ticket}: the GPU waited {self._timeout_us / 1e6:g} s for the host to queue the call; "
                "it synchronises with the GPU (e.g. .item(), .cpu(), torch.cuda.synchronize()), or its host work "
                "took that long: CUDA events cannot time it apart from the host")
        out = [s.elapsed_time(e) * 1e3 for s, e in pending]
        pending.clear()
        return out


def compile_hold():
    """The hold kernel, compiled at run time by NVRTC for this GPU (fcbench's own, not the
    measured checkout's: a comparison's base and head share it)."""
    compile_kernel = getattr(torch.cuda, "_compile_kernel", None)
    if compile_kernel is None:
        raise RuntimeError(f"timing needs torch.cuda._compile_kernel (NVRTC; added in torch 2.8, tested with 2.11); "
                           f"torch {torch.__version__} has none")
    return compile_kernel(HOLD_SOURCE, "fcbench_hold")
