"""The results store's rules, in one place: the asv results directory is the product's memory,
so nothing written there is ever half-written, two writers never lose each other's samples, a
damaged file is named (never skipped, never blamed on a kernel), and names that become paths
stay inside it, and no number is stored or read that could not be a measurement.

- Writes go to a temporary file in the target's own directory, are flushed to disk and renamed
  into place (a rename is atomic): a writer killed at any moment leaves the old file or the new
  one. Temporary names end in `.tmp`, so asv's readers (which read `*.json`) never see them.
- Writers of one results directory hold an advisory lock (flock on `.fcbench.lock` there) from
  reading a commit's earlier results to renaming the merged file into place; the kernel drops
  it if the holder dies.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import itertools
import json
import math
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

LOCK_NAME = ".fcbench.lock"
_MACHINE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_SHA = re.compile(r"[0-9a-f]{40}")


class DamagedResults(RuntimeError):
    """A result file that cannot be trusted: the message names it and says why."""


class StoreBusy(RuntimeError):
    """Another writer held the results directory's lock for too long."""


def validate_machine(name: str, source: str = "--machine") -> str:
    """A machine name is a directory under the results directory: letters, digits, '.', '_', '-'.
    source: where the name came from, as the error names it (--machine, or FCBENCH_MACHINE)."""
    if not _MACHINE.fullmatch(name or "") or set(name) == {"."}:
        raise ValueError(f"{source}: {name!r} is not a machine name; use letters, digits, '.', '_' and '-' "
                         "(no path separators, not '.' or '..'), e.g. h100-80gb-hbm3")
    return name


def machine_dirs(results_dir: Path) -> list[str] | None:
    """The machine directories in a results directory, sorted; None where it is no directory. For
    errors that name where a mistyped --machine or --results-dir looked."""
    results_dir = Path(results_dir)
    return sorted(p.name for p in results_dir.iterdir() if p.is_dir()) if results_dir.is_dir() else None


@contextlib.contextmanager
def lock(results_dir: Path, *, wait_s: float = 600.0, what: str = "results"):
    """Holds the results directory's writer lock (waits for another writer, at most wait_s)."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    with open(results_dir / LOCK_NAME, "a") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreBusy(f"{results_dir}: another fcbench has held the {what} lock for {wait_s:.0f} s; "
                                    f"is one still running?") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _umask() -> int:
    """The process's umask, read without changing it where Linux says it (/proc, since 4.7)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (not atomic, but only the main thread writes results)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes) -> None:
    """path's new content, all or nothing (temporary file in its directory, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; the file gets the mode a plain open() would give it (issue 26: result
        # files were 0600 next to asv's 0644): an existing file's, else 0666 less the umask.
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(directory: Path) -> None:
    """write_atomic's temporary files left by writers that were killed; call holding the lock
    (a live writer holds it while its temporary file exists)."""
    for tmp in Path(directory).glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def save_results(results, results_dir: Path) -> Path:
    """asv's Results.save, made atomic: asv writes into a scratch tree, the file is renamed in.
    What the readers would call damaged is refused here (DamagedResults names the value), so a
    NaN or negative sample never becomes a median."""
    with tempfile.TemporaryDirectory(prefix="fcbench-save-") as scratch:
        results.save(scratch)
        written = Path(scratch) / results._filename
        target = Path(results_dir) / results._filename
        why = check_result_file(written)
        if why:
            raise DamagedResults(f"{target}: not storing it: {why}")
        write_atomic(target, written.read_bytes())
    return target


def save_failures(path: Path, failures: dict) -> None:
    """A commit's failure evidence ("variant shape" -> the failing reply), written atomically
    after the same check its readers make."""
    why = check_failures(failures)
    if why:
        raise DamagedResults(f"{path}: not storing it: {why}")
    write_atomic(path, json.dumps(failures, indent=1).encode())


def _is_number_or_none(x) -> bool:
    return x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))


def _is_literal(p) -> bool:
    """asv stores each parameter as its repr, and the readers ast.literal_eval it back."""
    try:
        ast.literal_eval(p)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return isinstance(p, str)


def _bad_measurement(name: str, value, samples) -> str | None:
    """Why a result (and its samples) can't be a measurement; None if it can. asv writes None
    for a failed benchmark and NaN for a skipped one (which has no samples). A time is finite
    and > 0. Any other metric is >= 0, and may be +inf: a kernel's error is recorded as inf
    when its output holds NaN or Inf (reference.max_abs_error), which the gate fails."""
    if value is None or (math.isnan(value) and not samples):
        return None
    if name.rsplit(".", 1)[-1].startswith(("time_", "timeraw_")):
        bad = [x for x in samples or [] if x is None or not (math.isfinite(x) and x > 0)]
        if bad:  # named first: a bad sample is what makes a bad median
            return f"sample {bad[0]!r} is not a time (finite, > 0 s)"
        return None if math.isfinite(value) and value > 0 else f"result {value!r} is not a time (finite, > 0 s)"
    bad = [x for x in [value, *(samples or [])] if x is None or not x >= 0]
    return f"{bad[0]!r} is not a measurement (>= 0)" if bad else None


def check_result_file(path: Path) -> str | None:
    """Why an asv result file can't be trusted (None if it can): unreadable JSON, missing keys, a
    commit hash that is not the file's 40-hex commit, parameters that are not Python literals,
    rows whose values, samples or stats don't match their parameter grid, non-numbers, and
    numbers that can't be measurements (NaN, inf or <= 0 times, negative counts and errors)."""
    data, unreadable = _read_json(path)
    if unreadable:
        return unreadable
    if not isinstance(data, dict):
        return "not an asv result file (not a JSON object)"
    # asv's reader (asv.results.Results.load) needs every one of these; without one it skips the
    # file with a log line, and the commit would vanish from the report and the gate.
    missing = [k for k in ("commit_hash", "params", "results", "result_columns", "requirements", "date", "python",
                           "env_name", "version") if k not in data]
    if missing:
        return f"not an asv result file (no {', '.join(missing)})"
    if data["version"] != 2:
        return f"version {data['version']!r}: asv reads result files of version 2"
    sha = data["commit_hash"]
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        return f"commit_hash {sha!r} is not a commit (40 lowercase hex digits)"
    if not Path(path).name.startswith(f"{sha[:8]}-"):  # asv finds a commit's results by file name
        return f"commit_hash {sha[:8]}... is not the commit the file name says"
    from .history import ENV_NAME

    if data["env_name"] == ENV_NAME and Path(path).name != f"{sha[:8]}-{ENV_NAME}.json":
        # Two fcbench files for one commit would disagree (the report and the gate would each pick one).
        return f"env_name {ENV_NAME!r} in a file fcbench does not write (its file for the commit is {sha[:8]}-{ENV_NAME}.json)"
    date = data["date"]
    if not isinstance(date, int) or isinstance(date, bool) or date <= 0:
        return f"date {date!r} is not asv's milliseconds since the epoch"
    if not isinstance(data["python"], str) or not isinstance(data["env_name"], str):
        return "python or env_name is not a string"
    if not isinstance(data["requirements"], dict):
        return "requirements is not a table"
    machine = data["params"]
    if not isinstance(machine, dict) or not all(isinstance(v, str) for v in machine.values()):
        return "params is not the machine's table of strings"
    if machine.get("machine") != Path(path).parent.name:  # asv skips a file of another machine
        return f"params.machine {machine.get('machine')!r} is not its directory's machine {Path(path).parent.name!r}"
    columns = data["result_columns"]
    if not isinstance(data["results"], dict) or not isinstance(columns, list) or "result" not in columns:
        return "malformed: 'results' or 'result_columns'"
    for name, row in data["results"].items():
        if not isinstance(row, list) or len(row) > len(columns):
            return f"{name}: malformed row"
        entry = dict(zip(columns, row, strict=False))  # asv trims trailing empty columns
        params = entry.get("params") or []
        if not isinstance(params, list) or not all(isinstance(p, list) for p in params):
            return f"{name}: malformed params"
        bad = next((p for p in itertools.chain(*params) if not _is_literal(p)), None)
        if bad is not None:
            return f"{name}: parameter {bad!r} is not a Python literal"
        why = _fcbench_params_problem(name, params)
        if why:
            return f"{name}: {why}"
        size = math.prod(len(p) for p in params) if params else 1
        values = entry.get("result")
        if values is None:
            continue
        if not isinstance(values, list) or len(values) != size:
            got = len(values) if isinstance(values, list) else type(values).__name__
            return f"{name}: {got} results for {size} parameter combinations (cut short?)"
        if not all(_is_number_or_none(v) for v in values):
            return f"{name}: a result that is not a number"
        samples = entry.get("samples")
        if samples is not None:
            if not isinstance(samples, list) or len(samples) != size:
                return f"{name}: samples do not match the {size} parameter combinations"
            for s in samples:
                if s is not None and (not isinstance(s, list) or not all(_is_number_or_none(x) for x in s)):
                    return f"{name}: samples that are not numbers"
        # The stats are not checked for range: asv's 99% interval of one sample is (-inf, inf).
        for key in ("stats_q_25", "stats_q_75", "stats_ci_99_a", "stats_ci_99_b"):
            stats = entry.get(key)
            if stats is not None and (not isinstance(stats, list) or len(stats) != size
                                      or not all(_is_number_or_none(x) for x in stats)):
                return f"{name}: {key} does not match the results"
        for combo, value, s in zip(itertools.product(*params), values, samples or [None] * size, strict=True):
            why = _bad_measurement(name, value, s)
            if why:
                return f"{name}({', '.join(combo)}): {why}"
    return None


def check_failures(failures) -> str | None:
    """Why a commit's failure evidence doesn't have the shape history.write_failures gives it
    (None if it does): {"variant shape": {"crashed"|"hung"|"error": why}}."""
    if not isinstance(failures, dict):
        return f"not a failures file (a JSON {type(failures).__name__}, not an object)"
    for key, reply in failures.items():
        if len(key.split(" ")) != 2 or "" in key.split(" "):
            return f"{key!r} is not 'variant shape'"
        if not isinstance(reply, dict) or not any(isinstance(reply.get(k), str) for k in ("crashed", "hung", "error")):
            return f"{key}: {reply!r} is not a failing reply (crashed, hung or error, and why)"
    return None


def check_failures_file(path: Path) -> str | None:
    data, unreadable = _read_json(path)
    return unreadable or check_failures(data)


def _read_json(path: Path) -> tuple[object, str | None]:
    """A file's JSON, or why it can't be read (a damaged file is named, never a traceback)."""
    try:
        return json.loads(Path(path).read_text()), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable ({exc})"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}; truncated?)"


def _fcbench_params_problem(name: str, params: list) -> str | None:
    """Why the parameters of one of fcbench's own benchmarks can't be read as its (variant, shape)
    rows: two lists, variant names as strings and shape labels '(B,H,S,D[,causal])'."""
    from .history import BENCHMARKS
    from .shapes import shape_from_label

    if name not in BENCHMARKS.values():
        return None
    if len(params) != 2:
        return f"{len(params)} parameter lists, not (variant, shape)"
    variants, shapes = ([ast.literal_eval(p) for p in grid] for grid in params)
    bad = next((v for v in variants + shapes if not isinstance(v, str)), None)
    if bad is not None:
        return f"parameter {bad!r} is not a string (a variant name or a shape label)"
    for label in shapes:
        try:
            shape_from_label(label)
        except ValueError:
            return f"shape {label!r} is not a shape label ('(B,H,S,D)' or '(B,H,S,D,causal)')"
    return None


def check_machine_dir(machine_dir: Path) -> str | None:
    """Why asv would skip every result file of a machine directory (None if it would not): its
    machine.json missing, unreadable, not asv's (version 1 with a machine name), or naming another
    machine than the directory (fcbench finds a machine's results by the directory's name)."""
    path = Path(machine_dir) / "machine.json"
    if not path.exists():
        return "no machine.json: asv reads none of this directory's results"
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"machine.json is unreadable or not JSON ({exc}; truncated?)"
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("machine"), str):
        return "machine.json is not asv's machine file (version 1, with a machine name)"
    if data["machine"] != Path(machine_dir).name:
        return f"machine.json names machine {data['machine']!r}, not its directory {Path(machine_dir).name!r}"
    return None


def commit_of(path: Path) -> str | None:
    """The commit_hash an asv result file holds, or None where it can't be read (a damaged file:
    the store's checks name it)."""
    data, unreadable = _read_json(path)
    sha = data.get("commit_hash") if not unreadable and isinstance(data, dict) else None
    return sha if isinstance(sha, str) else None


def check_file(path: Path) -> str | None:
    """Why a file of the store can't be trusted: a commit's asv results or its failures."""
    return check_failures_file(path) if Path(path).suffix == ".failures" else check_result_file(path)


def damaged_files(results_dir: Path, machine: str | None = None, sha: str | None = None) -> list[tuple[Path, str]]:
    """(file, why) for every damaged result or failures file (of one machine, of one commit)."""
    root = Path(results_dir)
    dirs = [root / machine] if machine else [d for d in root.iterdir() if d.is_dir()] if root.is_dir() else []
    found = []
    for d in dirs:
        if not d.is_dir():
            continue
        prefix = f"{sha[:8]}-" if sha else ""  # asv reads every *.json but machine.json and benchmarks.json
        paths = [p for p in sorted([*d.glob(f"{prefix}*.json"), *d.glob(f"{prefix}*.failures")])
                 if p.name not in ("machine.json", "benchmarks.json")]
        why = check_machine_dir(d) if paths else None
        if why:  # every file of the directory is unreadable to asv: the directory is what is damaged
            found.append((d / "machine.json", why))
            continue
        for path in paths:
            why = check_file(path)
            if why:
                found.append((path, why))
    return found


# -- worktrees -----------------------------------------------------------------------------

WORKTREE_PREFIX = "fcbench-worktrees-"


def worktree_dir() -> Path:
    """A fresh directory for one run's worktrees, named with this process's id, so that a later
    run can tell a live run's worktrees from those a killed run left behind."""
    return Path(tempfile.mkdtemp(prefix=f"{WORKTREE_PREFIX}{os.getpid()}-"))


def worktree_lock(git_dir: Path):
    """Serialises fcbench runs' `git worktree add`, `remove` and `prune` in one repository (its
    common git directory): one run's prune deletes the administrative directory of a worktree
    another run is adding, before git has marked it (seen in CI: two concurrent `fcbench record`,
    "could not open '.git/worktrees/<name>/locked' for writing")."""
    return lock(git_dir, what="worktree")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_worktrees(repo: Path, git) -> list[Path]:
    """fcbench's own worktrees (under a fcbench-worktrees-<pid>-* directory) whose run is gone."""
    out = git(repo, "worktree", "list", "--porcelain")
    stale = []
    for line in out.splitlines():
        if not line.startswith("worktree "):
            continue
        path = Path(line.removeprefix("worktree "))
        match = re.fullmatch(rf"{WORKTREE_PREFIX}(\d+)-.*", path.parent.name)
        if match and not _pid_alive(int(match.group(1))):
            stale.append(path)
    return stale


def prune_worktrees(repo: Path, git) -> list[Path]:
    """Removes the worktrees (locked ones too) and directories of fcbench runs that were killed."""
    removed = []
    for path in stale_worktrees(repo, git):
        with contextlib.suppress(Exception):
            git(repo, "worktree", "unlock", str(path))
        with contextlib.suppress(Exception):
            git(repo, "worktree", "remove", "--force", "--force", str(path))
        shutil.rmtree(path.parent, ignore_errors=True)
        removed.append(path)
    with contextlib.suppress(Exception):
        git(repo, "worktree", "prune")
    for leftover in Path(tempfile.gettempdir()).glob(f"{WORKTREE_PREFIX}*"):
        match = re.fullmatch(rf"{WORKTREE_PREFIX}(\d+)-.*", leftover.name)
        if match and not _pid_alive(int(match.group(1))):
            shutil.rmtree(leftover, ignore_errors=True)
    return removed
