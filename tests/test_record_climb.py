"""scripts/record-climb.sh on a scratch repository, with a stand-in for fcbench: every step is
recorded and gated against the one before, a gate's verdict is the climb's finding, and a record or
gate that could not run makes the run exit 1 without stopping the steps after it."""

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import git

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def climb(tmp_path):
    """Three commits, and a stand-in fcbench that logs its calls and exits as the environment says."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts" / "record-climb.sh").write_bytes((REPO / "scripts" / "record-climb.sh").read_bytes())
    git(repo, "init", "-q")
    shas = []
    for step in ("one", "two", "three"):
        (repo / "step.txt").write_text(step)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"step {step}")
        shas.append(git(repo, "rev-parse", "--short=8", "HEAD"))
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "fakefcbench"
    # record REF exits $RECORD_RC_<REF> and gate A B exits $GATE_RC_<B>, 0 where unset.
    fake.write_text(f'#!/bin/bash\necho "$*" >> {calls}\n'
                    'case $1 in record) v=RECORD_RC_$2 ;; gate) v=GATE_RC_$3 ;; esac\nexit "${!v:-0}"\n')
    fake.chmod(0o755)
    env = {**os.environ, "FCBENCH": str(fake), "OUT": str(tmp_path / "out")}
    return repo, shas, calls, env


def run(repo, env, *refs):
    return subprocess.run(["bash", "scripts/record-climb.sh", *refs], cwd=repo, env=env, capture_output=True,
                          text=True)


def test_each_step_is_recorded_and_gated_against_the_last(climb):
    repo, shas, calls, env = climb
    r = run(repo, env, *shas)
    assert r.returncode == 0, r.stderr
    assert [c.split()[:3] for c in calls.read_text().splitlines()] == [
        ["record", shas[0]], ["record", shas[1]], ["gate", shas[0], shas[1]], ["record", shas[2]],
        ["gate", shas[1], shas[2]]]
    with tarfile.open(Path(env["OUT"]) / "climb.tgz") as tar:
        summary = tar.extractfile("climb/summary.txt").read().decode()
    assert f"gate {shas[1]} -> {shas[2]} rc=0" in summary


def test_a_gate_verdict_is_the_climbs_finding_not_a_failure(climb):
    repo, shas, _, env = climb
    r = run(repo, {**env, f"GATE_RC_{shas[1]}": "6", f"GATE_RC_{shas[2]}": "4"}, *shas)
    assert r.returncode == 0, r.stderr
    assert f"gate {shas[0]} -> {shas[1]} rc=6" in r.stdout and f"gate {shas[1]} -> {shas[2]} rc=4" in r.stdout


@pytest.mark.parametrize("what, rc, line", [("RECORD", "1", "record {1}"), ("RECORD", "3", "record {1}"),
                                            ("GATE", "2", "gate {0} -> {1}"), ("GATE", "3", "gate {0} -> {1}")])
def test_a_record_or_gate_that_could_not_run_exits_1_and_the_climb_goes_on(climb, what, rc, line):
    repo, shas, calls, env = climb
    r = run(repo, {**env, f"{what}_RC_{shas[1]}": rc}, *shas)
    assert r.returncode == 1, r.stdout + r.stderr
    assert any(out.startswith(line.format(*shas)) and f"rc={rc}" in out for out in r.stdout.splitlines())
    assert calls.read_text().splitlines()[-1].split()[:3] == ["gate", shas[1], shas[2]]  # the last step still ran


@pytest.mark.parametrize("refs, code, message", [(["HEAD"], 2, "usage: scripts/record-climb.sh"),
                                                 (["HEAD", "no-such-ref"], 3, "REF: no-such-ref is not a commit")])
def test_bad_arguments_are_named(climb, refs, code, message):
    repo, _, calls, env = climb
    before = calls.read_text() if calls.exists() else ""
    r = run(repo, env, *refs)
    assert r.returncode == code
    assert message in r.stderr
    # Named before any recording: HEAD was once recorded first (minutes of GPU time), then refused.
    assert (calls.read_text() if calls.exists() else "") == before
