"""scripts/act-validate.sh's driver: pr.yml then pr-comment.yml under act (tests/act.py) for each
planted pull request of the scratch repository; prints one row per plant, exits 1 on any mismatch.
Usage: python3 scripts/act_validate.py OUT_DIR PLANT..."""

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.act import World  # noqa: E402

EXPECTED = {"B": (0, "pass"), "C": (6, "FAIL-LATENCY"), "D": (4, "FAIL-CORRECTNESS"), "E": (5, "FAIL-RESOURCES"),
            "G": (4, "MISSING")}


def comment_shows(body: str, want_verdict: str) -> bool:
    """Whether the PR comment says what the plant should earn: a pass heading, or the verdict's
    own bullet (the heading says the exit code's family, "FAIL: latency", never "FAIL-LATENCY")."""
    lines = body.splitlines()
    if want_verdict == "pass":
        return any(line.startswith("### fcbench gate: pass") for line in lines)
    return any(line.startswith(f"- **{want_verdict}** ") for line in lines)


def main(out: Path, plants: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="act-validate-"))
    keep = work / "keep"
    keep.mkdir()
    shas = subprocess.run(["bash", "-c", f'source scripts/scratch-repo.sh "{work}/repo" >&2 && echo $A $B $C $D $E $G'],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    sha = dict(zip("ABCDEG", shas, strict=True))
    subprocess.run(["git", "-C", str(work / "repo"), "branch", "-f", "base-a", sha["A"]], check=True)
    world = World(work / "world", work / "repo")
    node = shutil.which("node")
    rows, ok = [], True
    for number, plant in enumerate(plants, start=1):
        want_code, want_verdict = EXPECTED[plant]
        pr = {"number": number, "state": "open", "head": {"sha": sha[plant], "ref": f"plant-{plant}",
                                                          "repo": {"full_name": world.full_name}},
              "base": {"sha": sha["A"], "ref": "base-a", "repo": {"full_name": world.full_name}}}
        started = time.monotonic()
        run = world.run("pull_request", {"action": "synchronize", "number": number, "pull_request": pr},
                        workflow="pr.yml", sha=sha[plant])
        took = time.monotonic() - started
        gate_json = run.artifacts / "fcbench-pr-l4" / "gate.json"
        code = json.loads(gate_json.read_text())["exit_code"] if gate_json.exists() else None
        comment, body = "(no node: not run)", ""
        if node:
            world.set_api(pulls=[pr], comments=[], calls=[])
            event = {"action": "completed", "workflow_run": {
                "id": number, "event": "pull_request", "head_sha": sha[plant],
                "conclusion": "success" if run.returncode == 0 else "failure",
                "head_repository": {"full_name": world.full_name}, "html_url": f"run/{number}", "pull_requests": []}}
            posted = world.run("workflow_run", event, workflow="pr-comment.yml", sha=sha["A"], artifacts=run.artifacts)
            bodies = [c["body"] for c in world.api["comments"]]
            body = bodies[0] if posted.jobs == {"comment": "success"} and bodies else ""
            comment = next((line for line in body.splitlines() if line.startswith("### fcbench gate")), "(no comment)")
            (keep / f"comment-{number}-{plant}.md").write_text(bodies[0] if bodies else posted.output[-3000:])
        job = run.jobs.get("gate")
        good = code == want_code and job == ("success" if want_code == 0 else "failure") and \
            (not node or comment_shows(body, want_verdict))
        ok &= good
        rows.append(f"{plant:5} {want_code:4} {str(code):4} {str(job):8} {took:6.0f} s  {'ok' if good else 'MISMATCH'}  {comment}")
        with open(out / "rows.txt", "a") as f:  # each plant's row as it ends: a call cut short keeps them
            f.write(rows[-1] + "\n")
        (out / f"gate-{number}-{plant}.md").write_text((run.artifacts / "fcbench-pr-l4" / "gate.md").read_text()
                                              if (run.artifacts / "fcbench-pr-l4" / "gate.md").exists()
                                              else run.output[-6000:])
        for name in ("gate.md", "gate.json", "fcbench-ci.log"):
            if (run.artifacts / "fcbench-pr-l4" / name).exists():
                shutil.copy(run.artifacts / "fcbench-pr-l4" / name, keep / f"{number}-{plant}-{name}")
    # one archive: the device tool brings back at most 8 files
    with tarfile.open(out / "act-logs.tgz", "w:gz") as tar:
        for log in sorted((work / "world").glob("run-*/act.log")):
            tar.add(log, arcname=f"act-logs/{log.parent.name}.log")
        tar.add(keep, arcname="act-logs/artifacts")
    print("plant want got  job        wall    verdict   comment")
    print("\n".join(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    # Checked before the scratch repository and the first act run, not after them.
    if len(sys.argv) < 3 or not Path(sys.argv[1]).is_dir() or not set(sys.argv[2:]) <= EXPECTED.keys():
        print(f"usage: python3 scripts/act_validate.py OUT_DIR PLANT... (OUT_DIR an existing directory; "
              f"plants: {', '.join(EXPECTED)})", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
