"""The GitHub Actions workflows: the CPU workflow's checks pass here, actions pinned to commit SHAs,
least-privilege permissions, forks kept off the GPU runner; and the results push never loses
a result, also when another runner pushed first."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fcbench import registry

WORKFLOWS = sorted((registry.REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def test_cpu_workflow_checks_pass_here():
    # cpu.yml's check steps, read from the workflow and run as written (its installs, the test run
    # this is part of, and ruff, which README's test command runs beside pytest so that a lint error
    # is never counted as a failing test, excepted): every kernel for sm_89 and sm_90 under the
    # resource ceilings, asv's suite, actionlint.
    text = (registry.REPO_ROOT / ".github" / "workflows" / "cpu.yml").read_text()
    steps = re.findall(r"- name: (.+)\n\s+run: ([^|\n].*)\n", text)
    checks = [(name, cmd) for name, cmd in steps if not cmd.startswith(("sudo ", "pip ", "python -m pytest", "ruff "))]
    assert {cmd.split()[0] for _, cmd in checks} == {"fcbench", "asv", "actionlint"}, checks
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


def _jobs():
    """(workflow file, job name, job) for every job; YAML's `on` key parses as True."""
    import yaml

    return [(w.name, name, job) for w in WORKFLOWS for name, job in yaml.safe_load(w.read_text())["jobs"].items()]


def _self_hosted(job) -> bool:
    return str(job["runs-on"]).startswith("fcbench-")


def test_pull_requests_and_main_run_on_separate_single_use_scale_sets():
    runs_on = {(w, name): job["runs-on"] for w, name, job in _jobs()}
    assert runs_on[("pr.yml", "gate")] == "fcbench-pr-${{ matrix.gpu }}"
    assert runs_on[("main.yml", "record")] == "fcbench-main-${{ matrix.gpu }}"
    assert not any(str(r).startswith("fcbench-main") for (w, _), r in runs_on.items() if w == "pr.yml")
    for arc in (registry.REPO_ROOT / "deploy" / "arc").glob("*.yaml"):  # the scale sets the labels name
        assert arc.stem in {"fcbench-pr-l4", "fcbench-main-l4", "fcbench-pr-h100", "fcbench-main-h100"}, arc


def test_no_job_shares_an_installation_or_a_build_cache():
    for w, name, job in _jobs():
        if not _self_hosted(job):
            continue
        runs = [step.get("run", "") for step in job["steps"]]
        assert any(r.startswith('scripts/job-env.sh "${{ runner.temp }}/venv"') for r in runs), (w, name)
        assert not any("pip install" in r for r in runs), (w, name)  # only into the job's own venv
        # Steps that run fcbench: the job's own, or a script handed the job's own bin directory.
        fcbench = [(step["run"], step.get("env", {})) for step in job["steps"]
                   if "fcbench\"" in step.get("run", "") or "/venv/bin\"" in step.get("run", "")]
        assert fcbench, (w, name)
        for run, env in fcbench:
            assert run.lstrip().startswith('"${{ runner.temp }}/venv/bin/fcbench"') or \
                (run.lstrip().startswith("scripts/") and '"${{ runner.temp }}/venv/bin"' in run), (w, name, run)
            assert env.get("FCBENCH_CACHE_DIR", "").startswith("${{ runner.temp }}/"), (w, name)


def test_no_write_token_where_fcbench_or_pull_request_code_runs():
    for w, name, job in _jobs():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (w, name)
        writes = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
        if _self_hosted(job):
            assert not writes, (w, name, writes)
        if "contents" in writes:  # the results push: a GitHub-hosted job that runs no fcbench code
            assert job["runs-on"] == "ubuntu-latest" and (w, name) == ("main.yml", "push")
            runs = [step.get("run", "") for step in job["steps"]]
            assert not any("fcbench" in r.split()[0] for r in runs if r), runs
            with_token = [s for s in job["steps"] if "secrets.GITHUB_TOKEN" in str(s)]
            assert [s["name"] for s in with_token] == ["Push the new result files (fast-forward only, retried)"]


def test_fork_runs_need_approval_every_time():
    import yaml

    pr = yaml.safe_load((registry.REPO_ROOT / ".github/workflows/pr.yml").read_text())
    assert set(pr[True]["pull_request"]["types"]) == {"opened", "synchronize", "reopened"}  # no approve-once label
    gate = pr["jobs"]["gate"]
    assert gate["environment"] == ("${{ github.event.pull_request.head.repo.full_name == github.repository "
                                   "&& 'gpu-pr' || 'gpu-pr-fork' }}")
    assert "run-gpu" not in (registry.REPO_ROOT / ".github/workflows/pr.yml").read_text()
    assert pr["concurrency"] == {"group": "pr-gpu-${{ github.event.pull_request.number }}", "cancel-in-progress": True}
    text = (registry.REPO_ROOT / ".github/workflows/pr-comment.yml").read_text()
    assert "<!-- fcbench-gate -->" in text and "updateComment" in text  # one comment, updated in place


def test_gpu_jobs_clean_up_always_and_every_job_has_a_timeout():
    for w, name, job in _jobs():
        assert 0 < job["timeout-minutes"] <= (20 if _self_hosted(job) else 30), (w, name)
        if _self_hosted(job):
            last = job["steps"][-1]
            assert last.get("if") == "always()" and last["run"] == 'scripts/job-cleanup.sh "${{ runner.temp }}"'


def test_job_cleanup_kills_what_the_job_left_and_removes_its_files(tmp_path):
    import os
    import time

    temp = tmp_path / "runner-temp"
    (temp / "venv" / "bin").mkdir(parents=True)
    (temp / "fcbench-cache").mkdir()
    (temp / "home").mkdir()

    def daemon(name, **env):  # its own session, as `setsid` makes one, renamed as `exec -a` does
        return subprocess.Popen(["bash", "-c", f"exec -a '{name}' sleep 300"], start_new_session=True,
                                env={**os.environ, **env})

    by_path = daemon(f"{temp}/venv/bin/python leftover")
    # Disguised: nothing of the job in its name. Its environment is the job's...
    by_env = daemon("[kworker/0:1]", RUNNER_TEMP=str(temp))
    # ...or it sits in the runner service's cgroup (a stand-in cgroup directory).
    by_cgroup = daemon("[kworker/0:2]")
    innocent = daemon("[kworker/0:3]")
    cgroup = tmp_path / "cgroup" / "actions.runner.o-r.l4.service"
    (cgroup / "child").mkdir(parents=True)
    (cgroup / "cgroup.procs").write_text(f"{os.getpid()}\n")  # the runner (an ancestor): spared
    (cgroup / "child" / "cgroup.procs").write_text(f"{by_cgroup.pid}\n")
    time.sleep(0.2)
    try:
        out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/job-cleanup.sh"), str(temp)], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "RUNNER_TEMP": str(temp), "FCBENCH_RUNNER_CGROUP": str(cgroup)})
        assert out.returncode == 0, out.stderr
        for proc, why in ((by_path, "this job's files"), (by_env, "this job's environment"),
                          (by_cgroup, "the runner's cgroup")):
            assert proc.wait(timeout=10) == -9 and f"killed {proc.pid} ({why}" in out.stdout, (why, out.stdout)
        assert innocent.poll() is None, out.stdout
        assert not any((temp / d).exists() for d in ("venv", "fcbench-cache", "home"))
        assert os.path.isdir(tmp_path)
    finally:
        innocent.kill()


@pytest.mark.parametrize("temp", ["/", "relative", "/nonexistent-fcbench-job"])
def test_job_cleanup_refuses_a_temp_dir_that_would_name_every_process(tmp_path, temp):
    # '/' (or a relative 'a') is in every command line: the sweep would have killed all of this
    # user's processes (init too, as root) and removed /venv, /home.
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/job-cleanup.sh"), temp], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2 and "is not an existing absolute directory other than /; nothing done" in out.stderr
        assert "killed" not in out.stdout and bystander.poll() is None
    finally:
        bystander.kill()


@pytest.mark.parametrize("where", ["", "full"])
def test_scratch_repo_without_a_new_directory_touches_nothing(tmp_path, where):
    # Sourced without DIR it once carried on in the caller's repository: the caller's uncommitted
    # work committed as "A", three planted commits on their branch, two plant branches.
    repo = tmp_path / "mine"
    subprocess.run(["git", "init", "-qb", "main", str(repo)], check=True)
    subprocess.run([*GIT, "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "mine"], check=True)
    (repo / "work.txt").write_text("uncommitted\n")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    target = "" if not where else str(tmp_path / where)
    out = subprocess.run(["bash", "-c", f'source "{registry.REPO_ROOT}/scripts/scratch-repo.sh" "{target}"; echo status=$?'],
                         cwd=repo, capture_output=True, text=True, timeout=60)
    assert "status=3" in out.stdout and "must be a new or empty directory" in out.stderr
    log = subprocess.run(["git", "-C", str(repo), "log", "--all", "--format=%s"], capture_output=True, text=True)
    assert log.stdout.split() == ["mine"] and (repo / "work.txt").read_text() == "uncommitted\n"


def test_mutation_test_names_an_unknown_plant_before_building_anything(tmp_path):
    # A typo ran nothing and reported "mutation score: 0 of 0 plants caught as expected", exit 0.
    out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/mutation-test.sh"), "trap", "nosuch"],
                         cwd=registry.REPO_ROOT, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "OUT": str(tmp_path), "FCBENCH": "false"})
    assert out.returncode == 2 and "unknown plant 'nosuch' (scripts/mutation-test.sh list)" in out.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv, says", [
    (["SITE", "OUT/shot.png", "nosuch.html"], "no page"), (["SITE", "NODIR/shot.png"], "OUT: no directory"),
    (["SITE", "OUT/shot.png", "index.html", "abc"], "WIDTH,HEIGHT: 'abc' is not two numbers"),
    (["SITE"], "usage: scripts/report-screenshot.sh")])
def test_report_screenshot_names_what_is_missing(tmp_path, argv, says):
    # It printed "report-screenshot: OUT" and exited 0 with no file written.
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>x</p>")
    argv = [a.replace("SITE", str(tmp_path / "site")).replace("NODIR", str(tmp_path / "nodir"))
            .replace("OUT", str(tmp_path)) for a in argv]
    out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/report-screenshot.sh"), *argv],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and says in out.stderr, out.stderr
    assert not (tmp_path / "shot.png").exists()


def test_gpu_tests_names_a_bin_dir_without_python(tmp_path):
    # It said "no CUDA device in this job" (exit 3) for a BIN_DIR that did not exist.
    out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/gpu-tests.sh"), str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "BIN_DIR: no python in" in out.stderr and "CUDA" not in out.stderr


@pytest.mark.parametrize("argv, says", [
    (["aa-row.sh", "nosuch", "23"], "VARIANT: 'nosuch' is not a registered variant"),
    (["aa-row.sh", "mma_fused", "x"], "SECONDS: a whole number, not 'x'"),
    (["gate-validate.sh", "full", "abc"], "SECONDS and PAIRS: whole numbers, not 'abc'"),
    (["asv-validate.sh", "continuous=300", "bogus=10"], "'bogus=10' is not STEP=SECONDS"),
    (["asv-validate.sh", "continuous"], "'continuous' is not STEP=SECONDS")])
def test_validation_scripts_name_a_bad_argument_before_any_comparison(tmp_path, argv, says):
    # Each once ran its comparisons (minutes of GPU time) and then failed, or exited 0 on none.
    out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts" / argv[0]), *argv[1:]], cwd=registry.REPO_ROOT,
                         capture_output=True, text=True, timeout=60,
                         env={**os.environ, "OUT": str(tmp_path), "FCBENCH": "false"})
    assert out.returncode == 2 and says in out.stderr, out.stderr


@pytest.mark.parametrize("argv", [
    ["gate_validation_summary.py"], ["gate_validation_summary.py", "/nonexistent"], ["mutation_verdict.py"],
    ["mutation_verdict.py", "j", "p", "c", "v", "4", "X", "abc", "3"], ["static_charts.py", "/nonexistent"],
    ["profile_call.py", "mma_fused", "abc"], ["placement_offsets.py", "abc"], ["placement_offsets.py", "0"],
    ["sample_overhead.py", "abc"], ["report_timing.py", "--loads", "0"], ["branch_protection.py", "/"],
    ["branch_protection.py", "ow/re;po"], ["act_validate.py", "/tmp", "Z"],
    ["lock_report_env.py", "--report", "/nonexistent"], ["mutation_score.py", "fcbench/nosuch.py"]])
def test_python_scripts_refuse_bad_arguments_with_a_usage_line_not_a_traceback(argv):
    # Each of these printed a traceback, exited 0 on nothing, or found the error after minutes of work.
    out = subprocess.run([sys.executable, str(registry.REPO_ROOT / "scripts" / argv[0]), *argv[1:]],
                         cwd=registry.REPO_ROOT, capture_output=True, text=True, timeout=60, input="garbage\n")
    assert out.returncode == 2 and "Traceback" not in out.stderr and out.stderr.strip(), (out.returncode, out.stderr)


def test_a_script_whose_usage_runs_it_directly_is_executable():
    # isolation-validate.sh, synthetic_history.py and report_timing.py said `Usage: scripts/X` and
    # failed so with "Permission denied" (126).
    for path in sorted((registry.REPO_ROOT / "scripts").iterdir()):
        if re.search(rf"Usage: scripts/{re.escape(path.name)}\b", path.read_text()):
            assert os.access(path, os.X_OK), path.name
            assert path.read_text().startswith("#!"), path.name


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
    # The refused first push's retry once committed on main's tree (its README on the branch).
    assert all(f.startswith("results/") for f in files), sorted(files)
    log = subprocess.run(["git", "-C", str(remote), "log", "--format=%P", "asv-results"], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    assert log[-2] == "", log  # the branch's first commit is a root commit
    assert subprocess.run(["git", "-C", str(l4), "branch", "--list", "asv-results"], capture_output=True,
                          text=True).stdout == ""  # no local branch left behind
    # A commit recorded again comes back merged with the branch's file (scripts/record-main.sh starts
    # from it): it replaces the branch's copy, and the earlier version stays in the branch's history.
    write_result(l4, "l4", "aaaa1111-fcbench.json", "L4 run, merged with a second")
    out = subprocess.run(["bash", str(PUSH), str(l4 / ".asv" / "results")], cwd=l4, capture_output=True, text=True,
                         env=_git_env())
    assert out.returncode == 0, out.stderr
    assert branch_files(remote)["results/l4/aaaa1111-fcbench.json"] == "L4 run, merged with a second"
    earlier = subprocess.run(["git", "-C", str(remote), "show", "asv-results~1:results/l4/aaaa1111-fcbench.json"],
                             capture_output=True, text=True, check=True).stdout
    assert earlier == "L4 run"
    # Only regular files reach the branch: a link (to a credential, say) stops the push.
    (l4 / ".asv" / "results" / "l4" / "zz-fcbench.json").symlink_to("/etc/passwd")
    out = subprocess.run(["bash", str(PUSH), str(l4 / ".asv" / "results")], cwd=l4, capture_output=True, text=True,
                         env=_git_env())
    assert out.returncode == 3 and "not a regular file" in out.stderr and "zz-fcbench.json" in out.stderr
    assert "results/l4/zz-fcbench.json" not in branch_files(remote)
    # Bad arguments are named before anything is touched.
    for argv, code, says in (([], 2, "usage: scripts/push-results.sh RESULTS_DIR"),
                             ([str(tmp_path / "nope")], 2, "RESULTS_DIR: "),
                             ([str(h100 / ".asv" / "results"), "asv-results", "nosuchremote"], 3,
                              "REMOTE: cannot reach 'nosuchremote'")):
        out = subprocess.run(["bash", str(PUSH), *argv], cwd=h100, capture_output=True, text=True, env=_git_env())
        assert out.returncode == code and says in out.stderr, (argv, out.stderr)


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
            assert re.match(r'(fcbench|"\$\{\{ runner.temp \}\}/venv/bin/fcbench"|scripts/|pip |sudo apt-get|git |ruff |'
                            r"python -m pytest|asv check|actionlint)", line), (workflow, line)


def test_record_main_takes_only_regular_files_from_the_results_branch(tmp_path):
    # A link on the branch (to a credential, say) was extracted into .asv/results, and the upload
    # step follows links: refused with exit 3 before anything is extracted or measured.
    origin, branch, job = tmp_path / "origin.git", tmp_path / "branch", tmp_path / "job"
    subprocess.run(["git", "init", "-q", "--bare", str(origin)], check=True)
    subprocess.run(["git", "init", "-qb", "asv-results", str(branch)], check=True)
    (branch / "results" / "l4").mkdir(parents=True)
    (branch / "results" / "l4" / "machine.json").write_text("{}")
    (branch / "results" / "l4" / "zz-fcbench.json").symlink_to("/etc/passwd")
    subprocess.run([*GIT, "-C", str(branch), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(branch), "commit", "-qm", "results"], check=True)
    subprocess.run(["git", "-C", str(branch), "push", "-q", str(origin), "asv-results"], check=True)
    subprocess.run(["git", "clone", "-q", str(origin), str(job)], check=True)
    out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/record-main.sh"), "head", "l4", "/nonexistent"],
                         cwd=job, capture_output=True, text=True, timeout=60)
    assert out.returncode == 3, out.stderr
    assert "holds what is not a regular file: results/l4/zz-fcbench.json" in out.stderr
    assert not (job / ".asv").exists()


# Top-level keys of the gha-runner-scale-set chart's values.yaml (actions-runner-controller 0.9):
# a misspelt key would be ignored by helm without a word.
CHART_KEYS = {"githubConfigUrl", "githubConfigSecret", "proxy", "maxRunners", "minRunners", "runnerGroup",
              "runnerScaleSetName", "githubServerTLS", "keyVault", "listenerTemplate", "listenerMetrics", "template",
              "containerMode", "controllerServiceAccount", "namespaceOverride", "resourceMeta"}
ARC = sorted((registry.REPO_ROOT / "deploy" / "arc").glob("*.yaml"))


@pytest.mark.parametrize("path", ARC, ids=[p.stem for p in ARC])
def test_runner_scale_sets_are_single_use_gpu_pods_in_their_own_group(path):
    import yaml

    values = yaml.safe_load(path.read_text())
    assert set(values) <= CHART_KEYS, set(values) - CHART_KEYS
    kind, gpu = path.stem.split("-")[1:]
    assert values["runnerScaleSetName"] == path.stem  # the runs-on label
    assert values["runnerGroup"] == f"fcbench-{kind}"  # PR and main never share a group
    assert values["minRunners"] == 0 and 1 <= values["maxRunners"] <= 8
    assert "containerMode" not in values  # no docker-in-docker: the job runs in the pod itself
    spec = values["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["nodeSelector"]["nvidia.com/gpu.product"].lower().endswith(gpu)
    (runner,) = spec["containers"]
    assert runner["name"] == "runner" and runner["command"] == ["/home/runner/run.sh"]  # what the chart expects
    assert runner["securityContext"]["runAsNonRoot"] is True
    assert runner["securityContext"]["allowPrivilegeEscalation"] is False
    limits = runner["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 1 and "ephemeral-storage" in limits and "memory" in limits
    # Runner groups are an organisation's: registered at a repository's URL, a scale set joins none.
    assert re.fullmatch(r"https://github\.com/[^/]+", values["githubConfigUrl"]), values["githubConfigUrl"]
    # PR pods and main's pods never share a node: each role has its own tainted pool.
    assert spec["nodeSelector"]["fcbench-pool"] == kind
    assert {"key": "fcbench-pool", "operator": "Equal", "value": kind, "effect": "NoSchedule"} in spec["tolerations"]
    assert "@sha256:" in runner["image"]  # the reviewed image, not whatever the tag points at now


def test_runner_pods_cannot_reach_the_metadata_service_or_the_cluster():
    import ipaddress

    import yaml

    policy = yaml.safe_load((registry.REPO_ROOT / "deploy/k8s/runner-network-policy.yaml").read_text())
    assert policy["kind"] == "NetworkPolicy" and set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    (selector,) = policy["spec"]["podSelector"]["matchExpressions"]
    assert selector["key"] == "actions.github.com/scale-set-name" and set(selector["values"]) == {p.stem for p in ARC}
    assert policy["spec"]["ingress"] == []
    # Every peer of every egress rule (a rule may list several). A selector peer reaches pods
    # inside the cluster: only kube-system's DNS on port 53 is allowed that way. An address is
    # unreachable when each block whose cidr holds it also excepts it.
    blocks = []
    for rule in policy["spec"]["egress"]:
        for peer in rule["to"]:
            if set(peer) == {"ipBlock"}:
                blocks.append(peer["ipBlock"])
            else:
                assert peer == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}, peer
                assert {p["port"] for p in rule["ports"]} == {53}, rule
    assert blocks
    for address in ("169.254.169.254", "10.0.0.1", "172.20.0.1", "192.168.1.1"):
        ip = ipaddress.ip_address(address)
        assert all(any(ip in ipaddress.ip_network(x) for x in b.get("except", [])) for b in blocks
                   if ip in ipaddress.ip_network(b["cidr"])), address


def test_a_scale_set_for_each_workflow_label():
    labels = {f"fcbench-pr-{g}" for g in _matrix_gpus("pr.yml")} | {f"fcbench-main-{g}" for g in _matrix_gpus("main.yml")}
    assert labels == {p.stem for p in ARC}


def _matrix_gpus(workflow):
    import yaml

    jobs = yaml.safe_load((registry.REPO_ROOT / ".github/workflows" / workflow).read_text())["jobs"]
    return {g for job in jobs.values() for g in job.get("strategy", {}).get("matrix", {}).get("gpu", [])}


def test_job_env_leaves_out_the_user_site(tmp_path):
    # A .pth file a previous job left in ~/.local ran in the next job's environment when it was
    # made with --system-site-packages; job-env.sh layers only the image's site directories.
    import os
    import sys

    home = tmp_path / "home"
    user_site = home / ".local" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    user_site.mkdir(parents=True)
    marker = tmp_path / "ran"
    (user_site / "zz-planted.pth").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).write_text('x')\n")
    env = {**os.environ, "HOME": str(home), "FCBENCH_JOB_CPU": "1", "FCBENCH_RUNNER_PYTHON": sys.executable}
    env.pop("PYTHONNOUSERSITE", None)
    github_env = tmp_path / "github-env"
    github_env.write_text("")
    out = subprocess.run(["bash", str(registry.REPO_ROOT / "scripts/job-env.sh"), str(tmp_path / "venv")],
                         cwd=registry.REPO_ROOT, env={**env, "GITHUB_ENV": str(github_env)}, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    # The job's later steps get a HOME of their own (removed by job-cleanup.sh) and no user site.
    assert github_env.read_text() == f"HOME={tmp_path / 'home'}\nPYTHONNOUSERSITE=1\n"
    assert (tmp_path / "home").is_dir()
    check = subprocess.run([str(tmp_path / "venv/bin/python"), "-c", "import torch, fcbench; print(fcbench.__file__)"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and check.stdout.strip() == str(registry.REPO_ROOT / "fcbench" / "__init__.py")
    assert not marker.exists()
    # The plant is real: an interpreter that reads its user site (the base one, as --system-site-packages did) runs it.
    subprocess.run([sys._base_executable, "-c", "pass"], env=env, check=True, timeout=60)
    assert marker.exists()


def test_branch_protection_requires_the_jobs_that_exist():
    out = subprocess.run([sys.executable, "scripts/branch_protection.py", "owner/repo"], cwd=registry.REPO_ROOT,
                         capture_output=True, text=True, check=True).stdout
    body = json.loads(out[out.index("{"):out.rindex("}") + 1])
    checks = {c["context"] for c in body["required_status_checks"]["checks"]}
    assert checks == {"cpu", *(f"gate ({g})" for g in _matrix_gpus("pr.yml"))}
    reviews = body["required_pull_request_reviews"]
    assert reviews["require_code_owner_reviews"] and reviews["require_last_push_approval"] and body["enforce_admins"]
    assert "repos/owner/repo/branches/main/protection" in out
    owned = (registry.REPO_ROOT / ".github" / "CODEOWNERS").read_text()
    for path in ("/.github/", "/scripts/", "/deploy/", "/fcbench/", "/benchmarks/", "/pyproject.toml"):
        assert re.search(rf"^{re.escape(path)}\s+@", owned, re.M), path


def test_act_validate_reads_the_verdict_from_the_comment_s_bullets_not_its_heading():
    # The heading names the exit code's family ("FAIL: latency"); a check of "FAIL-LATENCY" in the
    # heading said MISMATCH for plants C, D and E wherever node ran pr-comment.yml.
    import importlib.util

    spec = importlib.util.spec_from_file_location("act_validate", registry.REPO_ROOT / "scripts" / "act_validate.py")
    act_validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(act_validate)
    shows = act_validate.comment_shows
    latency = "<!-- fcbench -->\n### fcbench gate: FAIL: latency\n\n- **FAIL-LATENCY** `wmma_fused` (1,8,512,64): 9 -> 10 us\n"
    assert shows(latency, "FAIL-LATENCY") and not shows(latency, "FAIL-CORRECTNESS") and not shows(latency, "pass")
    dropped = "### fcbench gate: FAIL: correctness (MISSING)\n\n- **MISSING** `wmma_unfused` every shape: gone\n"
    assert shows(dropped, "MISSING") and not shows(dropped, "FAIL-CORRECTNESS")
    assert shows("### fcbench gate: pass\n\nbase `a` -> head `b`\n", "pass") and not shows("", "pass")
