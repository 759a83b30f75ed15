"""The workflows executed, not read: every job of pr.yml, pr-comment.yml, main.yml and cpu.yml runs under
act in host mode (tests/act.py) on real commits of a scratch repository, with the measuring
process broken on purpose (tests/fake_worker.py) where a GPU kernel would break. What users see is
asserted: the gate job's conclusion (red for every failing verdict, green for a pass), the
artifact, the one PR comment (created once, edited on the next push, a fork's included), the
results pushed to `asv-results`.

On a machine without a GPU the SDPA peer sdpa_math is timed on the CPU, the kernels are
resource-counted from nvcc, and a kernel row that must be timed (the latency plants) is served by
the fake worker's CPU stand-in.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from fcbench import gate, registry

from .act import World
from .conftest import GIT

FAKE_BIN = Path(__file__).parent / "fake_bin"
# The jobs' environment on this machine: CPU torch allowed, the breakable measuring process, the
# compute-sanitizer stand-in first on PATH, and one torch thread per measuring process: with
# torch's thread pool on this 2-core machine whole rounds read 100x slow, and the planted (then 2x)
# slowdown once came out NOISY (base 5470.9 us beside 218.8 us; tests/test_ci_pr.py saw the same).
JOB_ENV = {"FCBENCH_JOB_CPU": "1", "FCBENCH_WORKER_MODULE": "tests.fake_worker", "OMP_NUM_THREADS": "1",
           "PATH": os.pathsep.join([str(FAKE_BIN), os.environ["PATH"]])}
FORK = "someone/fcbench"


def _commit(repo: Path, branch: str, start: str, message: str, edit) -> str:
    subprocess.run([*GIT, "-C", str(repo), "checkout", "-q", "-B", branch, start], check=True)
    edit(repo)
    subprocess.run([*GIT, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qm", message], check=True)
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def _plant(**how):
    return lambda r: (r / "fcbench-plant.json").write_text(json.dumps(how))


def _edit(path: str, old: str, new: str):
    def edit(r: Path):
        text = (r / path).read_text()
        assert old in text, (path, old)
        (r / path).write_text(text.replace(old, new, 1))
    return edit


def _both(*edits):
    return lambda r: [e(r) for e in edits]


@pytest.fixture(scope="module")
def world(repo, tmp_path_factory):
    """main: this checkout with a 10 s watchdog (a planted hang costs 10 s, not 60); a branch per
    plant, each one commit on main (or on latency-base, where wmma_fused is the CPU stand-in)."""
    main = _commit(repo, "main", "HEAD", "ci: a 10 s watchdog for the CPU workflow tests",
                   _edit("pyproject.toml", "hang_timeout_s = 60", "hang_timeout_s = 10"))
    latency_base = _commit(repo, "latency-base", main, "wmma_fused on the CPU stand-in", _plant(wmma_fused="stand-in"))
    blow_up = _edit("csrc/kernels/wmma_qk.cu", "WmmaQkConfig<kHeadDim>::kThreads, 2)", "WmmaQkConfig<kHeadDim>::kThreads, 8)")
    heads = {
        "pass": ("main", _commit(repo, "pass", main, "docs only", _edit("README.md", "# fcbench", "# fcbench\n"))),
        "latency": ("latency-base", _commit(repo, "latency", latency_base, "wmma_fused four times as slow",
                                            _plant(wmma_fused="slow"))),
        "own-budget": ("latency-base", _commit(repo, "own-budget", latency_base, "slower, with a 50% budget",
                                               _both(_plant(wmma_fused="slow"),
                                                     _edit("pyproject.toml", "latency_budget = 0.03", "latency_budget = 0.50")))),
        "correctness": ("main", _commit(repo, "correctness", main, "sdpa_math raises", _plant(sdpa_math="raise"))),
        "crashed": ("main", _commit(repo, "crashed", main, "sdpa_math faults", _plant(sdpa_math="cuda_fault"))),
        "hung": ("main", _commit(repo, "hung", main, "sdpa_math hangs", _plant(sdpa_math="hang"))),
        "resources": ("main", _commit(repo, "resources", main, "wmma_qk: 8 blocks per SM", blow_up)),
        "ceiling": ("main", _commit(repo, "ceiling", main, "a register ceiling of 100 (mma_fused takes 255)",
                                    _edit("pyproject.toml", "max_registers = 255", "max_registers = 100"))),
        "sanitizer": ("main", _commit(repo, "sanitizer", main, "wmma_qk reads out of bounds",
                                      _both(_plant(wmma_qk="sanitizer"),
                                            lambda r: (r / "csrc/kernels/wmma_qk.cu").open("a").write("// touched\n")))),
    }
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    w = World(tmp_path_factory.mktemp("act"), repo)
    w.heads, w.shas = heads, {"main": main, "latency-base": latency_base}
    w.pr_runs = {}
    return w


PULL_NUMBERS = {name: i for i, name in enumerate(
    ["pass", "latency", "own-budget", "correctness", "crashed", "hung", "resources", "sanitizer"], start=1)}


def pull_request(world, name: str, head_repo: str | None = None) -> dict:
    base_ref, sha = world.heads[name]
    head_repo = head_repo or world.full_name
    return {"action": "synchronize", "number": PULL_NUMBERS[name],
            "pull_request": {"number": PULL_NUMBERS[name], "state": "open",
                             "head": {"sha": sha, "ref": name, "repo": {"full_name": head_repo}},
                             "base": {"sha": world.shas[base_ref], "ref": base_ref, "repo": {"full_name": world.full_name}}}}


def run_pr(world, name: str, head_repo: str | None = None):
    """pr.yml on PR `name` (cached: each plant runs once per module)."""
    key = (name, head_repo)
    if key not in world.pr_runs:
        event = pull_request(world, name, head_repo)
        world.pr_runs[key] = world.run("pull_request", event, workflow="pr.yml", sha=world.heads[name][1], env=JOB_ENV)
    return world.pr_runs[key]


def run_comment(world, pr_run, name: str, head_repo: str | None = None, conclusion: str | None = None):
    """pr-comment.yml after pr.yml's run: the workflow_run event GitHub sends, the run's artifacts."""
    head_repo = head_repo or world.full_name
    event = {"action": "completed", "workflow_run": {
        "id": 4242, "event": "pull_request", "head_sha": world.heads[name][1],
        "conclusion": conclusion or ("success" if pr_run.returncode == 0 else "failure"),
        "head_repository": {"full_name": head_repo}, "html_url": "https://github.invalid/run/4242",
        "pull_requests": [] if head_repo != world.full_name else [{"number": PULL_NUMBERS[name]}]}}
    return world.run("workflow_run", event, workflow="pr-comment.yml", sha=world.shas["main"], artifacts=pr_run.artifacts)


def gate_json(run) -> dict:
    return json.loads((run.artifacts / "fcbench-pr-l4" / "gate.json").read_text())


def failing(run) -> set[tuple[str, str]]:
    return {(r["variant"], r["verdict"]) for r in gate_json(run)["rows"] if r["verdict"] in gate.FAILING}


# Each plant: the exit code, and exactly the failing (variant, verdict) pairs: no innocent variant blamed.
VERDICTS = {
    "latency": (gate.EXIT_LATENCY, {("wmma_fused", "FAIL-LATENCY")}),
    "correctness": (gate.EXIT_CORRECTNESS, {("sdpa_math", "FAIL-CORRECTNESS")}),
    "crashed": (gate.EXIT_CORRECTNESS, {("sdpa_math", "CRASHED")}),
    "hung": (gate.EXIT_CORRECTNESS, {("sdpa_math", "HUNG")}),
    "resources": (gate.EXIT_RESOURCES, {("wmma_qk", "FAIL-RESOURCES")}),
    "sanitizer": (gate.EXIT_SANITIZER, {("wmma_qk", "FAIL-SANITIZER")}),
}


@pytest.mark.parametrize("name", list(VERDICTS))
def test_a_failing_verdict_turns_the_gate_job_red(world, name):
    run = run_pr(world, name)
    code, pairs = VERDICTS[name]
    assert run.jobs == {"gate": "failure"}, run.output[-4000:]
    assert f"exit status {code}" in run.output  # the step failed with the gate's own code, not tee's 0
    assert gate_json(run)["exit_code"] == code
    assert {pair[0] for pair in failing(run)} == {pair[0] for pair in pairs} and pairs <= failing(run), failing(run)
    files = {p.relative_to(run.artifacts).as_posix() for p in run.artifacts.rglob("*") if p.is_file()}
    assert {"fcbench-pr-l4/gate.md", "fcbench-pr-l4/gate.json", "fcbench-pr-l4/fcbench-ci.log"} <= files
    # The cleanup step ran after the failure (if: always()).
    assert "job-cleanup: done" in run.output


def test_a_docs_only_change_passes(world):
    run = run_pr(world, "pass")
    assert run.returncode == 0 and run.jobs == {"gate": "success"}, run.output[-4000:]
    assert gate_json(run)["exit_code"] == gate.EXIT_PASS and not failing(run)
    assert (run.artifacts / "fcbench-pr-l4" / "gate.md").read_text().startswith("### fcbench gate: pass")


def test_a_pull_request_cannot_set_its_own_budget(world):
    # The same slowdown as "latency", with `latency_budget = 0.50` in the PR's own pyproject.toml:
    # the base's 3% still applies, and the comment says what the PR tried to change.
    run = run_pr(world, "own-budget")
    assert run.jobs == {"gate": "failure"} and gate_json(run)["exit_code"] == gate.EXIT_LATENCY, run.output[-4000:]
    assert ("wmma_fused", "FAIL-LATENCY") in failing(run)
    md = (run.artifacts / "fcbench-pr-l4" / "gate.md").read_text()
    assert "gate.latency_budget: 0.03 -> 0.5" in md and "base's values" in md


def test_one_comment_per_pull_request_created_then_edited(world):
    first, second = run_pr(world, "pass"), run_pr(world, "latency")
    # One PR whose head moved from the docs change to the slowdown (two pushes).
    for run, name in ((first, "pass"), (second, "latency")):
        pr = pull_request(world, name)["pull_request"]
        world.set_api(pulls=[{**pr, "number": 99}])
        comment = run_comment(world, run, name)
        assert comment.jobs == {"comment": "success"}, comment.output[-4000:]
    api = world.api
    calls = [c["name"] for c in api["calls"] if c["name"].startswith("issues.") and c["name"] != "issues.listComments"]
    assert calls == ["issues.createComment", "issues.updateComment"]
    (mine,) = [c for c in api["comments"] if c["issue_number"] == 99]
    assert mine["body"].startswith("<!-- fcbench-gate -->\n**pr-gpu: failure**")
    assert "### fcbench gate: FAIL: latency" in mine["body"] and "**FAIL-LATENCY** `wmma_fused`" in mine["body"]
    # asv's own comparison of the same samples, beside the gate's verdict: it flags the same kernel
    # rows (on this CPU an SDPA peer's timing may move too: asv flags it, the gate never gates a
    # peer, and the comment says so on a line of its own).
    asv = mine["body"][mine["body"].index("#### asv's verdict on the same samples"):]
    flagged = [line for line in asv.splitlines() if line.startswith("| +") and "time_attention" in line]
    assert sum("'wmma_fused'" in line for line in flagged) == 2, asv
    disagree = [line for line in asv.splitlines() if line.startswith("- `")]
    assert all("an SDPA peer" in line for line in disagree), disagree
    assert disagree or "asv and the gate agree on every row" in asv


def test_a_fork_pull_request_gets_its_verdict(world):
    # A fork's pull_request run has no write token; pr-comment.yml (workflow_run, default branch)
    # posts it, finding the PR from the API by head commit and head repository, never from the artifact.
    run = run_pr(world, "crashed")  # pr.yml runs the same for a fork (act has no environments to approve)
    assert run.jobs == {"gate": "failure"}
    pr = pull_request(world, "crashed", head_repo=FORK)["pull_request"]
    world.set_api(pulls=[pr], comments=[{"id": 1, "issue_number": pr["number"], "user": {"login": "someone"},
                                         "body": "<!-- fcbench-gate -->\nall green, trust me"}], calls=[])
    comment = run_comment(world, run, "crashed", head_repo=FORK)
    assert comment.jobs == {"comment": "success"}, comment.output[-4000:]
    api = world.api
    posted = [c for c in api["comments"] if c["user"]["login"] == "github-actions[bot]"]
    assert len(posted) == 1 and posted[0]["issue_number"] == pr["number"]
    assert "**CRASHED** `sdpa_math`" in posted[0]["body"]
    assert api["comments"][0]["body"].endswith("trust me")  # someone else's comment with the marker is left alone


def test_no_comment_when_no_open_pull_request_has_that_head(world):
    run = run_pr(world, "pass")
    world.set_api(pulls=[], comments=[], calls=[])
    comment = run_comment(world, run, "pass")
    assert comment.jobs == {"comment": "success"}
    assert not world.api["comments"] and any(c["name"] == "core.notice" for c in world.api["calls"])


def test_a_cancelled_run_posts_nothing(world):
    run = run_pr(world, "pass")
    world.set_api(pulls=[pull_request(world, "pass")["pull_request"]], comments=[], calls=[])
    comment = run_comment(world, run, "pass", conclusion="cancelled")
    assert comment.returncode == 0 and "comment" not in comment.jobs and not world.api["calls"]


def _branch_file(world, pattern: str) -> tuple[str, dict]:
    names = subprocess.run(["git", "-C", str(world.remote), "ls-tree", "-r", "--name-only", "asv-results"],
                           capture_output=True, text=True, check=True).stdout.split()
    (name,) = [n for n in names if fnmatch.fnmatch(n, pattern)]
    return name, json.loads(subprocess.run(["git", "-C", str(world.remote), "show", f"asv-results:{name}"],
                                           capture_output=True, text=True, check=True).stdout)


def _latency_samples(result: dict) -> int:
    row = result["results"]["benchmarks.Latency.time_attention"]
    samples = row[result["result_columns"].index("samples")]
    return sum(len(s) for s in samples if s)


def _steps(run, job: str) -> dict[str, str]:
    """A job's steps as act reports them: name -> "Success" | "Failure"."""
    return {m[1]: m[0] for m in re.findall(rf"^\[{job}\]\s+(?:✅|❌)\s+(Success|Failure) - Main (.+?)(?: \[[^\]]*\])?$",
                                           run.output, re.M)}


@pytest.mark.parametrize("name, red_at", [("main", None), ("ceiling", "Compile every kernel for sm_89 and sm_90; "
                                                                       "enforce the resource ceilings")])
def test_the_cpu_workflow_runs_every_step_and_a_ceiling_breach_turns_it_red(world, name, red_at):
    # cpu.yml on a push: GitHub's hosted runner's steps on this machine. The toolkit step meets
    # the apt-get stand-in (nvcc is here), the install step pip (CPU torch already installed: the
    # setup-python stand-in's environment sees it), then lint, tests, every kernel compiled for
    # both archs against the ceilings, asv check and actionlint. The unit-test step runs one module
    # here (PYTEST_ADDOPTS): the whole suite is what runs this test. A commit whose ceiling a
    # kernel breaks turns the job red at the resources step, and the steps after it do not run.
    from fcbench import build

    sha = world.shas["main"] if name == "main" else world.heads[name][1]
    env = {**JOB_ENV, "PYTEST_ADDOPTS": "-p no:cacheprovider tests/test_registry.py",
           "FCBENCH_CACHE_DIR": str(build.cache_dir())}  # the kernels this session compiled already
    run = world.run("push", {"ref": "refs/heads/main", "after": sha}, workflow="cpu.yml", sha=sha, env=env)
    steps = _steps(run, "cpu")
    before = ["Install the CUDA toolkit", "Install fcbench (CPU torch)", "Lint", "Unit tests"]
    assert all(steps.get(step) == "Success" for step in before), (steps, run.output[-4000:])
    assert re.search(r"\[cpu\]\s+\|.*?\d+ passed", run.output)  # pytest ran in the job
    # The job's pip installed into the job's environment: this test run's fcbench is untouched (it
    # once was not: the stand-in's environment had no pip, and the one on PATH was this venv's).
    installed = json.loads(importlib.metadata.distribution("fcbench").read_text("direct_url.json") or "{}")
    assert installed.get("url", "").removeprefix("file://") in ("", str(registry.REPO_ROOT)), installed
    if red_at is None:
        assert run.returncode == 0 and run.jobs == {"cpu": "success"}, run.output[-4000:]
        assert all(steps.get(step) == "Success" for step in (
            "Compile every kernel for sm_89 and sm_90; enforce the resource ceilings", "asv check", "actionlint"))
    else:
        assert run.returncode != 0 and run.jobs == {"cpu": "failure"}, run.output[-4000:]
        assert steps.get(red_at) == "Failure" and "asv check" not in steps and "actionlint" not in steps, steps
        assert re.search(r"mma_fused_kernel<.*> \(sm_90\): 255 registers > 100", run.output), run.output[-3000:]


def test_main_records_then_a_second_recording_merges_its_samples(world):
    # A merge to main: record (the GPU runner's job) -> artifact -> push (the only job with a write
    # token) fast-forwards asv-results in the remote. The same commit recorded again (a re-run)
    # comes back merged through fcbench's store: the branch's file gains the second run's samples.
    main = world.shas["main"]
    event = {"ref": "refs/heads/main", "after": main}
    first = world.run("push", event, workflow="main.yml", sha=main, env=JOB_ENV, job="push")
    assert first.jobs == {"record": "success", "push": "success"}, first.output[-4000:]
    assert "push-results: pushed" in first.output
    name, recorded = _branch_file(world, f"results/l4/{main[:8]}-*.json")
    assert recorded["commit_hash"] == main and _latency_samples(recorded) > 0
    second = world.run("push", event, workflow="main.yml", sha=main, env=JOB_ENV, job="push")
    assert second.jobs == {"record": "success", "push": "success"}, second.output[-4000:]
    again_name, merged = _branch_file(world, f"results/l4/{main[:8]}-*.json")
    assert again_name == name and _latency_samples(merged) == 2 * _latency_samples(recorded)


def test_nightly_backfills_pushes_and_publishes_the_report(world, tmp_path):
    # Runs last: it adds a commit to main. The nightly run (schedule): record backfills with
    # `asv run NEW` from the history on asv-results (at least main's own recording, above), push
    # adds the new commit's results, report builds the site from the branch into its own
    # environment (scripts/report-env.sh: the hashed lock file, no torch), deploy finds
    # the Pages artifact's index.html.
    main = world.shas["main"]
    if subprocess.run(["git", "-C", str(world.remote), "cat-file", "-e", "asv-results"]).returncode:
        run = world.run("push", {"ref": "refs/heads/main", "after": main}, workflow="main.yml", sha=main, env=JOB_ENV,
                        job="push")
        assert run.jobs == {"record": "success", "push": "success"}, run.output[-4000:]
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(world.remote), str(clone)], check=True)
    new = _commit(clone, "main", "HEAD", "docs: a commit no recording reached", _edit("README.md", "# fcbench", "# fcbench "))
    subprocess.run(["git", "-C", str(clone), "push", "-q", "origin", "main"], check=True)
    run = world.run("schedule", {"schedule": "17 3 * * *"}, workflow="main.yml", sha=new,
                    env=JOB_ENV)
    assert run.jobs == {"record": "success", "push": "success", "report": "success", "deploy": "success"}, \
        run.output[-6000:]
    assert f"For fcbench commit {new[:8]}" in run.output  # asv run NEW measured it
    assert "gpu-tests: no CUDA device (FCBENCH_JOB_CPU=1): the GPU tests skip" in run.output
    # The report job's environment is the hashed lock file's, without torch.
    assert re.search(r"report-env: fcbench and \d+ hashed packages in .* \(no torch\)", run.output), run.output[-6000:]
    assert re.search(r"\[record\]\s+\|.*?\d+ skipped.*deselected", run.output)  # pytest -m gpu ran, and skipped here
    name, recorded = _branch_file(world, f"results/l4/{new[:8]}-*.json")
    latency = recorded["results"]["benchmarks.Latency.time_attention"][recorded["result_columns"].index("result")]
    assert recorded["commit_hash"] == new and any(isinstance(x, float) and x > 0 for x in latency)
    pages = run.artifacts / "github-pages"
    index = (pages / "index.html").read_text()
    assert "l4" in index and new[:8] in index and (pages / "asv" / "index.html").exists()


def test_a_manual_run_backfills_and_finds_nothing_new(world):
    # workflow_dispatch (a maintainer's "Run workflow"): the nightly path. Right after the nightly
    # run above, every commit on main is recorded: `asv run NEW` measures none, and nothing is lost
    # on the branch; the report is rebuilt and deployed all the same.
    head = subprocess.run(["git", "-C", str(world.remote), "rev-parse", "main"], capture_output=True, text=True,
                          check=True).stdout.strip()
    before = subprocess.run(["git", "-C", str(world.remote), "ls-tree", "-r", "--name-only", "asv-results"],
                            capture_output=True, text=True).stdout.split()  # none yet when run alone
    run = world.run("workflow_dispatch", {"ref": "refs/heads/main", "inputs": {}}, workflow="main.yml", sha=head,
                    env=JOB_ENV)
    assert run.jobs == {"record": "success", "push": "success", "report": "success", "deploy": "success"}, \
        run.output[-6000:]
    if before:  # after the nightly run: nothing left to measure (asv run NEW would exit 1, failing the job)
        assert "For fcbench commit" not in run.output and "nothing new to measure" in run.output
    after = subprocess.run(["git", "-C", str(world.remote), "ls-tree", "-r", "--name-only", "asv-results"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert set(before) <= set(after)
