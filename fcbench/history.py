"""fcbench record / compare: measure commits and store them as ordinary asv results.

Each commit is checked out into a git worktree and measured by a worker process that builds
that checkout's csrc/ (through the shared, content-addressed build cache) with this
checkout's harness, the way asv runs its current suite against old commits. A comparison
runs one worker per side and alternates them per (variant, shape) batch, base-head in even
rounds and head-base in odd ones, so drift hits both. The samples go into asv's own Results
files for the suite in benchmarks/, so `asv compare BASE HEAD` and `asv publish` show
exactly what fcbench measured.
"""

from __future__ import annotations

import ast
import contextlib
import datetime
import itertools
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import config, registry, store, supervise, table

BENCHMARKS = {
    "latency": "benchmarks.Latency.time_attention",
    "max_abs_error": "benchmarks.Quality.track_max_abs_error",
    "error_over_bound": "benchmarks.Quality.track_error_over_bound",
    "registers": "benchmarks.Resources.track_registers",
    "smem_bytes": "benchmarks.Resources.track_smem_bytes",
    "spill_bytes": "benchmarks.Resources.track_spill_bytes",
    "stack_bytes": "benchmarks.Resources.track_stack_bytes",
}
ENV_NAME = "fcbench"


class CouldNotRun(RuntimeError):
    """Nothing trustworthy can be measured: bad ref, build failure, asv failure."""


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise CouldNotRun(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def resolve(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}")


def current_repo() -> Path:
    """The git repository of the working directory: the commits to measure live there."""
    return Path(git(Path.cwd(), "rev-parse", "--show-toplevel"))


def default_results_dir(kind: str) -> Path:
    """<repository of the working directory>/.asv/results: main's history (record: samples are
    appended, nothing recorded is lost); .asv/compare: pull-request comparisons (each run
    replaces the compared commits' results with fresh interleaved ones), kept apart so PR
    commits never enter the published history. In the measured repository, not fcbench's own
    checkout, where fcbench is installed from elsewhere."""
    return current_repo() / ".asv" / {"record": "results", "compare": "compare"}[kind]


def machine_name() -> str:
    """FCBENCH_MACHINE, else the GPU's name ('h100-80gb-hbm3'), else 'cpu': one results
    directory per machine, so numbers from different GPUs never mix."""
    if os.environ.get("FCBENCH_MACHINE"):
        return os.environ["FCBENCH_MACHINE"]
    import torch

    if not torch.cuda.is_available():
        return "cpu"
    name = torch.cuda.get_device_name().lower().replace("nvidia", "")
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")


@dataclass
class Measured:
    """One commit's measurements: metric -> (variant, shape) -> value | {'unsupported'|'error'|'crashed'|'hung': str}."""

    sha: str
    metrics: dict = field(default_factory=lambda: {m: {} for m in BENCHMARKS})
    info: dict = field(default_factory=dict)
    # (variant, shape) -> the first failing reply ({"crashed"|"hung"|"error": why}): the evidence
    # the gate names (asv's result files keep a failure as a bare None).
    failures: dict = field(default_factory=dict)


def _record(measured: Measured, metric: str, key, reply: dict) -> None:
    measured.metrics[metric][key] = reply if supervise.measured_nothing(reply) else reply[metric]
    if supervise.is_fault(reply) or "error" in reply:
        measured.failures.setdefault(key, reply)


class _Side:
    """One commit's measuring process, and which variants it no longer runs (after a crash or hang)."""

    def __init__(self, sha: str, root: Path, log_dir: Path, env: dict):
        self.worker = supervise.Worker(root, log_dir / f"worker-{sha[:8]}.log", env,
                                       setup=[{"op": "build"}, {"op": "info"}])
        self.stops = supervise.Stops()


def measure_commits(roots: dict[str, Path], variants, shapes, *, rounds: int, samples: int, log_dir: Path,
                    env: dict, progress=sys.stderr, phases: dict | None = None) -> dict[str, Measured]:
    """Measures each checkout in `roots` (sha -> worktree; the first is the base), alternating
    them in latency rounds. Every request goes through fcbench.supervise: a crash or hang is
    recorded for that (variant, shape) of that commit alone, and the variant is not run again
    on that side (its other shapes are recorded as not run, with the first fault's verdict).
    The watchdog bounds the other sides' requests from the base's time for the same request. `phases` gets the wall seconds
    of each phase (build, quality, latency) and what isolation cost (worker restarts)."""
    phases = {} if phases is None else phases
    clock = time.perf_counter()
    ceiling_s = config.load().hang_timeout_s
    base_sha = next(iter(roots))
    base_took: dict[tuple, float] = {}  # (op, variant, shape) -> seconds at the base

    def lap(name):
        nonlocal clock
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - clock
        clock = time.perf_counter()

    sides = {sha: _Side(sha, root, log_dir, env) for sha, root in roots.items()}
    out = {sha: Measured(sha) for sha in roots}
    labels = [str(s) for s in shapes]
    keys = [(v.name, s) for v in variants for s in labels]

    def ask(sha: str, op: str, variant: str, shape: str, **args) -> dict:
        side = sides[sha]
        if op == "resources":  # compiles (nvcc), runs no kernel: bounded like a build, never stopped
            return side.worker.request(supervise.STARTUP_TIMEOUT_S, op=op, variant=variant, shape=shape)
        if stand_in := side.stops.stand_in(variant):
            return stand_in
        took_key = (op, variant, shape, args.get("samples"))
        bound = supervise.bound_s(None if sha == base_sha else base_took.get(took_key), ceiling_s)
        started = time.perf_counter()
        reply = side.worker.request(bound, op=op, variant=variant, shape=shape, **args)
        if sha == base_sha and not supervise.measured_nothing(reply):
            base_took[took_key] = time.perf_counter() - started
        side.stops.note(variant, shape, reply)
        return reply

    try:
        for sha, side in sides.items():  # one at a time: sides share build-cache objects
            try:
                build, info = side.worker.start()
            except supervise.WorkerFailed as exc:
                raise CouldNotRun(f"{sha[:8]}: {exc}") from None
            out[sha].info = {**info, "build_seconds": build["seconds"]}
        lap("build")
        for sha in sides:
            for i, (variant, shape) in enumerate(keys, 1):
                table.progress(progress, i, len(keys), f"{sha[:8]}: quality and resources {variant} {shape}")
                r = ask(sha, "resources", variant, shape)
                for metric in ("registers", "smem_bytes", "spill_bytes", "stack_bytes"):
                    _record(out[sha], metric, (variant, shape), r)
                q = ask(sha, "quality", variant, shape)
                for metric in ("max_abs_error", "error_over_bound"):
                    _record(out[sha], metric, (variant, shape), q)
        lap("quality")
        order = list(sides)
        for r in range(rounds):
            side_order = order if r % 2 == 0 else order[::-1]
            for i, (variant, shape) in enumerate(keys, 1):
                table.progress(progress, r * len(keys) + i, rounds * len(keys),
                               f"latency round {r + 1}/{rounds}: {variant} {shape}")
                for sha in side_order:
                    so_far = out[sha].metrics["latency"].get((variant, shape), [])
                    if not isinstance(so_far, list) or out[sha].failures.get((variant, shape)):
                        continue  # unsupported or failed earlier: not retried
                    reply = ask(sha, "latency", variant, shape, samples=samples)
                    if "samples_s" in reply:
                        out[sha].metrics["latency"][(variant, shape)] = so_far + reply["samples_s"]
                    else:
                        _record(out[sha], "latency", (variant, shape), reply)
        lap("latency")
    except BaseException:
        # Interrupted (Ctrl-C, a cancelled job) or failed: a measuring process may be in a hung
        # request, and close() would wait up to 60 s for it to finish. Killed at once instead.
        for side in sides.values():
            side.worker.kill()
        raise
    finally:
        for side in sides.values():
            side.worker.close()
    phases["restarting crashed or hung workers"] = sum(s.worker.restart_s for s in sides.values())
    return out


def asv_config_path(results_dir: Path) -> Path:
    """Beside the results directory, never in it (it holds results only): `asv compare --config`
    this to see what fcbench measured (.asv/compare -> .asv/compare.asv.conf.json)."""
    results_dir = Path(results_dir).resolve()
    return results_dir.with_name(f"{results_dir.name}.asv.conf.json")


def write_asv_config(path: Path, results_dir: Path, repo: Path, *, html_dir: Path) -> Path:
    """An asv config for this checkout's suite, the commits of `repo`, reading and writing results_dir."""
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    conf = {"version": 1, "project": "fcbench", "repo": str(Path(repo).resolve()), "branches": ["HEAD"],
            "environment_type": "existing", "benchmark_dir": str(registry.REPO_ROOT / "benchmarks"),
            "results_dir": str(Path(results_dir).resolve()), "html_dir": str(Path(html_dir).resolve()),
            "regressions_thresholds": {".*": config.load().gate.latency_budget}}
    store.write_atomic(Path(path), json.dumps(conf, indent=2).encode())
    return Path(path)


@contextlib.contextmanager
def asv_config(results_dir: Path, repo: Path, *, html_dir: Path):
    """write_asv_config into a temporary directory, for one asv command (asv publish)."""
    with tempfile.TemporaryDirectory(prefix="fcbench-asv-conf-") as tmp:
        yield write_asv_config(Path(tmp) / "asv.conf.json", results_dir, repo, html_dir=html_dir)


def _asv(*args: str, env: dict) -> None:
    proc = subprocess.run([sys.executable, "-m", "asv", *args], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise CouldNotRun(f"asv {' '.join(args)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def discover(results_dir: Path, machine: str, repo: Path, env: dict) -> dict:
    """asv's own discovery of the suite (benchmarks.json); returns the benchmarks by name. Under
    the store's lock: asv writes machine.json and benchmarks.json in place."""
    with store.lock(results_dir):
        conf = write_asv_config(asv_config_path(results_dir), results_dir, repo,
                                html_dir=Path(results_dir).resolve().parent / "html")
        _asv("machine", "--yes", "--machine", machine, "--config", str(conf), env=env)
        _asv("run", "--bench", "just-discover", "--python=same", "--machine", machine, "--config", str(conf), env=env)
        data = json.loads((results_dir / "benchmarks.json").read_text())
    return {name: data[name] for name in BENCHMARKS.values()}


# What a checkout's own suite tracks on this machine, asked of its own code (read, not measured).
# Commits before measure.tracked_variants (73fa5c2) tracked the whole registry.
_GRID = ("import json; from fcbench import measure, registry; print(json.dumps({'variants': [v.name for v in "
         "(measure.tracked_variants() if hasattr(measure, 'tracked_variants') else registry.VARIANTS)], "
         "'shapes': [measure.shape_label(s) for s in measure.tracked_shapes()], 'from': measure.__file__}))")


def suite_grid(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(variant names, shape labels) that the checkout at `root` tracks: its registry and its
    shape set on this machine. One harness measures both sides of a comparison (the head's, as
    asv runs its current suite against old commits), so what the head dropped is measured at
    neither; the base's own answer is how the gate still sees it (gate.dropped)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    env.pop("FCBENCH_VARIANTS", None)  # the whole registry, as a comparison measures it
    what = f"could not read what the checkout of {root.name} tracks (its registry and shapes)"
    try:
        proc = subprocess.run([sys.executable, "-c", _GRID], cwd=root, env=env, capture_output=True, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired:
        raise CouldNotRun(f"{what}: no answer in 120 s") from None
    try:
        data = json.loads(proc.stdout.splitlines()[-1]) if proc.returncode == 0 else None
    except (IndexError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise CouldNotRun(f"{what}: {(proc.stderr.strip().splitlines() or ['no output'])[-1]}")
    if Path(str(data.get("from"))).resolve().parent.parent != Path(root).resolve():
        # No fcbench/ there: Python found an installed one, whose answer would be this harness's.
        raise CouldNotRun(f"{what}: its fcbench came from {data.get('from')}, not from the checkout")
    grid = tuple(tuple(data.get(k, ())) for k in ("variants", "shapes"))
    if not grid[0] or not all(isinstance(x, str) for part in grid for x in part):
        raise CouldNotRun(f"{what}: not lists of names ({proc.stdout.strip()[-200:]})")
    return grid


def write_results(results_dir: Path, machine: str, measured: Measured, benchmarks: dict, commit_ms: int, *,
                  append: bool) -> Path:
    """asv Results for one commit, written atomically under the results directory's lock.

    append (record): merged into the commit's earlier results: latency samples of a (variant,
    shape) measured again are added to the earlier ones, and every (variant, shape) not measured
    now keeps what was recorded, whatever variants and shapes each run selected. Without append
    (compare), the commit's results are replaced by this run's."""
    from asv.results import Results
    from asv.runner import BenchmarkResult

    info = measured.info
    params = {"machine": machine, "python": f"{sys.version_info.major}.{sys.version_info.minor}",
              **{k: str(v) for k, v in info.get("device", {}).items() if k in ("name", "capability", "driver", "cuda",
                                                                               "torch", "sm_clock_max_mhz")},
              "timer": info.get("timer", "")}
    with store.lock(results_dir):
        store.remove_stale_temporaries(Path(results_dir) / machine)
        results = Results(params, {}, measured.sha, commit_ms, params["python"], ENV_NAME, {})
        if append:
            results = _earlier_results(results_dir, machine, measured.sha) or results
        else:  # a compare replaces the commit's file, never another commit's that shares its name
            _refuse_another_commits_file(Path(results_dir) / machine / f"{measured.sha[:8]}-{ENV_NAME}.json",
                                         measured.sha)
        for metric, name in BENCHMARKS.items():
            bench = _grid_with_earlier(benchmarks[name], results, name)
            earlier = {tuple(combo) for combo in itertools.product(*results.get_result_params(name))} \
                if name in results.get_all_result_keys() else set()
            values, samples, numbers, selected = [], [], [], set()
            for j, combo in enumerate(itertools.product(*bench["params"])):
                key = tuple(ast.literal_eval(p) for p in combo)
                value = measured.metrics[metric].get(key, {"unsupported": "not measured"})
                if key in measured.metrics[metric] or combo not in earlier:
                    selected.add(j)  # measured now, or new to this commit: the rest keep what they had
                if isinstance(value, dict):  # asv: NaN = skipped, None = failed (why: write_failures)
                    values.append(float("nan") if "unsupported" in value else None)
                    samples.append(None)
                    numbers.append(None)
                elif metric == "latency":
                    values.append(sorted(value)[len(value) // 2])
                    samples.append(list(value))
                    numbers.append(1)
                else:
                    values.append(value)
                    samples.append(None)
                    numbers.append(None)
            if name in results.get_all_result_keys():
                # asv drops a benchmark's earlier values when the suite's code for it changed
                # (its version); fcbench measures through fcbench.measure whatever the suite's
                # wrapper looks like, so the earlier samples stay and carry the current version.
                results._benchmark_version[name] = bench["version"]
            # No error code or text: asv's result file stores neither (a failure's reason is in
            # the .failures file beside it, write_failures below).
            result = BenchmarkResult(values, samples, numbers, 0, "", None)
            results.add_result(bench, result, record_samples=True, append_samples=append, selected_idx=selected,
                               started_at=datetime.datetime.now(datetime.UTC))
        store.save_results(results, results_dir)
        measured_keys = {key for metric in measured.metrics.values() for key in metric}
        write_failures(results_dir, machine, measured.sha, measured.failures, replaces=measured_keys if append
                       else None)
    return results_dir / machine


def _earlier_results(results_dir: Path, machine: str, sha: str):
    """The commit's recorded asv Results on this machine, or None; a damaged result or failures
    file is an error (merging into it, or starting over, would lose what it held), raised before
    anything is written."""
    from asv.results import Results

    path = Path(results_dir) / machine / f"{sha[:8]}-{ENV_NAME}.json"
    for existing in (p for p in (path, failures_path(results_dir, machine, sha)) if p.exists()):
        why = store.check_file(existing)
        if why:
            raise store.DamagedResults(f"{existing}: {why}; not recording into it (move it aside to start this "
                                       "commit over)")
    if not path.exists():
        return None
    _refuse_another_commits_file(path, sha)
    return Results.load(str(path), machine)


def _refuse_another_commits_file(path: Path, sha: str) -> None:
    """Result files are named by a commit's first 8 characters: one holding another commit is
    neither merged into nor replaced."""
    held = store.commit_of(path)  # None: missing, or damaged (the callers' own checks say so)
    if held is not None and held != sha:
        raise store.DamagedResults(f"{path} holds commit {held}, not {sha} (the same first 8 characters); "
                                   "not recording into it")


def _grid_with_earlier(bench: dict, results, name: str) -> dict:
    """The benchmark with its parameter grid widened by what the commit's earlier results hold,
    so that variants and shapes recorded before and not selected now stay in the file."""
    if name not in results.get_all_result_keys():
        return bench
    earlier = results.get_result_params(name)
    grid = [list(dict.fromkeys([*old, *new])) for old, new in zip(earlier, bench["params"], strict=True)]
    return {**bench, "params": grid}


def failures_path(results_dir: Path, machine: str, sha: str) -> Path:
    """Beside the commit's asv result file; not *.json, so asv's readers never parse it."""
    return Path(results_dir) / machine / f"{sha[:8]}-{ENV_NAME}.failures"


def read_failures(results_dir: Path, machine: str, sha: str) -> dict[tuple[str, str], dict]:
    """(variant, shape) -> {"crashed"|"hung"|"error": why} recorded for the commit."""
    path = failures_path(results_dir, machine, sha)
    if not path.exists():
        return {}
    why = store.check_failures_file(path)
    if why:  # the gate and the report leave damaged files out before they get here (store.damaged_files)
        raise store.DamagedResults(f"{path}: {why}")
    return {tuple(key.split(" ", 1)): reply for key, reply in json.loads(path.read_text()).items()}


def write_failures(results_dir: Path, machine: str, sha: str, failures: dict, *, replaces) -> None:
    """The commit's failure evidence: with `replaces` (the keys measured now), what earlier runs
    recorded for other keys is kept; None replaces it all. Atomic; the caller holds the lock."""
    kept = {k: v for k, v in read_failures(results_dir, machine, sha).items() if k not in replaces} \
        if replaces is not None else {}
    merged = {**kept, **failures}
    path = failures_path(results_dir, machine, sha)
    if not merged:
        path.unlink(missing_ok=True)
        return
    store.save_failures(path, {f"{v} {s}": reply for (v, s), reply in merged.items()})


def ran(value) -> bool:
    """An asv result value that is a measurement: None is a failure, NaN a skip."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def read_benchmark(results, name: str) -> dict[tuple, tuple]:
    """One benchmark of an asv Results: (variant, shape) -> (value, stats, samples)."""
    if name not in results.get_all_result_keys():
        return {}
    params = results.get_result_params(name)
    values = results.get_result_value(name, params)
    stats = results.get_result_stats(name, params) or [None] * len(values)
    samples = results.get_result_samples(name, params) or [None] * len(values)
    return {tuple(ast.literal_eval(p) for p in combo): row
            for combo, *row in zip(itertools.product(*params), values, stats, samples, strict=True)}


class Checkouts:
    """Worktrees of the given commits, removed on exit, also when the run is interrupted
    (SIGINT, SIGTERM: a cancelled CI job). Worktrees that a killed run (SIGKILL) left behind,
    locked ones included, are removed when the next run starts."""

    def __init__(self, repo: Path, shas: list[str]):
        self.repo, self.shas, self.tmp = repo, shas, None
        self._previous_sigterm = None
        self._git_dir = None

    def __enter__(self) -> dict[str, Path]:
        self._git_dir = Path(self.repo) / git(self.repo, "rev-parse", "--git-common-dir")
        if threading.current_thread() is threading.main_thread():
            # SIGTERM's default ends the process without running __exit__: make it an exit that does.
            self._previous_sigterm = signal.signal(signal.SIGTERM, raise_on_sigterm)
        self.tmp = store.worktree_dir()
        roots = {}
        try:
            with store.worktree_lock(self._git_dir):
                store.prune_worktrees(self.repo, git)
                for sha in dict.fromkeys(self.shas):
                    roots[sha] = self.tmp / sha[:12]
                    git(self.repo, "worktree", "add", "--detach", str(roots[sha]), sha)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return roots

    def __exit__(self, *exc):
        with store.worktree_lock(self._git_dir):
            for sha in dict.fromkeys(self.shas):
                subprocess.run(["git", "-C", str(self.repo), "worktree", "remove", "--force", "--force",
                                str(self.tmp / sha[:12])], capture_output=True)
            subprocess.run(["git", "-C", str(self.repo), "worktree", "prune"], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None


class Terminated(SystemExit):
    """SIGTERM (a cancelled CI job), raised where the process is, so that it unwinds (measuring
    processes killed, worktrees removed) and exits 143 (the CLI says so in one line)."""


def raise_on_sigterm(signum, frame):
    raise Terminated(128 + signum)


def runnable_shapes(variants, shapes) -> None:
    """Refuses a shape at which none of the selected variants records anything on this machine
    (it would be a row of NaN and nothing else). A kernel that can't run here (no GPU) still has
    its resources counted, from nvcc alone."""
    from . import measure

    device, arch = "cuda" if measure.has_gpu() else "cpu", measure.machine_arch()
    for shape in shapes:
        reasons = {}
        for v in variants:
            why = v.unsupported_reason(head_dim=shape.head_dim, causal=shape.causal, device=device, arch=arch)
            if why and v.is_kernel and device not in v.devices:
                why = v.unsupported_reason(head_dim=shape.head_dim, causal=shape.causal, device=v.devices[0],
                                           arch=arch)
            reasons[v.name] = why
        if all(reasons.values()):
            why = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
            raise ValueError(f"--shape {shape}: no selected variant can run it on this machine ({why})")


def run(refs: list[str], *, results_dir: Path, append: bool, repo: Path | None = None, machine: str | None = None,
        variants=registry.VARIANTS, shapes=None, rounds: int = 5, samples: int = 8, grids: bool = False,
        progress=sys.stderr) -> dict:
    """Measures the commits `refs` of `repo` (default: the working directory's) into
    results_dir, interleaved when several; returns the shas, the machine and the measurements,
    and with `grids` what each commit's own suite tracks (suite_grid), by sha."""
    from . import measure

    if rounds < 1 or samples < 1:
        raise ValueError(f"--rounds {rounds} / --samples {samples}: both must be at least 1 (nothing would be timed)")
    repo = repo or current_repo()
    machine = store.validate_machine(machine or machine_name())
    shapes = tuple(shapes or measure.tracked_shapes())
    runnable_shapes(variants, shapes)
    # The suite's shape parameters, for asv's discovery and the workers alike.
    env = {**os.environ, "FCBENCH_SHAPES": measure.shapes_setting(shapes)}
    env.pop("FCBENCH_VARIANTS", None)  # the suite's full grid: --variant chooses what is measured
    shas = [resolve(repo, r) for r in refs]
    if len(set(shas)) < len(shas):
        raise ValueError(f"{' and '.join(refs)} are the same commit ({shas[0][:8]}): nothing to compare")
    for ref, sha in zip(refs, shas, strict=True):  # an unrelated repository would record the SDPA peers alone
        if subprocess.run(["git", "-C", str(repo), "cat-file", "-e", f"{sha}:csrc/kernels"], capture_output=True).returncode:
            raise CouldNotRun(f"{ref} ({sha[:8]}) has no csrc/kernels/: not a FlashCore repository, nothing to measure")
    dirty = git(repo, "status", "--porcelain", "--", "csrc").splitlines()
    if dirty and git(repo, "rev-parse", "HEAD") in shas:
        print(f"fcbench: uncommitted changes in csrc/ are not measured (the commit is): "
              f"{', '.join(line.split(maxsplit=1)[1] for line in dirty)}", file=progress or sys.stderr, flush=True)
    phases: dict[str, float] = {}
    started = time.perf_counter()
    # asv's discovery imports the suite in its own processes (CPU only): it runs while the
    # workers build and measure.
    with ThreadPoolExecutor(max_workers=1) as pool, ThreadPoolExecutor(max_workers=2) as readers:
        discovered = pool.submit(discover, results_dir, machine, repo, env)
        with Checkouts(repo, shas) as roots:
            # First (about 2 s): a commit whose suite cannot be read stops the run before it measures.
            asked = {sha: readers.submit(suite_grid, roots[sha]) for sha in shas} if grids else {}
            wait(asked.values())  # both ended before a failure leaves the block that removes their worktrees
            tracked = {sha: future.result() for sha, future in asked.items()}
            measured = measure_commits(roots, variants, shapes, rounds=rounds, samples=samples,
                                       log_dir=results_dir, env=env, progress=progress, phases=phases)
        clock = time.perf_counter()
        benchmarks = discovered.result()
        phases["waiting for asv discovery"] = time.perf_counter() - clock
    clock = time.perf_counter()
    for sha, m in measured.items():
        commit_ms = int(git(repo, "show", "-s", "--format=%ct", sha)) * 1000
        write_results(results_dir, machine, m, benchmarks, commit_ms, append=append)
    phases["writing asv results"] = time.perf_counter() - clock
    phases["total"] = time.perf_counter() - started
    return {"machine": machine, "measured": measured, "shas": shas, "phases": phases, "grids": tracked}
