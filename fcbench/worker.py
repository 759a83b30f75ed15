"""A measuring process for one checkout's kernels (FCBENCH_SOURCE_ROOT), driven by
fcbench.history over JSON lines: one request per stdin line, one reply per stdout line
prefixed with REPLY (anything else on stdout is ignored, so stray prints can't corrupt the
protocol). Run as `python -m fcbench.worker`."""

from __future__ import annotations

import json
import sys
import time

REPLY = "FCBENCH-REPLY "


def handle(request: dict, prepared: dict) -> dict:
    from . import build, measure, registry

    op = request["op"]
    if op == "build":
        if not measure.has_gpu() or not any(v.is_kernel and v.source.exists() for v in registry.VARIANTS):
            return {"library": None, "seconds": 0.0}
        started = time.perf_counter()
        library = build.load()
        return {"library": str(library), "seconds": time.perf_counter() - started}
    if op == "info":
        from .device import fingerprint

        return {"device": fingerprint(), "arch": measure.machine_arch(), "timer": measure.timer().method}
    variant = request["variant"]
    shape = measure.shape_from_label(request["shape"])
    if op == "latency":
        key = (variant, request["shape"])
        if key not in prepared:
            prepared[key] = measure.prepare(variant, shape)
        return {"samples_s": [measure.latency_sample_s(prepared[key]) for _ in range(request["samples"])]}
    if op == "quality":
        key = (variant, request["shape"])
        if key not in prepared:
            prepared[key] = measure.prepare(variant, shape)
        return {**measure.quality(variant, shape), "tflops": measure.tflops(prepared[key])}
    if op == "resources":
        return measure.variant_resources(variant, shape.head_dim)
    raise ValueError(f"op: unknown request {op!r}")


def main() -> None:
    from . import measure

    prepared: dict = {}
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
