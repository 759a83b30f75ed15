import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# One torch thread per process (this one, and the measuring processes and asv's, which inherit it),
# set before torch is imported: on a shared 2-core machine torch's thread pool made whole rounds
# of a 0.2 ms CPU stand-in read 18-40 ms (a descheduled sibling thread waits out the scheduler's
# quantum), and real comparisons flagged x0.01 and x83 on unchanged code. The tests time CPU
# stand-ins to exercise verdicts, not to measure torch.
os.environ["OMP_NUM_THREADS"] = "1"

import torch

from fcbench import registry

# README's test command runs `.venv/bin/python -m pytest` without activating the venv: its
# console scripts (fcbench, asv, ruff, actionlint) go first on PATH, as activation would.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

GIT = ["git", "-c", "user.email=ci@fcbench", "-c", "user.name=fcbench-ci"]


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU and a CUDA build of torch")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    """A git repository holding this checkout's tracked files: base, then heads."""
    root = tmp_path_factory.mktemp("repo")
    files = subprocess.run(["git", "-C", str(registry.REPO_ROOT), "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(registry.REPO_ROOT / f, root / f)
    subprocess.run(["git", "init", "-qb", "main", str(root)], check=True)
    subprocess.run([*GIT, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(root), "commit", "-qm", "base"], check=True)
    return root


def git(repo: Path, *args: str) -> str:
    """`git -C repo ARGS` with a committer identity; its stdout, stripped."""
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str, edit) -> str:
    edit(repo)
    subprocess.run([*GIT, "-C", str(repo), "commit", "-qam", message], check=True)
    return subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
