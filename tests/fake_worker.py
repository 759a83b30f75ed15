"""A measuring process that breaks on purpose, for the supervisor's CPU tests: the real
fcbench.worker, except that the checkout it measures (FCBENCH_SOURCE_ROOT) may hold a
`fcbench-plant.json` (or the file FCBENCH_PLANT names) naming variants whose kernel runs (check, quality, latency, bench) end
the way a broken kernel's do on a GPU:
  "segfault": the process dies by SIGSEGV (a crash in the extension);
  "cuda_fault": the reply the real worker gives after a sticky CUDA error, then exit;
  "hang": the call never returns;
  "raise": a Python error (the process carries on);
  "stand-in": the kernel runs on the CPU as sdpa_math does (its check, quality and timing), so
    that a kernel row is measured and gated on a machine without a GPU;
  "slow": a stand-in that does its work twice per latency sample (a planted ~2x slowdown).
A compute-sanitizer stand-in that reads the same file is tests/fake_bin/compute-sanitizer.
Run as `python -m tests.fake_worker` (fcbench.supervise.WORKER_MODULE)."""

import json
import os
import signal
import sys
import time
from pathlib import Path

from fcbench import worker

PLANT = Path(os.environ.get("FCBENCH_PLANT") or Path(os.environ.get("FCBENCH_SOURCE_ROOT", ".")) / "fcbench-plant.json")
KERNEL_RUNS = {"check", "quality", "latency", "bench"}


def main():
    plant = json.loads(PLANT.read_text()) if PLANT.exists() else {}
    real_handle = worker.handle

    def handle(request, prepared):
        if request["op"] in KERNEL_RUNS:
            how = plant.get(request["variant"])
            if how == "segfault":
                os.kill(os.getpid(), signal.SIGSEGV)
            if how == "cuda_fault":
                worker._reply({"crashed": "AcceleratorError: CUDA error: an illegal memory access was encountered"})
                os._exit(70)
            if how == "hang":
                time.sleep(3600)
            if how == "raise":
                raise RuntimeError("planted Python error")
            if how in ("stand-in", "slow"):
                request = {**request, "variant": "sdpa_math"}
            if how == "slow" and request["op"] == "latency":
                from fcbench import measure

                ready = worker._prepare_once(prepared, "sdpa_math", measure.shape_from_label(request["shape"]))
                return {"samples_s": [measure.latency_sample_s(ready) + measure.latency_sample_s(ready)
                                      for _ in range(request["samples"])]}
        return real_handle(request, prepared)

    worker.handle = handle
    worker.main()


if __name__ == "__main__":
    sys.exit(main())
