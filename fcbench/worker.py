"""A measuring process for one checkout's kernels (FCBENCH_SOURCE_ROOT), driven by
fcbench.history over JSON lines: one request per stdin line, one reply per stdout line
prefixed with REPLY (anything else on stdout is ignored, so stray prints can't corrupt the
protocol). Run as `python -m fcbench.worker`."""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

REPLY = "FCBENCH-REPLY "


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
            counted = pool.submit(measure.count_resources)
            library = build.load()
            counted.result()
        return {"library": str(library), "seconds": time.perf_counter() - started}
    if op == "info":
        from .device import fingerprint

        return {"device": fingerprint(), "arch": measure.machine_arch(), "timer": measure.timer().method}
    variant = request["variant"]
    shape = measure.shape_from_label(request["shape"])
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


def main() -> None:
    from . import measure

    prepared: dict = {}
    if measure.has_gpu():
        measure.timer()  # CUDA context and timer now, while the coordinator starts the other side
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = handle(request, prepared)
        except measure.Unsupported as exc:
            reply = {"unsupported": str(exc)}
        except Exception as exc:  # reported, never fatal: the coordinator records the failure
            reply = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
        sys.stdout.write(REPLY + json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
