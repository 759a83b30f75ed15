"""A measuring process that breaks on purpose, for the supervisor's CPU tests: the real
fcbench.worker, except that the checkout it measures (FCBENCH_SOURCE_ROOT) may hold a
`fcbench-plant.json` (or the file FCBENCH_PLANT names) naming variants whose kernel runs (check, quality, latency, bench) end
the way a broken kernel's do on a GPU:
  "segfault": the process dies by SIGSEGV (a crash in the extension);
  "cuda_fault": the reply the real worker gives after a sticky CUDA error, then exit;
  "sticky": the kernel's call raises a sticky CUDA error's text (torch told CUDA is up), and the
    real worker's own handling (fcbench.worker.main: supervise.context_dead, the "crashed"
    reply, exit 70) does the rest;
  "hang": the call never returns;
  "raise": a Python error (the process carries on);
  "stand-in": the kernel runs on the CPU as sdpa_math does (its check, quality and timing), so
    that a kernel row is measured and gated on a machine without a GPU;
  "slow": a stand-in that does its work SLOW_FACTOR times per latency sample (a planted ~4x
    slowdown: at 2x, asv's significance test on a loaded 2-core CI machine once left one of the
    two slowed rows unflagged).
Wrong answers for the check (fcbench.check's FAIL paths on a machine without a GPU): the
planted kernel variant's check runs on the CPU through the real fcbench.check.check_case
(its poisoned output buffer, its bound, its second run for the race comparison decide the
verdict); only the kernel's call (check.attention) is replaced by sdpa_math's output, then:
  "wrong": every element off by 1.0 (hundreds of times the bound);
  "nan": one element NaN;
  "unwritten": the last query row of every head is left as it was given (the poison shows);
  "flaky": every second call with the same inputs differs in one element by one fp16 step;
  "hair": one element's error is the bound plus under one fp16 step (just over: FAIL);
  "under-hair": the same element one fp16 step lower, at or just under the bound (PASS).
These plants' other kernel runs (quality, latency, bench) are stand-ins.
  "sm_90a-only": the registry entry says the kernel is built for sm_90a only (Variant.archs),
    as a Hopper-only kernel's does; with FCBENCH_ARCH=sm_89 it is not for this machine.
A compute-sanitizer stand-in that reads the same file is tests/fake_bin/compute-sanitizer.
Run as `python -m tests.fake_worker` (fcbench.supervise.WORKER_MODULE)."""

import json
import os
import signal
import sys
import time
from pathlib import Path

from fcbench import worker
from fcbench.shapes import shape_from_label

PLANT = Path(os.environ.get("FCBENCH_PLANT") or Path(os.environ.get("FCBENCH_SOURCE_ROOT", ".")) / "fcbench-plant.json")
KERNEL_RUNS = {"check", "quality", "latency", "bench"}
CHECK_PLANTS = {"wrong", "nan", "unwritten", "flaky", "hair", "under-hair"}
SLOW_FACTOR = 4


def _fp16_up(x: float) -> float:
    """The next fp16 value above x (an fp16 value), by its bits."""
    import torch

    bits = torch.tensor([x], dtype=torch.float16).view(torch.int16).item()
    bits = 1 if bits == -32768 else bits + 1 if bits >= 0 else bits - 1  # -0 -> the smallest subnormal
    return torch.tensor([bits], dtype=torch.int16).view(torch.float16).item()


def _fp16_down(x: float) -> float:
    return -_fp16_up(-x)


def _at_the_bound(ref, bound: float, over: bool) -> tuple[tuple, float]:
    """An element and an fp16 value for it whose error against ref is just over the bound (the
    smallest such fp16 value) or, not over, the next fp16 value below it. The element is the
    one where ref + bound is nearest zero, where fp16 steps are finest."""
    import torch

    target = ref + bound
    where = tuple(int(i) for i in torch.unravel_index(target.abs().argmin(), ref.shape))

    def error(value: float) -> float:  # as fcbench.reference.max_abs_error computes it, in ref's dtype
        return (torch.tensor(value, dtype=torch.float16).to(ref.dtype) - ref[where]).abs().item()

    value = torch.tensor(target[where].item(), dtype=torch.float16).item()
    while error(value) > bound:
        value = _fp16_down(value)
    while error(value) <= bound:
        value = _fp16_up(value)
    return where, value if over else _fp16_down(value)


def _plant_wrong_answers(plant: dict) -> None:
    """check.check_case and check.attention (what check.run_poisoned calls) replaced for the
    variants planted with a CHECK_PLANTS wrong answer; the check's own logic is untouched."""
    import dataclasses

    import torch

    from fcbench import api, check

    planted = {name: how for name, how in plant.items() if how in CHECK_PLANTS}
    if not planted:
        return
    real_check_case, real_attention = check.check_case, check.attention
    current: dict = {}  # the case being checked: its reference and bound
    calls: dict = {}

    def check_case(variant, case, q, k, v, ref, bound):
        if variant.name in planted and q.device.type not in variant.devices:
            variant = dataclasses.replace(variant, devices=(*variant.devices, q.device.type))
        current.update(ref=ref, bound=bound)
        return real_check_case(variant, case, q, k, v, ref, bound)

    def attention(q, k, v, *, variant, causal=False, scale=None, out=None):
        how = planted.get(variant)
        if how is None:
            return real_attention(q, k, v, variant=variant, causal=causal, scale=scale, out=out)
        result = api.attention(q, k, v, variant="sdpa_math", causal=causal, scale=scale).contiguous()
        calls[variant] = calls.get(variant, 0) + 1
        if how == "wrong":
            result += 1.0
        elif how == "nan":
            result.view(-1)[result.numel() // 2] = float("nan")
        elif how == "flaky" and calls[variant] % 2 == 0:
            result.view(-1).view(torch.int16)[0] += 1  # one fp16 step in one element
        elif how in ("hair", "under-hair"):
            where, value = _at_the_bound(current["ref"], current["bound"].bound, over=how == "hair")
            result[where] = value
        if out is None:
            return result
        if how == "unwritten":
            out[:, :, :-1] = result[:, :, :-1]
        else:
            out.copy_(result)
        return out

    check.check_case, check.attention = check_case, attention


def plant_archs(plant: dict) -> tuple:
    """registry.VARIANTS with the "sm_90a-only" plants' archs set (the test process does the same)."""
    import dataclasses

    from fcbench import registry

    return tuple(dataclasses.replace(v, archs=("sm_90a",)) if plant.get(v.name) == "sm_90a-only" else v
                 for v in registry.VARIANTS)


def main():
    from fcbench import registry

    plant = json.loads(PLANT.read_text()) if PLANT.exists() else {}
    registry.VARIANTS = plant_archs(plant)
    _plant_wrong_answers(plant)
    real_handle = worker.handle

    def handle(request, prepared):
        if request["op"] in KERNEL_RUNS:
            how = plant.get(request["variant"])
            if how == "segfault":
                os.kill(os.getpid(), signal.SIGSEGV)
            if how == "cuda_fault":
                worker._reply({"crashed": "AcceleratorError: CUDA error: an illegal memory access was encountered"})
                os._exit(70)
            if how == "sticky":
                raise RuntimeError("CUDA error: an illegal memory access was encountered\n"
                                   "Compile with `TORCH_USE_CUDA_DSA` to enable device-side assertions.")
            if how == "hang":
                print(f"fake worker: hanging in {request['op']} of {request['variant']}", file=sys.stderr, flush=True)
                time.sleep(3600)
            if how == "raise":
                raise RuntimeError("planted Python error")
            if how in ("stand-in", "slow") or (how in CHECK_PLANTS and request["op"] != "check"):
                request = {**request, "variant": "sdpa_math"}
            if how == "slow" and request["op"] == "latency":
                from fcbench import measure

                ready = worker._prepare_once(prepared, "sdpa_math", shape_from_label(request["shape"]))
                return {"samples_s": [sum(measure.latency_sample_s(ready) for _ in range(SLOW_FACTOR))
                                      for _ in range(request["samples"])]}
        return real_handle(request, prepared)

    worker.handle = handle
    if "sticky" in plant.values():  # context_dead asks torch whether CUDA is up: on this CPU it says so
        import torch

        from fcbench import measure

        measure.has_gpu = lambda: False  # the worker itself measures on the CPU, as before
        torch.cuda.is_available = lambda: True
        torch.cuda.is_initialized = lambda: True
        worker._synchronize = lambda: None
    worker.main()


if __name__ == "__main__":
    sys.exit(main())
