"""A measuring process without torch, for fcbench.supervise.Worker's own decisions (issue 27's
mutation score: milliseconds to start, where tests/fake_worker.py takes seconds). It speaks the
worker's protocol (fcbench.worker: a READY line, then one JSON request per stdin line and one
REPLY-prefixed line per request) and ends each request as its "op" says:
  "echo": replies {"echo": request, "pid": its pid} (a stray line first when "stray" is set);
  "error": a Python error's reply, {"error": ...}; the process carries on;
  "crash": {"crashed": ...}, as the real worker after a sticky CUDA error, then exit 70;
  "segv": dies by SIGSEGV; "exit": writes a line to stderr, then exits 5;
  "hang": never replies.
TINY_START (environment) = "die": exits 3 before READY, with a line on stderr; "silent": never
says READY. Run as `python -m tests.tiny_worker` (fcbench.supervise.WORKER_MODULE)."""

import json
import os
import signal
import sys
import time

READY = "FCBENCH-READY"  # fcbench.supervise.READY and REPLY (tests/test_supervise.py checks they match)
REPLY = "FCBENCH-REPLY "


def _reply(reply: dict) -> None:
    sys.stdout.write(REPLY + json.dumps(reply) + "\n")
    sys.stdout.flush()


def main() -> None:
    start = os.environ.get("TINY_START", "")
    if start == "die":
        sys.stderr.write("tiny worker: cannot start\n")
        sys.exit(3)
    if start == "silent":
        time.sleep(3600)
    print("tiny worker: a stray line before READY", flush=True)
    print(READY, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "echo":
            if request.get("stray"):
                print(REPLY.strip() + "-NOT: a line that only looks like a reply", flush=True)
                print("a stray print", flush=True)
            _reply({"echo": request, "pid": os.getpid()})
        elif op == "error":
            _reply({"error": "RuntimeError: planted"})
        elif op == "crash":
            _reply({"crashed": "CUDA error: an illegal memory access was encountered"})
            sys.stderr.write("tiny worker: CUDA context lost; exiting\n")
            sys.stderr.flush()
            os._exit(70)
        elif op == "segv":
            sys.stderr.write("tiny worker: about to segfault\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        elif op == "exit":
            sys.stderr.write("tiny worker: exiting 5\n")
            sys.exit(5)
        elif op == "hang":
            time.sleep(3600)


if __name__ == "__main__":
    main()
