"""README's `## CLI` section, walked (issue 26, item 4): every `fcbench COMMAND` it documents has a
`--help` that lists exactly the flags README gives it, argparse accepts each documented flag, and
the flags that can run on a machine without a GPU change the output the way README says.

Kept under a minute on 2 cores: one real nvcc run (one variant, one arch, cached after the first),
one measuring process per `check` run on two cases. Flags that need a GPU, a git history or asv
(bench, build, sanitize, record, compare, gate, forget, report, ci) are checked here through the
arguments the command receives; their real runs are in test_gate.py, test_store.py and test_report.py.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
import torch

import fcbench.cli as cli
from fcbench import registry
from fcbench.cli import EXIT_CANNOT_RUN, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def cli_section() -> str:
    text = (ROOT / "README.md").read_text()
    return text.split("\n## CLI\n", 1)[1].split("\n## ", 1)[0]


def documented() -> dict[tuple[str, ...], set[str]]:
    """{("resources",) or ("ci", "pr"): flags} from the section's code blocks: a line `fcbench WORDS
    [flags]  description` and the indented lines under it; plus the note "(record, compare, ... also
    take `--variant`, ...)" under the blocks."""
    section = cli_section()
    docs: dict[tuple[str, ...], set[str]] = {}
    for block in re.findall(r"^```\n(.*?)^```", section, re.S | re.M):
        current = None
        for line in block.splitlines():
            if line.startswith("fcbench "):
                synopsis = re.split(r"\s{2,}", line)[0].split()[1:]
                current = tuple(w for w in synopsis[:2] if re.fullmatch(r"[a-z]+", w))
                docs.setdefault(current, set())
            assert current, f"README's CLI block: {line!r} is under no `fcbench` line"
            docs[current] |= set(FLAG.findall(line))
    note = re.search(r"\(([a-z, ]+?) also take ((?:`--[a-z-]+`(?:, )?)+)", section)
    assert note, "README's note on the flags record, compare and gate share is gone"
    for command in re.split(r", | and ", note[1]):
        docs[(command,)] |= set(re.findall(r"`(--[a-z-]+)`", note[2]))
    return docs


DOCUMENTED = documented()
COMMANDS = sorted({words[0] for words in DOCUMENTED})


def flags_of(command: str) -> set[str]:
    """README's flags of a command (`ci`: of `ci pr` and `ci main` together, as its --help has them)."""
    return set().union(*(flags for words, flags in DOCUMENTED.items() if words[0] == command))


def help_text(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def help_options(text: str) -> dict[str, bool]:
    """{flag: takes a value} from the options list of an argparse --help."""
    options = {}
    for line in text.split("\noptions:\n", 1)[1].splitlines():
        if m := re.match(r"  (-\S.*?)(?:\s{2,}|$)", line):
            for spec in m[1].split(", "):
                name, *metavar = spec.split()
                if name.startswith("--") and name != "--help":
                    options[name] = bool(metavar)
    return options


def test_the_walk_finds_every_command_readme_documents():
    assert set(COMMANDS) == {"run", "list", "build", "resources", "check", "sanitize", "bench", "record", "compare",
                             "gate", "forget", "report", "ci"}
    assert ("ci", "pr") in DOCUMENTED and ("ci", "main") in DOCUMENTED
    assert DOCUMENTED["resources",] == {"--arch", "--variant", "--json", "--check"}
    assert {"--variant", "--shape", "--machine", "--results-dir"} <= DOCUMENTED["forget",]


def test_top_level_help_lists_the_commands_readme_documents(capsys):
    text = help_text(capsys)
    listed = re.findall(r"^    ([a-z]+)", text.split("positional arguments:", 1)[1], re.M)
    assert sorted(listed) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_exactly_the_flags_readme_documents(command, capsys):
    text = help_text(capsys, command)
    assert text.startswith(f"usage: fcbench {command} ")
    listed = set(help_options(text))
    assert flags_of(command) - listed == set(), f"README documents flags `fcbench {command} --help` lacks"
    # No exceptions: every flag the CLI has is in README's CLI section.
    assert listed - flags_of(command) == set(), f"`fcbench {command}` has flags README does not document"
    if command == "ci":
        assert "{pr,main}" in text


# A value for each documented flag that takes one, and the positional arguments of each command.
VALUES = {"--arch": "sm_90", "--variant": "sdpa_math", "--shape": "1,2,128,64", "--tool": "racecheck",
          "--timeout-s": "30", "--min-samples": "5", "--budget-s": "0.5", "--samples": "3", "--rounds": "2",
          "--markdown": "summary.md", "--json": "verdicts.json", "--results-dir": "results", "--machine": "ci-cpu",
          "--out": "site", "--gate-json": "gate.json", "--commit-url": "https://example.invalid/commit/{sha}",
          "--repo": "elsewhere",
          "--base": "origin/main", "--head": "HEAD"}
POSITIONALS = {"compare": ["BASE", "HEAD"], "gate": ["BASE", "HEAD"], "forget": ["0123abcd"]}


@pytest.fixture
def received(monkeypatch):
    """Every command's function replaced by one that keeps the arguments it was given."""
    seen: list[argparse.Namespace] = []
    for name in dir(cli):
        if name.startswith("cmd_"):
            monkeypatch.setattr(cli, name, lambda args: seen.append(args) or EXIT_OK)
    return seen


@pytest.mark.parametrize("words, flag", [pytest.param(words, flag, id=f"{' '.join(words)} {flag}")
                                         for words, flags in sorted(DOCUMENTED.items()) for flag in sorted(flags)])
def test_argparse_accepts_every_documented_flag_and_it_reaches_the_command(words, flag, received, capsys):
    options = help_options(help_text(capsys, words[0]))
    assert flag in options, f"README documents `fcbench {' '.join(words)} {flag}`; the CLI has no such flag"
    takes_value = options[flag]
    argv = [*words, *POSITIONALS.get(words[0], [])]
    assert main(argv) == EXIT_OK
    assert main([*argv, flag, *([VALUES[flag]] if takes_value else [])]) == EXIT_OK
    without, with_flag = received
    changed = {k for k in vars(with_flag) if getattr(with_flag, k) != getattr(without, k)}
    assert len(changed) == 1, f"{' '.join(words)} {flag}: changed {changed}"


# ---- the flags that run without a GPU, run ----------------------------------------------------------

def test_list_json_is_the_table_as_json(capsys):
    assert main(["list"]) == EXIT_OK
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:2] == ["variant", "kind"]
    assert main(["list", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert [v["name"] for v in data] == [line.split()[0] for line in table[2:]] == [v.name for v in registry.VARIANTS]


def _table(out: str) -> list[dict]:
    lines = out.strip().splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    return [dict(zip(header, re.split(r"\s{2,}", line.strip()), strict=True)) for line in lines[2:] if line.strip()]


def test_resources_variant_arch_json_and_check_on_one_real_kernel(capsys):
    # nvcc for real on one variant and one arch (README: "from nvcc alone (no GPU)").
    argv = ["resources", "--variant", "scalar_tiled", "--arch", "sm_89"]
    assert main(argv) == EXIT_OK
    out = capsys.readouterr().out
    rows = _table(out)
    assert {(r["variant"], r["arch"]) for r in rows} == {("scalar_tiled", "sm_89")}
    assert sorted(int(r["D"]) for r in rows) == [64, 128]
    assert "ceilings" not in out

    assert main([*argv, "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert [(d["variant"], d["arch"], d["head_dim"], d["registers"]) for d in data] == \
        [(r["variant"], r["arch"], int(r["D"]), int(r["regs"])) for r in rows]

    assert main([*argv, "--check"]) == EXIT_OK  # README: exit 5 over the ceilings; scalar_tiled is within them
    assert "all kernels within the [tool.fcbench.gate] ceilings" in capsys.readouterr().out


@pytest.mark.parametrize("as_json", [False, True])
def test_resources_check_exits_5_over_a_ceiling_with_or_without_json(monkeypatch, capsys, as_json):
    # README: "--check: exit 5 over the [tool.fcbench.gate] ceilings". --json once returned before
    # the check, so a CI step that wanted JSON lost its gate. One spilling kernel, as ptxas reports it:
    from fcbench import resources

    spilled = resources.KernelResources("mma_fused", "sm_100", 64, "mma_fused_kernel<...>", 128, 255, 0, 49152,
                                        88, 76, 0)
    monkeypatch.setattr(resources, "collect", lambda variants, archs, progress=None: [spilled])
    argv = ["resources", "--variant", "mma_fused", "--arch", "sm_100", "--check", *(["--json"] * as_json)]
    assert main(argv) == 5
    out, err = capsys.readouterr()
    assert "mma_fused_kernel<...> (sm_100): 164 B spilled > 0" in (err if as_json else out)
    if as_json:
        assert json.loads(out)[0]["spill_store_bytes"] == 88  # stdout stays the rows alone
    assert main([a for a in argv if a != "--check"]) == EXIT_OK  # without --check: counted, not gated


def test_resources_defaults_are_every_kernel_on_sm_89_and_sm_90(monkeypatch, capsys):
    from fcbench import resources

    compiled = []
    monkeypatch.setattr(resources, "is_cached", lambda variant, arch: True)
    monkeypatch.setattr(resources, "unit_resources", lambda variant, arch: compiled.append((variant.name, arch)) or [])
    def kernels(arch):  # every kernel built for arch (wgmma_fused: sm_90 only)
        return [v.name for v in registry.kernel_variants() if v.target(arch)]

    assert "wgmma_fused" in kernels("sm_90") and "wgmma_fused" not in kernels("sm_89")
    for argv, want in [([], [(k, a) for a in ("sm_89", "sm_90") for k in kernels(a)]),  # README: [--arch sm_89,sm_90]
                       (["--arch", "sm_90"], [(k, "sm_90") for k in kernels("sm_90")]),
                       (["--variant", "wmma_qk,mma_fused"], [(k, a) for a in ("sm_89", "sm_90")
                                                            for k in ("wmma_qk", "mma_fused")])]:
        compiled.clear()
        assert main(["resources", "--json", *argv]) == EXIT_OK
        assert compiled == want, argv
    capsys.readouterr()


def test_check_numbers_of_cases_are_readmes():
    from fcbench import check

    full, quick = re.search(r"on (\d+) cases \((\d+) with --quick\)", cli_section()).groups()
    assert (len(check.cases()), len(check.cases(quick=True))) == (int(full), int(quick))


def test_check_variant_quick_verbose_and_json_on_cpu(monkeypatch, capsys):
    # sdpa_math runs on CPU, in a real measuring process; two cases of the set each flag picks.
    from fcbench import check

    asked = []
    real_cases = check.cases
    monkeypatch.setattr(check, "cases", lambda quick=False: asked.append(quick) or real_cases(quick)[:2])

    assert main(["check", "--variant", "sdpa_math", "--quick"]) == EXIT_OK
    out = capsys.readouterr().out
    assert asked.pop() is True
    summary = _table(out.split("\n", 2)[2])
    assert [(r["variant"], r["pass"]) for r in summary] == [("sdpa_math", "2")]  # --variant: that variant alone

    assert main(["check", "--variant", "sdpa_math", "--verbose"]) == EXIT_OK
    out = capsys.readouterr().out
    assert asked.pop() is False
    for case in real_cases(False)[:2]:  # --verbose: every variant x case
        assert re.search(rf"^sdpa_math\s+{re.escape(case.name)}\s+\S+\s+\S+\s+PASS", out, re.M), case.name

    assert main(["check", "--quick", "--json"]) == EXIT_OK  # no --variant: every registered variant
    data = json.loads(capsys.readouterr().out)
    assert {r["variant"] for r in data["results"]} == {v.name for v in registry.VARIANTS}
    assert {r["verdict"] for r in data["results"] if r["variant"] == "sdpa_math"} == {"PASS"}


@pytest.mark.skipif(torch.cuda.is_available(), reason="the kernels run where there is a GPU")
def test_a_check_that_checked_nothing_cannot_run(monkeypatch, capsys):
    # Kernels alone on a machine without a GPU: every case skipped. That once exited 0, a pass.
    from fcbench import check

    monkeypatch.delenv("FCBENCH_ARCH", raising=False)
    real_cases = check.cases
    monkeypatch.setattr(check, "cases", lambda quick=False: real_cases(quick)[:2])
    assert main(["check", "--variant", "mma_fused", "--quick"]) == EXIT_CANNOT_RUN
    captured = capsys.readouterr()
    assert "could not run: nothing was checked here, every case was skipped (e.g. mma_fused: runs on cuda" \
        in captured.err
    assert re.search(r"^mma_fused\s+0\s+0\s+0\s+0\s+2\s+0\s+-$", captured.out, re.M)  # still shown
    assert main(["check", "--variant", "mma_fused", "--verbose"]) == EXIT_CANNOT_RUN
    assert re.search(r"^mma_fused\s.*\s-\s+-\s+SKIP\s", capsys.readouterr().out, re.M)  # not "nan nan"
    # On an L4-named machine wgmma_fused is "not for sm_89" by design: said, and not a failure.
    monkeypatch.setenv("FCBENCH_ARCH", "sm_89")
    assert main(["check", "--variant", "wgmma_fused", "--quick"]) == EXIT_OK


# ---- GPU commands: no GPU here, so the arguments they pass on --------------------------------------

def test_bench_variant_shape_samples_budget_reach_the_timer(monkeypatch, capsys):
    # Timing needs a CUDA GPU (CUDA events): without one `bench` exits 3 before reading its flags;
    # with one faked, what bench.run is asked for.
    from fcbench import bench, device
    from fcbench.shapes import DEFAULT_SHAPES, Shape

    if not torch.cuda.is_available():
        assert main(["bench", "--variant", "sdpa_math"]) == EXIT_CANNOT_RUN
        assert "timing needs a CUDA GPU" in capsys.readouterr().err
    asked = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(device, "fingerprint", lambda: {"device": "cuda"})
    monkeypatch.setattr(bench, "run", lambda variants, shapes, **kw: asked.append((variants, shapes, kw)) or [])
    assert main(["bench", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == {"device": {"device": "cuda"}, "results": []}
    variants, shapes, kw = asked.pop()
    assert variants == registry.VARIANTS and shapes == list(DEFAULT_SHAPES)
    assert (kw["min_samples"], kw["budget_s"]) == (20, 1.0)  # README: [--min-samples 20] [--budget-s 1.0]
    assert main(["bench", "--variant", "sdpa_math", "--shape", "1,2,128,64,causal", "--shape", "2,4,256,128",
                 "--min-samples", "5", "--budget-s", "0.5", "--json"]) == EXIT_OK
    variants, shapes, kw = asked.pop()
    assert [v.name for v in variants] == ["sdpa_math"]
    assert shapes == [Shape(1, 2, 128, 64, True), Shape(2, 4, 256, 128)]
    assert (kw["min_samples"], kw["budget_s"]) == (5, 0.5)
    capsys.readouterr()


@pytest.mark.parametrize("flags, says", [
    (["--shape", "1,8,512"], "1,8,512"), (["--shape", "a,b,c,d"], "a,b,c,d"), (["--variant", "foo"], "foo"),
    (["--min-samples", "0"], "--min-samples 0: must be 1 to 300"),
    (["--min-samples", "301"], "--min-samples 301: must be 1 to 300"),
    (["--budget-s", "-1"], "--budget-s -1.0: must be a number of seconds >= 0"),
    (["--budget-s", "nan"], "--budget-s nan: must be")])
def test_bench_names_a_bad_argument_before_it_looks_for_a_gpu(capsys, flags, says):
    # Without a GPU these once all read "timing needs a CUDA GPU" (exit 3); above 300 samples the
    # timer silently stopped at 300, under the "at least --min-samples" README promises.
    assert main(["bench", *flags]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert says in err and "CUDA GPU" not in err


@pytest.mark.parametrize("command, says", [("sanitize", "sanitize runs compute-sanitizer on FlashCore's kernels only"),
                                            ("resources", "resources counts FlashCore's kernels only")])
def test_a_selection_of_sdpa_peers_alone_is_named_not_an_empty_table(capsys, command, says):
    assert main([command, "--variant", "sdpa"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"fcbench {command}: --variant: no FlashCore kernel selected; {says}" in err and "mma_fused" in err


def test_sanitize_variant_tool_and_timeout_reach_the_sanitizer(monkeypatch, capsys):
    # compute-sanitizer needs a GPU; what sanitize.run is asked for, and a bad --tool refused first.
    from fcbench import sanitize

    assert main(["sanitize", "--tool", "memcheck,nope"]) == EXIT_USAGE
    assert "--tool nope: supported: memcheck, racecheck, synccheck, initcheck" in capsys.readouterr().err
    asked = []
    monkeypatch.setattr(sanitize, "run", lambda variants, **kw: asked.append(([v.name for v in variants], kw)) or [])
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    assert main(["sanitize"]) == EXIT_CANNOT_RUN and not asked  # no GPU: said, not run (every run would fail)
    assert "needs a CUDA GPU" in capsys.readouterr().err
    monkeypatch.setattr("torch.cuda.is_available", lambda: True)
    assert main(["sanitize"]) == EXIT_OK
    assert asked.pop() == ([v.name for v in registry.kernel_variants()],
                           {"tools": ("memcheck", "racecheck", "synccheck"), "timeout_s": 120})
    assert main(["sanitize", "--variant", "wmma_qk,sdpa_math", "--tool", "racecheck,initcheck",
                 "--timeout-s", "30"]) == EXIT_OK
    assert asked.pop() == (["wmma_qk"], {"tools": ("racecheck", "initcheck"), "timeout_s": 30})
    capsys.readouterr()


def test_run_quick_and_build_arch_reach_the_steps(monkeypatch, capsys):
    from fcbench import build

    checks, builds = [], []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(cli, "cmd_resources", lambda args: EXIT_OK)
    monkeypatch.setattr(cli, "cmd_check", lambda args: checks.append(args.quick) or EXIT_OK)
    assert main(["run"]) == EXIT_OK and main(["run", "--quick"]) == EXIT_OK
    assert checks == [False, True]
    assert "check --quick of the CPU-capable" in capsys.readouterr().out.rstrip().splitlines()[-3]

    monkeypatch.setattr(build, "build", lambda arch=None: builds.append(arch))  # building needs CUDA torch
    assert main(["build"]) == EXIT_OK and main(["build", "--arch", "sm_89"]) == EXIT_OK
    assert builds == [None, "sm_89"]
    assert main(["build", "--arch", ""]) == EXIT_USAGE and builds == [None, "sm_89"]  # not "the GPU's arch"


def test_ci_pr_needs_base_and_head(capsys):
    assert main(["ci", "pr", "--base", "origin/main"]) == EXIT_USAGE
    assert "--base and --head are required" in capsys.readouterr().err


def test_forget_results_with_variant_is_refused_naming_flags_that_exist(capsys, tmp_path):
    # The refusal named `--failures`, a flag forget never had.
    assert main(["forget", "0123abcd", "--results", "--variant", "sdpa_math", "--machine", "ci-cpu",
                 "--results-dir", str(tmp_path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--variant / --shape narrow only the recorded failures (without --results)" in err
    assert set(FLAG.findall(err)) <= flags_of("forget")
