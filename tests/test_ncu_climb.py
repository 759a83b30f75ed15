"""scripts/ncu-climb.sh on a scratch repository, with stand-ins for fcbench and ncu: each step's own
kernel source is the one built and profiled, the checkout's source comes back, failures are named."""

import hashlib
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from .conftest import git

REPO = Path(__file__).resolve().parent.parent
UNIT = "csrc/kernels/k_fused.cu"
HEADER = "csrc/kernels/launch.cuh"


@pytest.fixture()
def climb(tmp_path):
    """A repository with two steps of csrc/kernels/k_fused.cu, and stand-ins that log what they saw."""
    repo = tmp_path / "repo"
    (repo / "csrc" / "kernels").mkdir(parents=True)
    (repo / "scripts").mkdir()
    (repo / "scripts" / "ncu-climb.sh").write_bytes((REPO / "scripts" / "ncu-climb.sh").read_bytes())
    git(repo, "init", "-q")
    shas = []
    for step in ("step one", "step two"):
        (repo / UNIT).write_text(f"// {step}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", step)
        shas.append(git(repo, "rev-parse", "--short=8", "HEAD"))
    (repo / UNIT).write_text("// work in progress, not committed\n")
    seen = tmp_path / "seen.txt"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # fcbench build (of FCBENCH_SOURCE_ROOT's csrc/ where it is set, as fcbench's) fails where the
    # unit says so, or where it wants a header of its own time (v2) that the source root lacks; ncu
    # notes the unit it profiles (from the same root) and its arguments.
    root = '"${FCBENCH_SOURCE_ROOT:-.}"'
    (bin_dir / "fakebuild").write_text(
        f"#!/bin/sh\n! grep -q 'does not build' {root}/{UNIT} || exit 1\n"
        f"! grep -q 'wants v2' {root}/{UNIT} || grep -q v2 {root}/{HEADER}\n")
    (bin_dir / "fakencu").write_text(
        f'#!/bin/sh\necho "$(head -n 1 {root}/{UNIT}) | $*" >> {seen}\necho "  Duration us 1.0"\n')
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {**os.environ, "FCBENCH": str(bin_dir / "fakebuild"), "NCU": str(bin_dir / "fakencu"), "PYTHON": "py",
           "OUT": str(tmp_path / "out")}
    return repo, shas, seen, env


def run(repo, env, *args):
    return subprocess.run(["bash", "scripts/ncu-climb.sh", *args], cwd=repo, env=env, capture_output=True, text=True)


def test_each_step_is_profiled_with_its_own_source_and_the_checkout_comes_back(climb):
    repo, shas, seen, env = climb
    r = run(repo, env, "k_fused", "1,8,512,64 4,16,2048,128", *shas)
    assert r.returncode == 0, r.stderr
    lines = seen.read_text().splitlines()
    assert [line.split(" | ")[0] for line in lines] == ["// step one", "// step two"]
    assert lines[0].split(" | ")[1].endswith("-k regex:k_fused_ --section SpeedOfLight --section ComputeWorkloadAnalysis "
                                             "--section SchedulerStats --section WarpStateStats --section Occupancy "
                                             "--section LaunchStats py scripts/profile_call.py k_fused 1,8,512,64 "
                                             "4,16,2048,128 1")
    assert (repo / UNIT).read_text() == "// work in progress, not committed\n"
    with tarfile.open(Path(env["OUT"]) / "ncu-climb.tgz") as tar:
        names = {Path(n).name for n in tar.getnames()}
        sources = tar.extractfile("ncu-climb/sources.txt").read().decode().splitlines()
    assert {f"ncu-{shas[0]}.log", f"ncu-{shas[1]}.log", f"build-{shas[1]}.log", "summary.txt"} <= names
    md5 = hashlib.md5(b"// step one\n").hexdigest()
    assert sources[0].startswith(f"{shas[0]} {md5} step one")


def test_a_step_that_does_not_build_is_named_and_skipped(climb):
    repo, shas, seen, env = climb
    (repo / UNIT).write_text("// does not build\n")
    git(repo, "commit", "-q", "-am", "broken step")
    broken = git(repo, "rev-parse", "--short=8", "HEAD")
    r = run(repo, env, "k_fused", "1,8,512,64", shas[0], broken, shas[1])
    assert r.returncode == 1, r.stderr  # the others are still profiled, and the run says it is incomplete
    assert f"build {broken} failed, alone and with its own csrc/: not profiled" in r.stdout
    assert [line.split(" | ")[0] for line in seen.read_text().splitlines()] == ["// step one", "// step two"]
    assert (repo / UNIT).read_text() == "// does not build\n"  # the checkout's (committed) source


def test_a_step_whose_headers_changed_since_is_built_and_profiled_with_its_own_csrc(climb):
    # Step three's unit wants the header of its time (v2); a later commit changed the header's
    # interface back (v1), so the unit alone no longer builds beside this checkout's.
    repo, shas, seen, env = climb
    commit = ("commit", "-q", "-am")
    (repo / HEADER).write_text("// v2\n")
    (repo / UNIT).write_text("// step three wants v2\n")
    git(repo, "add", "-A")
    git(repo, *commit, "step three")
    three = git(repo, "rev-parse", "--short=8", "HEAD")
    (repo / HEADER).write_text("// v1\n")
    (repo / UNIT).write_text("// step four\n")
    git(repo, *commit, "the header's interface changes")
    r = run(repo, env, "k_fused", "1,8,512,64", shas[0], three)
    assert r.returncode == 0, r.stderr
    assert f"build {three}: its unit did not build with this checkout's csrc/; built and profiled with its own" \
        in r.stdout
    assert [line.split(" | ")[0] for line in seen.read_text().splitlines()] == ["// step one", "// step three wants v2"]
    assert f"ncu {three} rc=0" in r.stdout
    assert (repo / UNIT).read_text() == "// step four\n" and (repo / HEADER).read_text() == "// v1\n"
    assert not git(repo, "status", "--porcelain")  # nothing of the step's own csrc/ left in the checkout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["k_fused", "1,8,512,64"], 2, "usage: scripts/ncu-climb.sh VARIANT"),
        (["nope", "1,8,512,64", "HEAD"], 2, "VARIANT: no kernel unit csrc/kernels/nope.cu"),
        (["k_fused", "1,8,512,64", "HEAD", "no-such-ref"], 3, "REF: no-such-ref is not a commit"),
    ],
)
def test_bad_arguments_are_named_and_leave_the_checkout_as_it_was(climb, args, code, message):
    repo, _, seen, env = climb
    before = seen.read_text() if seen.exists() else ""
    r = run(repo, env, *args)
    assert r.returncode == code
    assert message in r.stderr
    assert (seen.read_text() if seen.exists() else "") == before  # nothing built or profiled first
    assert (repo / UNIT).read_text() == "// work in progress, not committed\n"


def test_a_step_whose_ncu_fails_is_named_and_the_run_exits_1(climb):
    repo, shas, seen, env = climb
    failing = Path(env["OUT"]).parent / "bin" / "failingncu"
    failing.write_text(f'#!/bin/sh\n{env["NCU"]} "$@"\ngrep -q "step two" "${{FCBENCH_SOURCE_ROOT:-.}}/{UNIT}" && exit 9\nexit 0\n')
    failing.chmod(0o755)
    r = run(repo, {**env, "NCU": str(failing)}, "k_fused", "1,8,512,64", *shas)
    assert r.returncode == 1, r.stderr
    assert f"ncu {shas[0]} rc=0" in r.stdout and f"ncu {shas[1]} rc=9" in r.stdout
    assert [line.split(" | ")[0] for line in seen.read_text().splitlines()] == ["// step one", "// step two"]
    assert (repo / UNIT).read_text() == "// work in progress, not committed\n"
