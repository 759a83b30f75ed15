"""A measuring process without torch, for fcbench.supervise.Worker's own decisions (issue 27's
mutation score: milliseconds to start, where tests/fake_worker.py takes seconds). It speaks the
worker's protocol (fcbench.worker: a READY line, then one JSON request per stdin line and one
REPLY-prefixed line per request) and ends each request as its "op" says:
  "echo": replies {"echo": request, "pid": its pid} (a stray line first when "stray" is set;
    after "sleep" seconds when set);
  "error": a Python error's reply, {"error": ...}; the process carries on;
  "crash": {"crashed": ...}, as the real worker after a sticky CUDA error, then exit 70;
  "linger": the same reply, then it never exits (a dead context hanging the teardown);
  "segv": dies by SIGSEGV;
  "exit": writes "say" to stderr (default "tiny worker: exiting CODE"; "raw": hex bytes instead),
    then exits with "code" (default 5);
  "close-stdout": closes its stdout and lives on; "hang": never replies;
  "deaf": replies, and from then on does not exit when its stdin ends.
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
    deaf = False
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "echo":
            time.sleep(request.get("sleep", 0))
            if request.get("stray"):
                print(REPLY.strip() + "-NOT: a line that only looks like a reply", flush=True)
                print("a stray print", flush=True)
            _reply({"echo": request, "pid": os.getpid()})
        elif op == "error":
            _reply({"error": "RuntimeError: planted"})
        elif op in ("crash", "linger"):
            _reply({"crashed": "CUDA error: an illegal memory access was encountered"})
            sys.stderr.write("tiny worker: CUDA context lost; exiting\n")
            sys.stderr.flush()
            if op == "linger":
                time.sleep(3600)
            os._exit(70)
        elif op == "segv":
            sys.stderr.write("tiny worker: about to segfault\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGSEGV)
        elif op == "exit":
            code = request.get("code", 5)
            if "raw" in request:
                sys.stderr.buffer.write(bytes.fromhex(request["raw"]))
            else:
                sys.stderr.write(request.get("say", f"tiny worker: exiting {code}\n"))
            sys.stderr.flush()
            os._exit(code)
        elif op == "close-stdout":
            os.close(1)
            time.sleep(3600)
        elif op == "hang":
            time.sleep(3600)
        elif op == "deaf":
            deaf = True
            _reply({"deaf": True})
    if deaf:
        time.sleep(3600)


if __name__ == "__main__":
    main()
