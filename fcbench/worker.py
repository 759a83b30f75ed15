"""The measuring process for one checkout's kernels (FCBENCH_SOURCE_ROOT), driven by
fcbench.supervise.Worker over JSON lines: one request per stdin line, one reply per stdout line
prefixed with REPLY (anything else on stdout is ignored, so stray prints can't corrupt the
protocol). Run as `python -m fcbench.worker`.

Every request ends with the GPU synchronised, so a fault a kernel causes is reported by the
request that launched it. After a CUDA fault the context is dead: the worker replies
{"crashed": CUDA's text} and exits at once, without torch's teardown (which can hang on a
dead context); the supervisor starts a fresh one for the next request.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from functools import lru_cache

from .shapes import shape_from_label
from .supervise import READY, REPLY, context_dead, first_line


def handle(request: dict, prepared: dict) -> dict:
    from . import build, measure, registry

    op = request["op"]
    if op == "build":
        if not measure.has_gpu() or not any(v.is_kernel and v.source.exists() for v in registry.VARIANTS):
            return {"library": None, "seconds": 0.0}
        started = time.perf_counter()
        # The resource counts compile each unit again with -Xptxas -v (cached by content):
        # alongside the extension's build, in parallel, rather than one unit per request.
        with ThreadPoolExecutor(max_workers=1) as pool:
            counted = pool.submit(measure.count_resources) if request.get("count_resources", True) else None
            library = build.load()
            if counted is not None:
                counted.result()
        return {"library": str(library), "seconds": time.perf_counter() - started}
    if op == "info":
        from .device import fingerprint

        return {"device": fingerprint(), "arch": measure.machine_arch(), "timer": measure.timer().method}
    if op == "check":
        return _check(request)
    if op == "bench":
        return _bench(request)
    variant = request["variant"]
    shape = shape_from_label(request["shape"])
    if op == "latency":
        ready = _prepare_once(prepared, variant, shape)
        return {"samples_s": [measure.latency_sample_s(ready) for _ in range(request["samples"])]}
    if op == "quality":
        _prepare_once(prepared, variant, shape)  # raises Unsupported for what cannot run here
        return measure.quality(variant, shape)
    if op == "resources":
        return measure.variant_resources(variant, shape.head_dim)
    raise ValueError(f"op: unknown request {op!r}")


def _prepare_once(prepared: dict, variant: str, shape):
    """measure.prepare (build the call, warm it up) once per (variant, shape) in this process."""
    from . import measure

    if (variant, shape) not in prepared:
        prepared[variant, shape] = measure.prepare(variant, shape)
    return prepared[variant, shape]


@lru_cache(maxsize=1)
def _case_data(case):
    """Inputs, reference and bound of one check case, shared by the variants that run it next."""
    import math

    import torch

    from . import check, config
    from .reference import error_bound, reference_attention

    device = "cuda" if torch.cuda.is_available() else "cpu"
    q, k, v = check.make_inputs(case, device)
    scale = 1.0 / math.sqrt(case.head_dim)
    ref = reference_attention(q, k, v, causal=case.causal, scale=scale)
    bound = error_bound(q, k, v, ref, causal=case.causal, scale=scale,
                        floor_relative=config.load().error_floor_relative)
    return q, k, v, ref, bound


def _check(request: dict) -> dict:
    from . import check, registry

    case = check.CheckCase(**request["case"])
    q, k, v, ref, bound = _case_data(case)
    result = check.check_case(registry.get(request["variant"]), case, q, k, v, ref, bound)
    return {"verdict": result.verdict, "max_abs_error": result.error, "bound": result.bound, "note": result.note}


def _bench(request: dict) -> dict:
    from . import bench, measure, registry
    from .shapes import Shape

    shape = Shape(**request["shape"])
    q, k, v = measure.inputs(shape)
    result = bench.bench_one(measure.timer(), registry.get(request["variant"]), shape, q, k, v,
                             **request.get("timer_args", {}))
    return {"status": result.status, "note": result.note,
            "summary": asdict(result.summary) if result.summary is not None else None}


def _synchronize() -> None:
    import torch

    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def _reply(reply: dict) -> None:
    sys.stdout.write(REPLY + json.dumps(reply) + "\n")
    sys.stdout.flush()


def main() -> None:
    from . import measure

    prepared: dict = {}
    if measure.has_gpu():
        measure.timer()  # the CUDA context and the timer now, before the first request's clock starts
    print(READY, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = handle(request, prepared)
            _synchronize()  # a fault this request's kernels caused is this request's
        except measure.Unsupported as exc:
            reply = {"unsupported": str(exc)}
        except Exception as exc:  # a Python error is reported and the worker carries on; a CUDA fault ends it
            if context_dead(exc):
                _reply({"crashed": first_line(exc)})
                sys.stderr.write(f"fcbench.worker: CUDA context lost ({first_line(exc)}); exiting\n")
                sys.stderr.flush()
                os._exit(70)
            reply = {"error": first_line(exc)}
        _reply(reply)


if __name__ == "__main__":
    main()
