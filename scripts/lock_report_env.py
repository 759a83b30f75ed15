"""Writes deploy/report-requirements.txt, the report job's hashed lock (scripts/report-env.sh): the
closure of TOP for CPython 3.11 on x86_64 Linux (the job's setup-python), as pip resolves it from the
package index (`pip install --dry-run --report`), each wheel with the sha256 the index gives for it.
To move a pin, edit TOP and run this; review the diff like code (it decides what runs in the job that
publishes the Pages site).

Usage: python3 scripts/lock_report_env.py [--out FILE] [--report FILE]
  --out FILE     where to write (default: deploy/report-requirements.txt)
  --report FILE  format an existing pip installation report instead of resolving (no index needed)
Exit codes: 0 written; 2 bad arguments; 3 pip could not resolve, or a package has no sha256."""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parent.parent
# What the report imports (asv, pygal) and the build backend of fcbench's editable install.
TOP = ["asv==0.6.6", "pygal==3.1.3", "setuptools==80.9.0"]
TARGET = ["--python-version", "3.11", "--implementation", "cp", "--platform", "manylinux_2_17_x86_64",
          "--only-binary=:all:"]
HEADER = f"""\
# The report job's Python packages (main.yml's report job, scripts/report-env.sh), every one
# pinned with its sha256: pip --require-hashes refuses anything else, so a compromised
# release or mirror cannot run in the job that publishes the Pages site. fcbench itself is
# the checkout (installed without its dependencies: the report needs no torch).
# For CPython 3.11 on x86_64 Linux (the job's setup-python); PyYAML is that platform's wheel.
# Written by scripts/lock_report_env.py: the closure of {", ".join(TOP)}
# as pip resolves it (`pip install --dry-run --report`), with the index's sha256 of each wheel.
"""


def fail(message: str) -> NoReturn:
    print(f"lock_report_env: {message}", file=sys.stderr)
    sys.exit(3)


def resolve(scratch: Path) -> Path:
    """pip's installation report of TOP for the job's platform, written under scratch."""
    report = scratch / "report.json"
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed", *TARGET,
           "--target", str(scratch / "target"), "--report", str(report), *TOP]
    if subprocess.run(cmd).returncode != 0:
        fail(f"pip could not resolve {' '.join(TOP)} (its message is above)")
    return report


def lock_text(report: dict) -> str:
    """The lock file for a pip installation report: one pinned, hashed entry per package, by name."""
    entries = []
    for item in report.get("install", []):
        name, version = item["metadata"]["name"], item["metadata"]["version"]
        sha = item.get("download_info", {}).get("archive_info", {}).get("hashes", {}).get("sha256")
        if not sha:
            fail(f"{name}=={version} came without a sha256 from the index: not locked")
        entries.append((name.lower(), f"{name}=={version} \\\n    --hash=sha256:{sha}\n"))
    if not entries:
        fail("the report installs nothing: not locked")
    return HEADER + "".join(entry for _, entry in sorted(entries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "deploy" / "report-requirements.txt")
    parser.add_argument("--report", type=Path, help="an existing pip installation report (JSON)")
    args = parser.parse_args()
    if args.report is not None and not args.report.is_file():
        parser.error(f"--report {args.report}: no such file")
    if not args.out.parent.is_dir():
        parser.error(f"--out {args.out}: no directory {args.out.parent}")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            report = json.loads((args.report or resolve(Path(scratch))).read_text())
        args.out.write_text(lock_text(report))
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:  # a malformed report
        fail(f"{type(e).__name__}: {e}")
    print(f"lock_report_env: {args.out}: {args.out.read_text().count('--hash=')} packages")


if __name__ == "__main__":
    main()
