"""An asv environment for GPU runners (asv.conf.json: "plugins": ["fcbench.asv_env"],
"environment_type": "fcbench-layered"), so that `asv continuous`, `asv run A..B`, `asv run NEW`
and `asv find` work where torch is a multi-GB CUDA build and there is no internet.

The environment is a virtual environment layered on the interpreter that runs asv: a `.pth`
file puts that interpreter's site directories after the environment's own, so the runner's
CUDA torch, ninja and asv_runner are seen, never downloaded or installed again. Nothing
else is installed into it either: fcbench measures a commit the way `fcbench record` does, with
the current checkout's harness (benchmarks/ puts it first on sys.path: one timer, one reference,
one set of rules for every commit of a history) and the commit's kernels. Installing a commit
(asv.conf.json's install_command) copies its csrc/ into the environment, and the suite points
fcbench.registry at that copy (FCBENCH_SOURCE_ROOT); the kernels are compiled at run time
through fcbench's content-addressed build cache, so between two commits only the changed kernel
units compile again. Environments persist between jobs on a self-hosted runner like asv's own.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

from asv import util
from asv.console import log
from asv.plugins.virtualenv import Virtualenv

SOURCE_DIR = "fcbench-source"  # inside the environment: the installed commit's csrc/


class LayeredVirtualenv(Virtualenv):
    tool_name = "fcbench-layered"

    def _setup(self):
        log.info(f"Creating {self.name}: a virtual environment over {sys.executable}'s packages")
        util.check_call([sys.executable, "-m", "venv", "--without-pip", self._path])
        purelib = subprocess.run([str(Path(self._path) / "bin" / "python"), "-c",
                                  "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        Path(purelib, "fcbench-layer.pth").write_text("\n".join(layer_paths()) + "\n")

    def _install_requirements(self):
        """Nothing to install: requirements come from the layered interpreter."""


def layer_paths() -> list[str]:
    """What the interpreter running asv imports from beyond the standard library: PYTHONPATH's
    directories (asv clears PYTHONPATH for the commands it runs in an environment, so they are
    written down here), then its site directories (a virtual environment's, then its base's)."""
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths += [*site.getsitepackages(), site.getusersitepackages()]
    paths += [p for p in sys.path if "-packages" in p]
    return [str(Path(p).resolve()) for p in dict.fromkeys(paths) if Path(p).is_dir()]
