"""The GitHub Actions workflows: the CPU workflow's checks pass here, actions pinned to commit SHAs,
least-privilege permissions, forks kept off the GPU runner; and the results push never loses
a result, also when another runner pushed first."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from fcbench import registry

WORKFLOWS = sorted((registry.REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def test_cpu_workflow_checks_pass_here():
    # cpu.yml's check steps, read from the workflow and run as written (its installs, and the
    # test run this is part of, excepted): lint, every kernel for sm_89 and sm_90 under the
    # resource ceilings, asv's suite, actionlint.
    text = (registry.REPO_ROOT / ".github" / "workflows" / "cpu.yml").read_text()
    steps = re.findall(r"- name: (.+)\n\s+run: ([^|\n].*)\n", text)
    checks = [(name, cmd) for name, cmd in steps if not cmd.startswith(("sudo ", "pip ", "python -m pytest"))]
    assert {cmd.split()[0] for _, cmd in checks} == {"ruff", "fcbench", "asv", "actionlint"}, checks
    for name, cmd in checks:
        out = subprocess.run(cmd, shell=True, cwd=registry.REPO_ROOT, capture_output=True, text=True)
        assert out.returncode == 0, (name, out.stdout[-3000:], out.stderr[-3000:])


def test_actions_are_pinned_to_full_commit_shas():
    uses = [u for w in WORKFLOWS for u in re.findall(r"uses:\s*(\S+)", w.read_text())]
    assert uses
    for u in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u), u


def test_least_privilege_and_no_pull_request_target():
    for w in WORKFLOWS:
        text = w.read_text()
        assert re.search(r"^permissions:\n  contents: read$", text, re.M), w.name
        assert not re.search(r"^\s*pull_request_target:", text, re.M), w.name  # never as a trigger
        writes = re.findall(r"^\s+(\S+): write", text, re.M)
        assert set(writes) <= {"contents", "pull-requests", "pages", "id-token"}, (w.name, writes)


def test_pr_job_guards_forks_and_runs_one_gpu_job_at_a_time():
    text = (registry.REPO_ROOT / ".github/workflows/pr.yml").read_text()
    assert "github.event.pull_request.head.repo.full_name == github.repository" in text
    assert "contains(github.event.pull_request.labels.*.name, 'run-gpu')" in text
    assert "group: pr-gpu-${{ github.event.pull_request.number }}\n  cancel-in-progress: true" in text
    assert "group: gpu-${{ matrix.gpu }}\n      cancel-in-progress: false" in text
    assert "timeout-minutes:" in text and "fcbench ci pr --base" in text
    assert "<!-- fcbench-gate -->" in text and "updateComment" in text  # one comment, updated in place


GIT = ["git", "-c", "user.email=t@fcbench", "-c", "user.name=t"]
PUSH = registry.REPO_ROOT / "scripts" / "push-results.sh"


def runner_clone(remote: Path, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(into)], check=True)
    return into


def write_result(clone: Path, machine: str, name: str, text: str) -> Path:
    results = clone / ".asv" / "results"
    (results / machine).mkdir(parents=True, exist_ok=True)
    (results / machine / name).write_text(text)
    (results / machine / "machine.json").write_text(json.dumps({"machine": machine, "version": 1}))
    (results / "benchmarks.json").write_text('{"version": 2}')
    return results


def branch_files(remote: Path) -> dict:
    out = subprocess.run(["git", "-C", str(remote), "ls-tree", "-r", "--name-only", "asv-results"],
                         capture_output=True, text=True, check=True).stdout.split()
    return {f: subprocess.run(["git", "-C", str(remote), "show", f"asv-results:{f}"], capture_output=True, text=True,
                              check=True).stdout for f in out}


def test_push_results_never_loses_results(tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    seed = tmp_path / "seed"
    subprocess.run(["git", "init", "-q", "-b", "main", str(seed)], check=True)
    (seed / "README").write_text("x\n")
    subprocess.run([*GIT, "-C", str(seed), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(seed), "commit", "-qm", "init"], check=True)
    subprocess.run(["git", "-C", str(seed), "push", "-q", str(remote), "main"], check=True)

    l4 = runner_clone(remote, tmp_path / "l4")
    h100 = runner_clone(remote, tmp_path / "h100")
    # The remote refuses the first push once, as when another runner pushed in between:
    # the script must fetch again and retry, never force.
    hook = remote / "hooks" / "pre-receive"
    hook.write_text('#!/bin/sh\n[ -f "$GIT_DIR/refused" ] && exit 0\ntouch "$GIT_DIR/refused"\n'
                    'echo "simulated concurrent update" >&2\nexit 1\n')
    hook.chmod(0o755)
    first = subprocess.run(["bash", str(PUSH), str(write_result(l4, "l4", "aaaa1111-fcbench.json", "L4 run"))],
                           cwd=l4, capture_output=True, text=True, env=_git_env())
    assert first.returncode == 0 and "retrying on top of it" in first.stderr, first.stderr
    # h100 pushes next; the branch now exists and its push builds on top of l4's.
    out = subprocess.run(["bash", str(PUSH), str(write_result(h100, "h100", "aaaa1111-fcbench.json", "H100 run"))],
                         cwd=h100, capture_output=True, text=True, env=_git_env())
    assert out.returncode == 0, out.stderr
    files = branch_files(remote)
    assert files["results/l4/aaaa1111-fcbench.json"] == "L4 run"
    assert files["results/h100/aaaa1111-fcbench.json"] == "H100 run"
    # A later run never overwrites a recorded file.
    write_result(l4, "l4", "aaaa1111-fcbench.json", "rewritten")
    subprocess.run(["bash", str(PUSH), str(l4 / ".asv" / "results")], cwd=l4, capture_output=True, env=_git_env())
    assert branch_files(remote)["results/l4/aaaa1111-fcbench.json"] == "L4 run"


def _git_env():
    import os

    return {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@fcbench", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@fcbench"}


@pytest.mark.parametrize("workflow", [w.name for w in WORKFLOWS])
def test_workflow_steps_stay_thin(workflow):
    # Every run step is an install, a git operation, or a command that also runs outside GitHub.
    text = (registry.REPO_ROOT / ".github/workflows" / workflow).read_text()
    for block in re.findall(r"run: \|?\n?((?:.*\n)*?)(?=\s+- |\s*$|  \w)", text):
        commands = re.sub(r"\\\n\s*", " ", block)  # join backslash continuations
        for line in filter(None, (x.strip() for x in commands.splitlines())):
            assert re.match(r"(fcbench|scripts/|pip |sudo apt-get|git |ruff |python -m pytest|asv check|actionlint)",
                            line), (workflow, line)
