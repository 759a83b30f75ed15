"""The fcbench command line: run, list, build, resources, check, bench, record, compare, gate, report, ci."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import threading

from . import registry

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed (wrong kernel), or a kernel crashed or hung in check / bench
EXIT_USAGE = 2  # bad arguments (argparse's own code)
EXIT_CANNOT_RUN = 3  # no GPU, no nvcc, build failure, bad ref or config, no results (gate: 4-6, fcbench.gate)


def _csv(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _named(option: str, text: str, supported: str) -> list[str]:
    """The comma-separated names of an option that was given: one that names nothing (`--variant ''`
    from an unset shell variable, `--tool ,`) is refused, never read as its default or as none."""
    names = _csv(text)
    if not names:
        raise ValueError(f"{option} {text!r}: names nothing; give one or more of {supported}, comma-separated "
                         "(or leave the option out for its default)")
    return names


def _variants(args) -> tuple[registry.Variant, ...]:
    supported = ", ".join([*registry.KINDS, *(v.name for v in registry.VARIANTS)])
    names = [n for group in (args.variant or []) for n in _named("--variant", group, supported)]
    return registry.select(names)


def _seconds(text: str) -> float:
    """argparse type: a finite number of seconds > 0 (0, a negative or nan bound would time out at once,
    or never, and read as a hang)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a number of seconds > 0")
    return value


def _need_a_kernel(kernels, what: str) -> None:
    """A --variant of SDPA peers alone leaves nothing to count or sanitize: said, not an empty table."""
    if not kernels:
        raise ValueError(f"--variant: no FlashCore kernel selected; {what} FlashCore's kernels only "
                         f"(e.g. --variant flashcore, or one of {', '.join(v.name for v in registry.kernel_variants())})")


def cmd_list(args) -> int:
    from .table import format_table

    if args.json:
        print(json.dumps([{"name": v.name, "kind": v.kind, "head_dims": list(v.head_dims),
                           "causal": v.supports_causal, "devices": list(v.devices), "description": v.description}
                          for v in registry.VARIANTS], indent=2))
        return EXIT_OK
    rows = [[v.name, v.kind, ",".join(map(str, v.head_dims)), "yes" if v.supports_causal else "no",
             "/".join(v.devices), v.description] for v in registry.VARIANTS]
    print(format_table(["variant", "kind", "head_dims", "causal", "devices", "technique"], rows))
    return EXIT_OK


def cmd_build(args) -> int:
    from . import build

    # --arch '' (an unset shell variable) is refused, not read as "the GPU's arch".
    build.build(build.normalize_arch(args.arch) if args.arch is not None else None)
    return EXIT_OK


def cmd_resources(args) -> int:
    from . import build, resources
    from .table import format_table

    # sm_89 given twice (or as 89 and sm_89) is counted once.
    archs = tuple(dict.fromkeys(build.normalize_arch(a) for a in _named("--arch", args.arch, "e.g. sm_89, sm_90")))\
        if args.arch is not None else resources.DEFAULT_ARCHS
    variants = _variants(args)
    _need_a_kernel([v for v in variants if v.is_kernel], "resources counts")
    rows = resources.collect(variants, archs, progress=sys.stderr)
    # A kernel built for some archs only (registry.Variant.archs) has no rows elsewhere: said,
    # never an error (stderr beside --json, whose rows stay a plain list).
    not_built = [line for a in archs for line in registry.not_built(build.normalize_arch(a), variants)]
    over = []
    if args.check:
        from . import config

        cfg = config.load().gate
        over = [f"{r.kernel} ({r.arch}): {what}" for r in rows
                for what in cfg.ceilings_for(r.variant).violations(r.registers, r.smem_bytes, r.spill_bytes,
                                                                   r.stack_frame_bytes)]
    if args.json:  # the rows on stdout, what the text output would add on stderr; --check gates all the same
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        if not_built:
            print("fcbench resources: not counted: " + "; ".join(not_built), file=sys.stderr)
        if over:
            print("fcbench resources: over the [tool.fcbench.gate] ceilings: " + "; ".join(over), file=sys.stderr)
        return _resources_status(over)
    table = [[r.variant, r.arch, r.head_dim, r.kernel, r.threads, r.registers, r.static_smem_bytes,
              r.dynamic_smem_bytes, r.spill_store_bytes, r.spill_load_bytes, r.stack_frame_bytes] for r in rows]
    print(format_table(["variant", "arch", "D", "kernel", "threads", "regs", "static smem B", "dynamic smem B",
                        "spill st B", "spill ld B", "stack B"], table, align_right={2, 4, 5, 6, 7, 8, 9, 10}))
    spilled = [r for r in rows if r.spill_bytes]
    if spilled:
        print(f"\nwarning: {len(spilled)} kernel(s) spill registers: " + ", ".join(f"{r.kernel} ({r.arch})" for r in spilled))
    if not_built:
        print("\nnot counted:\n  " + "\n  ".join(not_built))
    if over:
        print("\nover the [tool.fcbench.gate] ceilings:\n  " + "\n  ".join(over))
    elif args.check:
        print("\nall kernels within the [tool.fcbench.gate] ceilings")
    return _resources_status(over)


def _resources_status(over: list[str]) -> int:
    from . import gate

    return gate.EXIT_RESOURCES if over else EXIT_OK


def cmd_check(args) -> int:
    from . import check, device
    from .table import format_table

    variants = _variants(args)
    report = check.run(variants, quick=args.quick, progress=None if args.json else sys.stderr)
    status = EXIT_FAILED if report.failed else _nothing_checked(report, variants)
    if args.json:
        print(json.dumps({"device": report.device, "results": [r.as_dict() for r in report.results]}, indent=2))
        return status
    print(f"device: {device.describe(report.device)}")
    if report.device.get("device") != "cuda":
        print("no CUDA GPU: only CPU-capable variants ran; the others (FlashCore's kernels, the CUDA-only SDPA "
              "backends) are reported as skipped")
    if args.verbose:
        print(format_table(["variant", "case", "error", "bound", "verdict", "note"],
                           [[r.variant, r.case.name, _g(r.error), _g(r.bound), r.verdict, r.note]
                            for r in report.results]))
        print()
    print(format_table(["variant", "pass", "fail", "crashed", "hung", "skip", "not run", "worst error/bound"],
                       [[*row[:-1], "-" if math.isnan(row[-1]) else f"{row[-1]:.3f}"] for row in report.summary()],
                       align_right={1, 2, 3, 4, 5, 6, 7}))
    skipped: dict[tuple[str, str], list] = {}
    for r in report.results:
        if r.verdict in ("SKIP", "NOT-RUN"):
            skipped.setdefault((r.variant, r.note), []).append(r.case)
    if skipped:
        print("\nskipped or not run:")
        for (variant, note), skipped_cases in skipped.items():
            print(f"  {variant}: {len(skipped_cases)} case(s), e.g. {skipped_cases[0].name}: {note}")
    if report.failed:
        print(f"\n{len(report.failed)} failure(s):")
        print(format_table(["variant", "case", "verdict", "error", "bound", "note"],
                           [[r.variant, r.case.name, r.verdict, f"{r.error:.3g}", f"{r.bound:.3g}", r.note]
                            for r in report.failed]))
    if report.log_path is not None:
        print(f"\n{report.restarts} measuring process(es) replaced after a crash or hang, in {report.restart_s:.1f} s; "
              f"their log: {report.log_path}")
    return status


def _g(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3g}"


def _nothing_checked(report, variants) -> int:
    if any(r.verdict != "SKIP" for r in report.results):
        return EXIT_OK
    why = next((f"{r.variant}: {r.note}" for r in report.results), "no variant selected")
    return _all_skipped("check", "nothing was checked here, every case was skipped", why, variants)


def _all_skipped(command: str, what: str, why: str, variants) -> int:
    """EXIT_CANNOT_RUN, said on stderr, where every case or row was skipped: a check that checked
    nothing (kernels selected on a machine without a GPU), or a bench that timed nothing (a head dim
    no variant takes), must not read as a pass. Kernels only built for other archs (wgmma_fused on an
    L4) are "not for sm_89" by design, never a failure."""
    from . import build

    arch = build.arch_here()
    if arch is not None and variants and all(v.arch_reason(arch) for v in variants):
        return EXIT_OK
    print(f"fcbench {command}: could not run: {what} (e.g. {why})", file=sys.stderr)
    return EXIT_CANNOT_RUN


def cmd_bench(args) -> int:
    import torch

    from . import bench, device, shapes
    from .table import format_table
    from .timer import MAX_SAMPLES

    # The arguments first, so that a typo is named as one on any machine, not as a missing GPU.
    chosen = [shapes.parse_shape(s) for s in args.shape] if args.shape else list(shapes.DEFAULT_SHAPES)
    variants = _variants(args)
    if not 1 <= args.min_samples <= MAX_SAMPLES:
        raise ValueError(f"--min-samples {args.min_samples}: must be 1 to {MAX_SAMPLES} (the timer's most per row)")
    if not 0 <= args.budget_s < math.inf:
        raise ValueError(f"--budget-s {args.budget_s}: must be a number of seconds >= 0")
    if not torch.cuda.is_available():
        print("fcbench bench: timing needs a CUDA GPU (CUDA events); none is visible here. "
              "`fcbench resources` and `fcbench check --variant sdpa_math` run without one.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    results = bench.run(variants, chosen, progress=None if args.json else sys.stderr,
                        min_samples=args.min_samples, budget_s=args.budget_s)
    if results and all(r.status == "skip" for r in results):  # e.g. --shape 1,8,128,96: no variant takes D=96
        first = results[0]
        if status := _all_skipped("bench", "nothing was timed, every row was skipped",
                                  f"{first.variant} {first.shape}: {first.note}", variants):
            return status
    fp = device.fingerprint()
    if args.json:
        print(json.dumps({"device": fp, "results": [r.as_dict() for r in results]}, indent=2))
        return EXIT_FAILED if any(r.status in ("crashed", "hung") for r in results) else EXIT_OK
    print(f"device: {device.describe(fp)}")
    rows = []
    for r in results:
        if r.status != "ok":
            rows.append([r.variant, str(r.shape), "-", "-", "-", "-", r.note if r.status == "not run" else
                         f"{r.status}: {r.note}"])
            continue
        s = r.summary
        rel = f"{r.vs_best_sdpa:.2f}x {r.best_sdpa}" if r.vs_best_sdpa else "-"
        rows.append([r.variant, str(r.shape), f"{s.median:.1f}", f"{s.iqr:.1f}", str(s.n), f"{r.tflops:.1f}", rel])
    print(format_table(["variant", "shape", "median us", "IQR us", "n", "TFLOP/s", "vs fastest SDPA"], rows,
                       align_right={2, 3, 4, 5}))
    faulted = [r for r in results if r.status in ("crashed", "hung")]
    for r in faulted:
        print(f"\n{r.status.upper()}: {r.variant} at {r.shape}: {r.note}", file=sys.stderr)
    return EXIT_FAILED if faulted else EXIT_OK


def cmd_run(args) -> int:
    """The main job: resources always; with a GPU build, check and bench; without one, the
    CPU-capable check and a line saying what needs a GPU."""
    import torch

    quick = ["--quick"] if args.quick else []
    cmd_resources(_args("resources"))
    if not torch.cuda.is_available():
        print("\nno CUDA GPU here: kernels compiled and resource-counted above; checking the CPU-capable "
              "variants only. Building the extension, checking the kernels and timing need a CUDA GPU.\n")
        status = cmd_check(_args("check", *quick))
        print("\n" + _cpu_run_summary(status, args.quick, torch.__version__, torch.version.cuda))
        return status
    cmd_build(_args("build"))
    status = cmd_check(_args("check", *quick))
    if status != EXIT_OK:
        print("\ncheck failed: not timing kernels that are wrong", file=sys.stderr)
        return status
    return cmd_bench(_args("bench"))


def _cpu_run_summary(check_status: int, quick: bool, torch_version: str, torch_cuda: str | None) -> str:
    """The closing lines of `fcbench run` without a GPU: what ran, what was skipped and why, what next (issue 26)."""
    from . import resources

    kernels = registry.kernel_variants()
    cpu = [v.name for v in registry.VARIANTS if "cpu" in v.devices]
    gpu_peers = [v.name for v in registry.VARIANTS if "cpu" not in v.devices and not v.is_kernel]
    verdict = "passed" if check_status == EXIT_OK else "FAILED (see above)"
    # Per arch: a kernel built for some archs only (wgmma_fused: sm_90a) is counted where it is built.
    counted = ", ".join(f"{sum(bool(v.target(arch)) for v in kernels)} kernels on {arch}"
                        for arch in resources.DEFAULT_ARCHS)
    if torch_cuda is None:
        next_step = (f"on a machine with a CUDA GPU, install a CUDA build of torch (this one, {torch_version}, is "
                     "CPU-only), then run `fcbench run`")
    else:
        next_step = f"on a machine with a CUDA GPU (this torch, {torch_version}, is built for CUDA {torch_cuda}), run `fcbench run`"
    lines = [
        "fcbench run without a CUDA GPU:",
        f"  ran:     resources ({counted}, from nvcc); "
        f"check{' --quick' if quick else ''} of the CPU-capable variant(s) {', '.join(cpu)}: {verdict}",
        f"  skipped: build (the torch extension), check of the {len(kernels)} FlashCore kernels and "
        f"{len(gpu_peers)} CUDA-only SDPA peers ({', '.join(gpu_peers)}), and bench (timing): "
        "they need a CUDA GPU, and torch sees none here (torch.cuda.is_available() is False)",
        f"  next:    {next_step}",
    ]
    return "\n".join(lines)


def _history_args(args, default_for: str) -> dict:
    """default_for: the command whose default results directory applies ("record" or "compare"),
    worked out (in the git repository) only where --results-dir does not name one."""
    from pathlib import Path

    from . import history
    from .shapes import parse_shape

    shapes = [parse_shape(s) for s in args.shape] if args.shape else None
    from . import store

    # --machine '' is refused as a name, not read as "the default machine".
    given = args.machine is not None
    source = "--machine" if given else "FCBENCH_MACHINE" if os.environ.get("FCBENCH_MACHINE") else "the GPU's name"
    return {"results_dir": Path(args.results_dir) if args.results_dir else history.default_results_dir(default_for),
            "machine": store.validate_machine(args.machine if given else history.machine_name(), source),
            "variants": _variants(args), "shapes": shapes}


def cmd_record(args) -> int:
    from . import history

    if args.samples < 1:
        raise ValueError(f"--samples {args.samples}: must be at least 1 (nothing would be timed)")
    out = history.run([args.ref], rounds=1, samples=args.samples, append=True,
                      **_history_args(args, "record"))
    print(f"recorded {out['shas'][0][:8]} on machine {out['machine']!r} ({_phases(out)})")
    failures = out["measured"][out["shas"][0]].failures
    if failures:  # kept in the history (the gate fails them) and said here: "recorded" alone would read as success
        print(f"fcbench record: {len(failures)} (variant, shape) row(s) did not measure: "
              + "; ".join(f"{v} {s}: {_failure_text(r)}" for (v, s), r in failures.items()),
              file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _failure_text(reply: dict) -> str:
    """A recorded failure ({"error" | "crashed" | "hung": why, ...}) as 'error (why)'."""
    how, why = next(iter(reply.items()))
    return f"{how} ({why})"


def cmd_compare(args) -> int:
    from . import gate, history

    kw = _history_args(args, "compare")
    refs = [args.head, args.base] if args.head_first else [args.base, args.head]
    # The whole suite's gate also sees what the head dropped from it; a --variant / --shape one asks about its rows.
    whole = args.gate and not args.variant and not args.shape
    out = history.run(refs, rounds=args.rounds, samples=args.samples, append=False, grids=whole, **kw)
    base, head = out["shas"][::-1] if args.head_first else out["shas"]
    print(f"measured {base[:8]} and {head[:8]} interleaved ({args.rounds} rounds x {args.samples} samples) "
          f"on machine {out['machine']!r}; `asv compare --config {history.asv_config_path(kw['results_dir'])} "
          f"--machine {out['machine']} {base[:8]} {head[:8]}` shows the same numbers ({_phases(out)})")
    if args.gate:
        return _gate(base, head, out["machine"], kw["results_dir"], args,
                     findings=gate.dropped(out["grids"][base], out["grids"][head]) if whole else None)
    return EXIT_OK


def _phases(out: dict) -> str:
    """'took 41.0 s: build 3.1 s, quality 9.8 s, ...': where a pipeline's time went."""
    phases = dict(out["phases"])
    total = phases.pop("total")
    return f"took {total:.1f} s: " + ", ".join(f"{name} {s:.1f} s" for name, s in phases.items())


def _gate(base: str, head: str, machine: str, results_dir, args, variants=None, shapes=None, findings=None) -> int:
    from . import config, gate, history

    # The bar is the base's: its [tool.fcbench], whatever this checkout's says (shown when they differ).
    with config.bar_of(history.current_repo(), base) as (cfg, changed):
        notes = [f"The checkout's `[tool.fcbench]` differs from the base's ({'; '.join(changed)}); the gate used the "
                 "base's."] if changed else []
        code, text = gate.run(base, head, results_dir=results_dir, machine=machine, cfg=cfg.gate,
                              markdown_path=args.markdown, json_path=args.json_out, notes=notes,
                              variants=variants, shapes=shapes, findings=findings)
    print("\n".join(notes + [text]))
    return code


def cmd_gate(args) -> int:
    from . import history

    kw = _history_args(args, "compare")
    repo = history.current_repo()
    base, head = history.resolve(repo, args.base), history.resolve(repo, args.head)
    if base == head:
        raise ValueError(f"{args.base} and {args.head} are the same commit ({base[:8]}): nothing to compare")
    # --variant / --shape: only those rows are gated (a row absent from the results is simply not shown).
    from .measure import shape_label

    return _gate(base, head, kw["machine"], kw["results_dir"], args,
                 variants={v.name for v in kw["variants"]} if args.variant else None,
                 shapes={shape_label(s) for s in kw["shapes"]} if kw["shapes"] else None)


def cmd_forget(args) -> int:
    """Removes what was recorded for one commit on one machine: its recorded failures (all, or
    the --variant / --shape rows), or with --results the commit's result and failures files.
    Says what it would remove and does it only with --yes."""
    from pathlib import Path

    from . import history, store
    from .measure import shape_label

    kw = _history_args(args, "record")
    results_dir, machine = Path(kw["results_dir"]), kw["machine"]
    if args.results and (args.variant or args.shape):
        raise ValueError("forget --results removes a commit's whole files: --variant / --shape narrow only the "
                         "recorded failures (without --results)")
    try:
        sha = history.resolve(history.current_repo(), args.ref)
    except history.CouldNotRun:  # a commit only the results know (a results branch's checkout)
        if not re.fullmatch(r"[0-9a-f]{8,40}", args.ref):
            raise ValueError(f"{args.ref!r} is neither a commit here nor a hash (8 to 40 hex digits)") from None
        sha = args.ref
    if not (results_dir / machine).is_dir():  # a mistyped path or machine must not read as "nothing to remove"
        machines = store.machine_dirs(results_dir)
        print(f"fcbench forget: could not run: no machine {machine!r} in {results_dir} ("
              + (f"machines there: {', '.join(machines) or 'none'}" if machines is not None else "no such directory")
              + "; --results-dir and --machine say where)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    failures_path = history.failures_path(results_dir, machine, sha)
    if args.results:
        doomed = sorted(p for p in (results_dir / machine).glob(f"{sha[:8]}-*") if p.suffix in (".json", ".failures"))
        # Files are named by a commit's first 8 characters: a result file of another commit with
        # the same prefix (a mistyped hash) is not this commit's, and nothing is removed.
        for p in (p for p in doomed if p.suffix == ".json"):
            held = store.commit_of(p)  # None: damaged, removable by its name
            if held is not None and not held.startswith(sha):
                print(f"fcbench forget: could not run: {p} holds commit {held}, not {sha} (result files are named by "
                      "a commit's first 8 characters); nothing removed", file=sys.stderr)
                return EXIT_CANNOT_RUN
        what = [str(p) for p in doomed]
    else:
        variants = {v.name for v in kw["variants"]} if args.variant else None
        shapes = {shape_label(s) for s in kw["shapes"]} if kw["shapes"] else None

        def read():
            """(why the file is damaged or None, its rows). A file that cannot be read at all is an
            OSError (exit 3), never damage: forget removes a damaged file, not an unreadable one."""
            if not failures_path.exists():
                return None, {}
            failures_path.read_bytes()
            why = store.check_failures_file(failures_path)
            return why, {} if why else history.read_failures(results_dir, machine, sha)

        damaged, failures = read()
        if damaged and (variants or shapes):
            raise store.DamagedResults(f"{failures_path}: {damaged}; its rows cannot be read one by one: "
                                       "forget without --variant / --shape removes the file whole")
        # A damaged failures file (which fails every gate against the commit) goes whole: its rows are unreadable.
        doomed_rows = [k for k in failures if (variants is None or k[0] in variants) and (shapes is None or k[1] in shapes)]
        what = [f"{failures_path} (damaged: {damaged})"] if damaged else \
            [f"{v} {s}: {_failure_text(failures[v, s])}" for v, s in doomed_rows]
    if not what:
        print(f"fcbench forget: nothing recorded to remove for {sha[:8]} on {machine!r} in {results_dir}")
        return EXIT_OK
    kind = "files" if args.results else "recorded failures"
    print(f"fcbench forget: {sha[:8]} on {machine!r}, {len(what)} {kind}:\n  " + "\n  ".join(what))
    if not args.yes:
        print("fcbench forget: nothing removed; run again with --yes to remove them")
        return EXIT_OK
    with store.lock(results_dir):
        if not args.results and read() != (damaged, failures):  # a record wrote it since: what was shown is stale
            raise history.CouldNotRun(f"{failures_path} changed while forget ran (a record or compare writing it); "
                                      "nothing removed: run forget again")
        if args.results:
            for p in doomed:
                p.unlink()
        elif damaged:
            failures_path.unlink()
        else:
            kept = {f"{v} {s}": reply for (v, s), reply in failures.items() if (v, s) not in doomed_rows}
            if kept:
                store.save_failures(failures_path, kept)
            else:
                failures_path.unlink()
    print(f"fcbench forget: removed {len(what)} {kind}")
    return EXIT_OK


def cmd_report(args) -> int:
    from pathlib import Path

    from . import config, history, report

    if args.repo:
        repo = Path(args.repo).resolve()
        try:
            history.git(repo, "rev-parse", "--git-dir")
        except history.CouldNotRun:
            raise ValueError(f"--repo {repo}: not a git repository") from None
    else:  # the working directory's, if it is in one: a results directory alone still builds
        try:
            repo = history.current_repo()
        except history.CouldNotRun:
            repo = None
    if args.commit_url is not None:
        _check_commit_url(args.commit_url)
    if args.results_dir:
        results_dir = Path(args.results_dir)
    elif repo is not None:
        results_dir = repo / ".asv" / "results"
    else:
        raise ValueError("--results-dir: needed outside a git repository (the default is the repository's .asv/results)")
    index = report.build(results_dir, Path(args.out), repo=repo, cfg=config.load().gate,
                         gate_json=[Path(p) for p in args.gate_json or []], commit_url=args.commit_url)
    asv_site = index.parent / "asv" / "index.html"
    print(f"report: {index} (opens from the file system"
          + (f"; asv's own site in {asv_site.parent})" if repo is not None else ")"))
    return EXIT_OK


def _check_commit_url(template: str) -> None:
    """--commit-url is str.format'ed with the commit's sha alone: any other field would raise deep
    in the report, a format spec such as {sha:>99999999999} would ask for gigabytes, and a template
    without {sha} links every commit to one page."""
    import string

    example = "e.g. https://github.com/ORG/REPO/commit/{sha}"
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
        odd = ["{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
               for name, spec, conversion in fields if (name, spec, conversion) != ("sha", "", None)]
    except ValueError as exc:  # an unmatched brace
        fields, odd = [], [str(exc)]
    if odd:
        raise ValueError(f"--commit-url {template!r}: {{sha}} is its only placeholder, without a format spec "
                         f"({example}); not {odd[0]}")
    # A field, not the text: '{{sha}}' formats to a literal {sha}, the same page for every commit.
    if not fields:
        raise ValueError(f"--commit-url {template!r} has no {{sha}}: every commit would link to the same page "
                         f"({example})")


# pyproject.toml's runtime dependencies, as import names (torch is imported before this can run).
DEPENDENCIES = ("numpy", "ninja", "asv", "pygal")
# `fcbench report` reads results and draws pages: no torch, numpy or ninja (main.yml's report job
# installs only deploy/report-requirements.txt).
REPORT_DEPENDENCIES = ("asv", "pygal")


def missing_packages(command: str | None = None) -> list[str]:
    """The dependencies `command` needs that this interpreter cannot import: `pip install --no-deps`
    (an offline runner) installs none of them, and each would otherwise fail deep inside a command
    as an ImportError."""
    import importlib.util

    needed = REPORT_DEPENDENCIES if command == "report" else DEPENDENCIES
    return [name for name in needed if importlib.util.find_spec(name) is None]


def cmd_ci(args) -> int:
    """The CI jobs as commands that run on any GPU machine, so the workflows stay thin.
    pr:   fcbench.ci.pr: check the head (quick), sanitize the kernels it changed, compare BASE
          HEAD interleaved, gate; the PR comment gets every stage's failures.
    main: record HEAD into the history, then rebuild the report."""
    if args.job == "main":
        pr_only = [flag for flag, value in (("--base", args.base), ("--head", args.head), ("--markdown", args.markdown),
                                            ("--json", args.json_out), ("--no-sanitize", args.no_sanitize)) if value]
        if pr_only:  # said, not ignored: `ci main --markdown F` would otherwise leave F unwritten without a word
            raise ValueError(f"{', '.join(pr_only)}: options of `ci pr`; `ci main` takes --results-dir and --out")
        results = ["--results-dir", args.results_dir] if args.results_dir else []
        status = cmd_record(_args("record", "HEAD", *results))
        return status or cmd_report(_args("report", "--out", args.out, *results))
    if not args.base or not args.head:
        print("fcbench ci pr: --base and --head are required", file=sys.stderr)
        return EXIT_USAGE
    from . import ci

    return ci.pr(args.base, args.head, markdown=args.markdown, json_out=args.json_out, results_dir=args.results_dir,
                 sanitize_changed=not args.no_sanitize)


def cmd_sanitize(args) -> int:
    from . import gate, sanitize
    from .table import format_table

    variants = [v for v in _variants(args) if v.is_kernel]
    _need_a_kernel(variants, "sanitize runs compute-sanitizer on")
    supported = ", ".join([*sanitize.TOOLS, "initcheck"])
    tools = tuple(_named("--tool", args.tool, supported)) if args.tool is not None else sanitize.TOOLS
    unknown = sorted(set(tools) - {*sanitize.TOOLS, "initcheck"})
    if unknown:
        print(f"fcbench sanitize: --tool {', '.join(unknown)}: supported: {supported}", file=sys.stderr)
        return EXIT_USAGE
    import torch

    if not torch.cuda.is_available():  # else every kernel's run fails under the tool and reads as a finding (exit 7)
        print("fcbench sanitize: could not run: compute-sanitizer runs the kernels, which needs a CUDA GPU; "
              "torch sees none here (torch.cuda.is_available() is False)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    findings = sanitize.run(variants, tools=tools,
                            timeout_s=args.timeout_s if args.timeout_s is not None else sanitize.TIMEOUT_S)
    print(format_table(["variant", "tool", "verdict", "seconds", "first report"],
                       [[f.variant, f.tool, f.verdict, f"{f.seconds:.0f}", f.report] for f in findings],
                       align_right={3}))
    verdicts = {f.verdict for f in findings}
    return gate.EXIT_CORRECTNESS if "HUNG" in verdicts else gate.EXIT_SANITIZER if "FAIL-SANITIZER" in verdicts \
        else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fcbench",
        description="Build, check, time and resource-count FlashCore's attention kernels and their SDPA peers.",
        epilog="exit codes: 0 ok, 1 a check failed or a kernel crashed / hung, 2 bad arguments, 3 could not run "
               "(no GPU, no nvcc, build failed, no results); fcbench gate / ci pr / sanitize: 4 correctness "
               "(wrong, crashed, hung, missing variant), 7 sanitizer, 5 resources, 6 latency",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    variant_help = ("variant name(s) or kind(s) (flashcore: every kernel, sdpa: every peer), comma-separated "
                    "or repeated; default: every registered variant")

    p = sub.add_parser("run", help="the main job: resources, then build, check and bench on a GPU "
                                   "(without one: resources and the CPU-capable check)")
    p.add_argument("--quick", action="store_true", help="quick check (fewer cases)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("list", help="the registered variants, what technique each uses and what it supports")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("build", help="build the torch extension (ninja, content-addressed cache); shows progress and time")
    p.add_argument("--arch", help="target arch, e.g. sm_89; default: FCBENCH_ARCH or the current GPU's")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("resources", help="registers, shared memory, spills per kernel and arch, from nvcc alone (no GPU)")
    p.add_argument("--arch", help="comma-separated archs (default: sm_89,sm_90)")
    p.add_argument("--variant", action="append", help=variant_help)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--check", action="store_true", help="exit 5 if a kernel is over the [tool.fcbench.gate] ceilings")
    p.set_defaults(func=cmd_resources)

    p = sub.add_parser("check", help="every variant vs an fp64/fp32 reference on adversarial cases; exit 1 on failure")
    p.add_argument("--variant", action="append", help=variant_help)
    p.add_argument("--quick", action="store_true", help="fewer sequence lengths and one seed")
    p.add_argument("--verbose", action="store_true", help="print every variant x case: error, bound, verdict")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("bench", help="GPU latency (CUDA events, L2 flushed): median, IQR, n, TFLOP/s, vs fastest SDPA")
    p.add_argument("--variant", action="append", help=variant_help)
    p.add_argument("--shape", action="append", help="B,H,S,D[,causal]; repeatable; default: the standard shape set")
    p.add_argument("--min-samples", type=int, default=20, help="at least this many timed calls (default 20)")
    p.add_argument("--budget-s", type=float, default=1.0, help="time budget per variant and shape (default 1.0 s)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_bench)

    def history_options(p):
        p.add_argument("--results-dir", help="asv results directory (default: .asv/results for record, "
                                             ".asv/compare for compare and gate)")
        p.add_argument("--machine", help="asv machine name (default: FCBENCH_MACHINE, else the detected GPU)")
        p.add_argument("--variant", action="append", help=variant_help)
        p.add_argument("--shape", action="append", help="B,H,S,D[,causal]; default: the tracked shapes")

    def gate_options(p):
        p.add_argument("--markdown", help="also write the Markdown summary here (for a PR comment)")
        p.add_argument("--json", dest="json_out", help="write the verdicts as JSON here")

    p = sub.add_parser("sanitize", help="compute-sanitizer memcheck, racecheck, synccheck on FlashCore kernels at "
                                        "small partial-tile shapes; exit 7 on a finding, 4 on a hang")
    p.add_argument("--variant", action="append", help=variant_help)
    p.add_argument("--tool", help="comma-separated tools (default: memcheck,racecheck,synccheck; also initcheck)")
    p.add_argument("--timeout-s", type=_seconds, default=None,
                   help="bound on one (variant, tool) run, seconds > 0 (default 120)")
    p.set_defaults(func=cmd_sanitize)

    p = sub.add_parser("record", help="measure one commit (a git worktree of it) into the asv history")
    p.add_argument("ref", nargs="?", default="HEAD")
    p.add_argument("--samples", type=int, default=40, help="latency samples per variant and shape (default 40)")
    history_options(p)
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("compare", help="measure BASE and HEAD interleaved into the asv history (then --gate)")
    p.add_argument("base")
    p.add_argument("head")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    p.add_argument("--samples", type=int, default=8, help="samples per side per round (default 8)")
    p.add_argument("--gate", action="store_true", help="run fcbench gate on the result")
    p.add_argument("--head-first", action="store_true",
                   help="the head's side builds, checks and allocates first (default: the base's); for testing "
                        "the comparison itself for an order bias")
    history_options(p)
    gate_options(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("gate", help="verdicts and exit code from the recorded results of BASE and HEAD")
    p.add_argument("base")
    p.add_argument("head")
    history_options(p)
    gate_options(p)
    p.set_defaults(func=cmd_gate)

    p = sub.add_parser("forget", help="remove a commit's recorded failures (or with --results its result files) "
                                      "from a results directory; shows what, removes only with --yes")
    p.add_argument("ref", help="the commit (a ref here, or its hash)")
    p.add_argument("--results", action="store_true", help="the commit's result and failures files, not only failures")
    p.add_argument("--yes", action="store_true", help="remove (without it: only say what would be removed)")
    history_options(p)
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("report", help="static web report of the asv history: a front page per machine, a page per variant, asv publish")
    p.add_argument("--results-dir", help="asv results directory (default: .asv/results)")
    p.add_argument("--out", default=".asv/report", help="output directory (default: .asv/report)")
    p.add_argument("--gate-json", action="append", help="an `fcbench gate --json` file whose verdicts to list")
    p.add_argument("--commit-url", help="link template for commits, e.g. https://github.com/ORG/REPO/commit/{sha}")
    p.add_argument("--repo", help="the git repository the recorded commits come from (default: the working "
                                  "directory's; outside one the report shows shas and asv's dates)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("ci", help="the CI jobs: `ci pr --base REF --head REF` (check, compare, gate) and `ci main` "
                                  "(record HEAD, rebuild the report); what the workflows run")
    p.add_argument("job", choices=["pr", "main"])
    p.add_argument("--base", help="pr: the base ref (e.g. origin/main)")
    p.add_argument("--head", help="pr: the head ref (e.g. the PR's merge commit)")
    p.add_argument("--results-dir", help="default: .asv/compare (pr), .asv/results (main)")
    p.add_argument("--out", default=".asv/report", help="main: report directory (default: .asv/report)")
    p.add_argument("--no-sanitize", action="store_true",
                   help="pr: skip the compute-sanitizer stage (say so in the PR: it is the only stage that sees "
                        "memory and race bugs the outputs hide)")
    gate_options(p)
    p.set_defaults(func=cmd_ci)
    return parser


def _args(*argv: str) -> argparse.Namespace:
    """A command's arguments as its own parser makes them (every option, at its default), for the
    commands that run others (run, ci main): a Namespace written by hand goes stale when an option
    is added (ci main's report call lacked --repo and died with an AttributeError)."""
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .build import BuildError, arch_from_env
    from .config import ConfigError
    from .history import CouldNotRun, Terminated, raise_on_sigterm
    from .store import DamagedResults, StoreBusy
    from .supervise import WorkerFailed

    if threading.current_thread() is threading.main_thread():  # a cancelled CI job: unwind as on Ctrl-C
        signal.signal(signal.SIGTERM, raise_on_sigterm)
    # gate, compare and ci pr write both; one file for both would keep only the JSON.
    markdown, json_out = getattr(args, "markdown", None), getattr(args, "json_out", None)
    if markdown and json_out and os.path.abspath(markdown) == os.path.abspath(json_out):
        print(f"fcbench {args.command}: --markdown and --json are the same file ({markdown}): give each its own",
              file=sys.stderr)
        return EXIT_USAGE
    # Written last, after every measurement: a path that cannot be written is said before them.
    for flag, path in (("--markdown", markdown), ("--json", json_out)):
        folder = os.path.dirname(os.path.abspath(path)) if path else ""
        if path and (os.path.isdir(path) or not os.path.isdir(folder) or not os.access(folder, os.W_OK)):
            why = "is a directory" if os.path.isdir(path) else f"{folder} is not a writable directory"
            print(f"fcbench {args.command}: could not run: {flag} {path}: cannot be written there ({why})",
                  file=sys.stderr)
            return EXIT_CANNOT_RUN
    if missing := missing_packages(args.command):
        print(f"fcbench {args.command}: could not run: missing Python package(s): {', '.join(missing)} (fcbench's "
              "dependencies in pyproject.toml; an offline runner installs them from wheels before "
              "`pip install --no-deps -e .`)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        if os.environ.get("FCBENCH_ARCH"):  # named as the variable's, by every command alike, before any work
            arch_from_env()
        return args.func(args)
    except (BuildError, CouldNotRun, ConfigError, WorkerFailed, DamagedResults, StoreBusy) as exc:
        print(f"fcbench {args.command}: could not run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except OSError as exc:  # a read-only or full disk, a path that is a file: the machine's, not the kernel's
        print(f"fcbench {args.command}: could not run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except (KeyboardInterrupt, Terminated) as exc:
        if argv is None:  # the program (not a caller's main([...])): a second Ctrl-C must not cut the cleanup short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        code = 143 if isinstance(exc, Terminated) else 130  # the shell's 128 + SIGTERM / SIGINT
        print(f"fcbench {args.command}: {'terminated (SIGTERM)' if code == 143 else 'interrupted (SIGINT)'}",
              file=sys.stderr)
        return code
    except ValueError as exc:  # bad --variant / --shape / --arch values
        print(f"fcbench {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
