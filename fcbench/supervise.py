"""How a kernel run can end, in one place: every command that runs a kernel (check, bench,
record, compare, ci pr) sends its work to a measuring process through `Worker` here.

A request to the worker ends in one of five ways, and each becomes a verdict for that
(variant, case or shape) alone:
  a reply                 the measurement, or {"unsupported": why} / {"error": why} (a Python
                          error: the process is healthy and carries on);
  a CUDA fault            illegal address, misaligned access, launch failure, trap, device-side
                          assert: the CUDA context is dead for good, so the worker says
                          {"crashed": CUDA's text} and exits -> CRASHED;
  a signal                the process died (a segfault in the extension) -> CRASHED, with the signal;
  a hang                  no reply within the bound -> the process group is killed -> HUNG.
After a fault the next request starts a fresh worker (its setup, e.g. loading the extension,
is replayed), so the rest of the run measures in a healthy process. One worker stays alive
across requests otherwise: starting one costs an interpreter, torch and a CUDA context.

The bound on a request (`bound_s`): 10 x the time the same request took at the base side of a
comparison, at least MIN_BOUND_S (a fresh worker's first CUDA call initialises libraries), at
most the [tool.fcbench] hang_timeout_s ceiling, which is also the bound where nothing has run
before (fcbench check, fcbench record, a new variant).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import registry

REPLY = "FCBENCH-REPLY "
READY = "FCBENCH-READY"
CRASHED, HUNG = "CRASHED", "HUNG"
MIN_BOUND_S = 10.0
BOUND_FACTOR = 10.0
# Starting a worker: interpreter, torch, CUDA context, then its setup requests (building the
# extension compiles every kernel of a checkout when the cache is cold). No kernel runs here.
STARTUP_TIMEOUT_S = 900.0
# How long the supervisor waits on a worker that is ending: one whose output ended (it died, or
# it closed stdout and is about to), one that said "crashed" (a dead context can hang its
# teardown), one whose stdin was closed at the end of a command. Past each, it is killed.
EXIT_WAIT_S = 5.0
REAP_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 60.0
# Tests swap in a worker that crashes and hangs on purpose (tests/fake_worker.py), also in the
# processes asv starts, which only the environment reaches.
WORKER_MODULE = os.environ.get("FCBENCH_WORKER_MODULE", "fcbench.worker")

# Texts of CUDA errors that leave the context unusable (cudaError_t's sticky errors).
_STICKY = ("illegal memory access", "misaligned address", "unspecified launch failure", "device-side assert",
           "illegal instruction", "hardware stack error", "uncorrectable ECC", "launch timed out",
           "invalid program counter")


def bound_s(reference_s: float | None, ceiling_s: float) -> float:
    """The watchdog's bound for a request that took reference_s at the base (None: unknown)."""
    if reference_s is None:
        return ceiling_s
    return min(ceiling_s, max(MIN_BOUND_S, BOUND_FACTOR * reference_s))


class WorkerFailed(RuntimeError):
    """The worker could not be started or set up (not a kernel's fault: the command cannot run)."""


def is_fault(reply: dict) -> bool:
    return "crashed" in reply or "hung" in reply


def measured_nothing(reply: dict) -> bool:
    """A reply without a measurement: unsupported here, a Python error, a crash or a hang."""
    return "unsupported" in reply or "error" in reply or is_fault(reply)


def fault_verdict(reply: dict) -> str | None:
    return CRASHED if "crashed" in reply else HUNG if "hung" in reply else None


def fault_detail(reply: dict) -> str:
    return reply.get("crashed") or reply.get("hung") or ""


class Stops:
    """The rule after a fault, for every command: a variant that crashed or hung is not run again
    in it (each try would cost a restart, or the whole bound); its remaining requests get a
    stand-in reply of the same kind naming the first fault."""

    def __init__(self):
        self._stand_ins: dict[str, dict] = {}

    def stand_in(self, variant: str) -> dict | None:
        return self._stand_ins.get(variant)

    def note(self, variant: str, where: str, reply: dict) -> None:
        if is_fault(reply) and variant not in self._stand_ins:
            kind = "crashed" if "crashed" in reply else "hung"
            self._stand_ins[variant] = {kind: f"not run: {fault_verdict(reply)} at {where}"}

    def __bool__(self) -> bool:
        return bool(self._stand_ins)


# -- inside the worker ----------------------------------------------------------------------

def context_dead(exc: BaseException | None = None) -> bool:
    """Whether this process's CUDA context is unusable after `exc`: a sticky CUDA error in its
    text, or a probe (synchronise, then a tiny kernel and a copy back) that fails."""
    import torch

    if not torch.cuda.is_available() or not torch.cuda.is_initialized():
        return False
    text = str(exc) if exc is not None else ""
    if any(s in text for s in _STICKY):
        return True
    try:
        torch.cuda.synchronize()
        torch.ones(1, device="cuda").add_(1).cpu()
        torch.cuda.synchronize()
    except Exception:  # any failure here means the context is gone
        return True
    return False


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


# -- the coordinator's side -----------------------------------------------------------------

_EOF = object()  # the worker's stdout ended

class Worker:
    """A `python -m fcbench.worker` process for the checkout at `root`, replaced after a fault.

    `setup`: requests sent (and replayed after a restart) before any other, bounded by
    STARTUP_TIMEOUT_S; a setup request that fails is WorkerFailed. `restarts` and
    `restart_s` count what isolation cost."""

    def __init__(self, root: Path, log_path: Path, env: dict, *, setup: list[dict] | None = None):
        self.root, self.log_path, self.env, self.setup = Path(root), Path(log_path), env, setup or []
        self.proc: subprocess.Popen | None = None
        self.setup_replies: list[dict] = []
        self.starts, self.restart_s = 0, 0.0
        self._lines: queue.Queue = queue.Queue()

    @property
    def restarts(self) -> int:
        return max(self.starts - 1, 0)

    def start(self) -> list[dict]:
        """Starts the process (if it is not running) and runs the setup requests."""
        if self.proc is not None and self.proc.poll() is None:
            return self.setup_replies
        started = time.perf_counter()
        env = {**self.env, "FCBENCH_SOURCE_ROOT": str(self.root),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(registry.REPO_ROOT), self.env.get("PYTHONPATH")]))}
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as log:
            log.write(f"--- worker start {self.starts + 1} ({time.strftime('%H:%M:%S')})\n")
        # cwd: `python -m` puts it first on sys.path, and a checkout being measured has an
        # fcbench/ of its own; the harness must be this one. A session of its own, so that a
        # kill reaches everything it started.
        self.proc = subprocess.Popen([sys.executable, "-m", WORKER_MODULE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(self.log_path, "a"), text=True, env=env,
                                     cwd=registry.REPO_ROOT, start_new_session=True)
        self._lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc, self._lines), daemon=True).start()
        self.starts += 1
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        line = self._next_line(deadline, prefix=READY)
        if line is None or line is _EOF:
            why = (self._death() if line is _EOF else None) or f"not ready within {STARTUP_TIMEOUT_S:.0f} s"
            self.kill()
            raise WorkerFailed(f"the measuring process did not start: {why}; see {self.log_path}")
        self.setup_replies = []
        for request in self.setup:
            reply = self._exchange(request, deadline)
            if "error" in reply or is_fault(reply):
                self.kill()
                raise WorkerFailed(f"{request['op']} failed: {reply.get('error') or fault_detail(reply)}")
            self.setup_replies.append(reply)
        if self.starts > 1:
            self.restart_s += time.perf_counter() - started
        return self.setup_replies

    def request(self, timeout_s: float, **request) -> dict:
        """One request; the reply, or {"crashed": why} / {"hung": why} after which the process
        is gone and the next request starts a fresh one."""
        self.start()
        started = time.perf_counter()
        reply = self._exchange(request, time.monotonic() + timeout_s, timeout_s=timeout_s)
        if is_fault(reply):  # the log says when and how long it took, beside the worker's own words
            with open(self.log_path, "a") as log:
                log.write(f"--- {fault_verdict(reply)} after {time.perf_counter() - started:.1f} s "
                          f"({time.strftime('%H:%M:%S')}) on {json.dumps(request)}: {fault_detail(reply)}\n")
        return reply

    def _exchange(self, request: dict, deadline: float, timeout_s: float | None = None) -> dict:
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass  # it died: said below
        line = self._next_line(deadline, prefix=REPLY)
        if line is not _EOF and line is not None:
            reply = json.loads(line[len(REPLY):])
            if "crashed" in reply:  # the worker exits after a CUDA fault; wait for it
                self._reap()
            return reply
        if line is _EOF:  # its output ended: it died (a signal, an exit)
            death = self._death()
            if death is not None:
                self.proc = None
                return {"crashed": death}
        self.kill()
        bound = timeout_s if timeout_s is not None else STARTUP_TIMEOUT_S
        return {"hung": f"no reply within {bound:.1f} s; the measuring process was killed"}

    def _next_line(self, deadline: float, *, prefix: str):
        """The next stdout line starting with prefix (others are stray prints); _EOF when the
        process's output ended, None when the deadline passed."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                return None
            if line is None:  # end of stdout: the process is gone
                return _EOF
            if line.startswith(prefix):
                return line

    @staticmethod
    def _read(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def _death(self) -> str | None:
        """How the process died, if it did ('killed by SIGSEGV', with its last log line)."""
        if self.proc is None:
            return "the measuring process is gone"
        try:
            code = self.proc.wait(timeout=EXIT_WAIT_S)
        except subprocess.TimeoutExpired:
            return None
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with code {code}"
        tail = [line.strip() for line in self.log_path.read_text(errors="replace").splitlines()[-20:] if line.strip()]
        last = next((line for line in reversed(tail) if not line.startswith("---")), "")
        return f"the measuring process {how}" + (f" ({last[:300]})" if last else "")

    def _reap(self) -> None:
        try:
            self.proc.wait(timeout=REAP_TIMEOUT_S)
        except subprocess.TimeoutExpired:  # a dead context can hang teardown: it said its piece
            self.kill()
        self.proc = None

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        self.proc = None

    def close(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=CLOSE_TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self.proc = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self.kill()
        else:
            self.close()
