"""The merge gate: configuration, statistics, verdicts on real asv result files, exit codes,
and an end-to-end record + compare + gate of two real commits of a temporary git repository
(CPU: sdpa_math is timed, the kernels are resource-counted from each commit's sources)."""

import itertools
import json
import math
import re
import subprocess
from pathlib import Path

import pytest

from fcbench import config, gate, history, registry
from fcbench.cli import main

from .conftest import commit

# ---- configuration -------------------------------------------------------------------------

def test_pyproject_config_is_valid_and_asv_mirrors_the_budget():
    from asv.util import load_json

    cfg = config.load()
    asv_conf = load_json(str(registry.REPO_ROOT / "asv.conf.json"), js_comments=True)
    assert asv_conf["regressions_thresholds"] == {".*": cfg.gate.latency_budget}
    assert asv_conf["environment_type"] == "fcbench-layered" and asv_conf["plugins"] == [".fcbench.asv_env"]


def test_budget_overrides_per_variant_and_per_shape():
    cfg = config.parse({"gate": {"latency_budget": 0.03, "latency_budget_overrides": {
        "wmma_qk": 0.05, "wmma_fused_cpasync(1,8,512,64)": 0.08}}})
    assert cfg.gate.budget("wmma_fused_cpasync", "(1,8,512,64)") == 0.08
    assert cfg.gate.budget("wmma_fused_cpasync", "(4,16,2048,64)") == 0.03
    assert cfg.gate.budget("wmma_qk", "(4,16,2048,64,causal)") == 0.05


@pytest.mark.parametrize("table, match", [
    ({"gate": {"latency_budjet": 0.05}}, r"\[tool.fcbench.gate\] unknown key\(s\) latency_budjet; allowed: "),
    ({"gate": {"latency_budget": -0.1}}, r"latency_budget = -0.1: expected a number in \[0, 10\]"),
    ({"gate": {"latency_budget": "5%"}}, r"latency_budget = '5%': expected a number"),
    ({"gate": {"max_registers": 300}}, r"max_registers = 300: expected an integer in \[0, 255\]"),
    ({"gate": {"latency_budget_overrides": {"flash9": 0.1}}}, r"'flash9': unknown variant 'flash9'; known: "),
    ({"gate": {"variants": {"wmma_qk": {"max_regs": 1}}}}, r"variants.wmma_qk\] unknown key\(s\) max_regs"),
    ({"error_floor_relative": 2}, r"error_floor_relative = 2: expected a number in \[0, 1\]"),
])
def test_bad_configuration_names_the_key(table, match):
    with pytest.raises(config.ConfigError, match=match):
        config.parse(table)


def test_per_variant_ceilings_inherit_the_defaults():
    cfg = config.parse({"gate": {"max_smem_bytes": 1000, "variants": {"wmma_qk": {"max_registers": 100}}}})
    assert cfg.gate.ceilings_for("wmma_qk") == config.ResourceCeilings(100, 1000, 0)
    assert cfg.gate.ceilings_for("wmma_fused") == config.ResourceCeilings(255, 1000, 0)


def test_invalid_pyproject_is_a_could_not_run_error(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "pyproject.toml"
    bad.write_text("[tool.fcbench.gate]\nlatency_budget = 'lots'\n")
    monkeypatch.setattr(config, "load", lambda pyproject=None, _real=config.load: _real(bad))
    assert main(["check", "--variant", "sdpa_math", "--quick"]) == 3
    assert "latency_budget = 'lots'" in capsys.readouterr().err


# ---- statistics and exit codes ---------------------------------------------------------------

def test_significance_is_asv_compares_mann_whitney():
    # The gate's significant flag is asv compare's Mann-Whitney test on the two runs' samples:
    # every head sample 5 % above its base sample is significant; the same samples reordered are not.
    a = [1.00 + 0.001 * i for i in range(20)]
    moved = judged(None, {"latency": gate.Entry(a[10], None, a)}, {"latency": gate.Entry(a[10] * 1.05, None,
                                                                                          [x * 1.05 for x in a])})
    assert moved.significant is True and moved.verdict == "FAIL-LATENCY"
    same = judged(None, {"latency": gate.Entry(a[10], None, a)}, {"latency": gate.Entry(a[10], None, a[::-1])})
    assert same.significant is False and same.verdict == "SAME"


def test_exit_code_precedence():
    rows = lambda *verdicts: [gate.Row("v", "s", v) for v in verdicts]  # noqa: E731
    assert gate.exit_code(rows("SAME", "NOISY", "FASTER", "NEW", "SLOWER")) == gate.EXIT_PASS
    assert gate.exit_code(rows("FAIL-LATENCY", "FAIL-RESOURCES")) == gate.EXIT_RESOURCES
    assert gate.exit_code(rows("FAIL-LATENCY", "MISSING", "FAIL-RESOURCES")) == gate.EXIT_CORRECTNESS
    assert gate.exit_code(rows("FAIL-LATENCY")) == gate.EXIT_LATENCY
    assert len({gate.EXIT_PASS, gate.EXIT_CANNOT_RUN, gate.EXIT_CORRECTNESS, gate.EXIT_RESOURCES,
                gate.EXIT_LATENCY, 1, 2}) == 7  # distinct from check's 1 and argparse's 2


def test_the_heading_names_what_exit_4_stands_for_unless_it_is_a_wrong_result():
    def heading(*verdicts):
        rows = [gate.Row("v", f"s{i}", v, base_us=1.0, head_us=2.0, ratio=2.0, budget=0.03) for i, v in enumerate(verdicts)]
        return gate.markdown(rows, "a" * 40, "b" * 40, "l4", gate.exit_code(rows), 0.002).splitlines()[0]

    assert heading("SAME", "FAIL-CORRECTNESS", "FAIL-CORRECTNESS") == "### fcbench gate: FAIL: correctness"
    assert heading("SAME", "MISSING") == "### fcbench gate: FAIL: correctness (MISSING)"
    # each cause once, in table order; verdicts of other exit codes are not causes of this one
    assert heading("HUNG", "FAIL-LATENCY", "FAIL-CORRECTNESS", "HUNG", "CRASHED") == \
        "### fcbench gate: FAIL: correctness (HUNG, FAIL-CORRECTNESS, CRASHED)"
    assert heading("FAIL-LATENCY", "FAIL-RESOURCES") == "### fcbench gate: FAIL: resources"
    assert heading("SAME") == "### fcbench gate: pass"


# ---- the decision rules at their boundaries (no measurement: rows built by hand) -------------

KERNEL_ROW = ("wmma_fused", "(1,8,512,64)")
SIGNIFICANT_SHIFT = 10  # head samples shifted by 10 steps: Mann-Whitney p ~ 3e-5


def _shifted(steps):
    """20 samples 0.1% apart, `steps` of them higher (equal ranks are equal floats: exact ties)."""
    return [(1000 + i + steps) / 1000 for i in range(20)]


STEP = _shifted(0)


def judged(cfg=None, base=None, head=None, key=KERNEL_ROW):
    """gate.evaluate's row for one (variant, shape) from hand-made entries (metric -> Entry or
    value), by default a latency that did not change."""
    def data(entries):
        out = {metric: {} for metric in history.BENCHMARKS}
        for metric, e in entries.items():
            out[metric][key] = e if isinstance(e, gate.Entry) else gate.Entry(e)
        return out

    base = {"latency": gate.Entry(1.0, None, STEP), **(base or {})}
    head = {"latency": gate.Entry(1.0, None, list(reversed(STEP))), **(head or {})}
    (row,) = gate.evaluate(data(base), data(head), cfg or config.GateConfig())
    return row


def latency(ratio, cfg=None, key=KERNEL_ROW, shift=SIGNIFICANT_SHIFT):
    """The row whose head/base medians are exactly `ratio` (base 1.0), its samples `shift` steps apart."""
    return judged(cfg, {"latency": gate.Entry(1.0, None, STEP)}, {"latency": gate.Entry(ratio, None, _shifted(shift))},
                  key)


def test_the_default_budget_is_inclusive():
    budget = config.GateConfig().latency_budget
    at = latency(1 + budget)
    assert (at.verdict, at.ratio, at.budget, at.significant) == ("SLOWER", 1 + budget, budget, True)
    over = latency(math.nextafter(1 + budget, math.inf))
    assert (over.verdict, over.significant) == ("FAIL-LATENCY", True)
    assert gate.exit_code([over]) == gate.EXIT_LATENCY and gate.exit_code([at]) == gate.EXIT_PASS


def test_the_shape_override_beats_the_variant_override_beats_the_default():
    variant, shape = KERNEL_ROW
    cfg = config.parse({"gate": {"latency_budget": 0.03, "latency_budget_overrides": {
        variant: 0.10, f"{variant}{shape}": 0.20}}}).gate
    other_shape = (variant, "(4,16,2048,64)")
    other_variant = ("wmma_qk", shape)
    for key, budget in ((KERNEL_ROW, 0.20), (other_shape, 0.10), (other_variant, 0.03)):
        at, over = latency(1 + budget, cfg, key), latency(math.nextafter(1 + budget, math.inf), cfg, key)
        assert (at.budget, at.verdict) == (budget, "SLOWER"), (key, at)
        assert (over.budget, over.verdict) == (budget, "FAIL-LATENCY"), (key, over)


def test_significance_threshold_is_the_configured_one_and_strict():
    from asv._stats import mann_whitney_u

    _, p = mann_whitney_u(STEP, _shifted(7))
    assert 0.002 < p < 0.003  # just above the default threshold
    assert latency(1.10, shift=7).verdict == "NOISY"
    _, p8 = mann_whitney_u(STEP, _shifted(8))
    assert p8 < 0.002 and latency(1.10, shift=8).verdict == "FAIL-LATENCY"  # just below it
    # The configured threshold reaches the test, and p equal to it is not significant (p < threshold).
    assert latency(1.10, config.GateConfig(significance=p), shift=7).verdict == "NOISY"
    row = latency(1.10, config.GateConfig(significance=math.nextafter(p, 1)), shift=7)
    assert (row.verdict, row.significant) == ("FAIL-LATENCY", True)


def test_error_over_bound_of_exactly_one_passes_and_the_next_float_fails():
    at = judged(base={"error_over_bound": 0.5}, head={"error_over_bound": 1.0})
    assert (at.verdict, at.error_over_bound) == ("SAME", 1.0)
    over = judged(base={"error_over_bound": 0.5}, head={"error_over_bound": math.nextafter(1.0, math.inf)})
    assert over.verdict == "FAIL-CORRECTNESS" and gate.exit_code([over]) == gate.EXIT_CORRECTNESS
    assert judged(head={"error_over_bound": math.inf}).verdict == "FAIL-CORRECTNESS"


@pytest.mark.parametrize("metric, ceiling", [
    ("registers", "max_registers"), ("smem_bytes", "max_smem_bytes"), ("spill_bytes", "max_spill_bytes"),
    ("stack_bytes", "max_stack_bytes")])
def test_a_resource_at_its_ceiling_passes_and_one_more_fails(metric, ceiling):
    for cfg in (config.GateConfig(), config.parse({"gate": {ceiling: 7}}).gate):
        limit = getattr(cfg.ceilings, ceiling)
        at = judged(cfg, base={metric: limit}, head={metric: limit})
        assert at.verdict == "SAME", (cfg, at)
        over = judged(cfg, base={metric: limit}, head={metric: limit + 1})
        assert (over.verdict, gate.exit_code([over])) == ("FAIL-RESOURCES", gate.EXIT_RESOURCES), (cfg, over)
        assert f"{limit + 1} " in over.note and over.note.endswith(f"> {limit}"), over.note


def test_a_variants_own_ceiling_is_the_one_applied():
    cfg = config.parse({"gate": {"variants": {"wmma_fused": {"max_registers": 128}}}}).gate
    assert judged(cfg, head={"registers": 128}).verdict == "SAME"
    assert judged(cfg, head={"registers": 129}).verdict == "FAIL-RESOURCES"
    assert judged(cfg, head={"registers": 129}, key=("wmma_qk", "(1,8,512,64)")).verdict == "SAME"  # the default 255


def test_every_verdict_from_hand_made_rows():
    # Each branch of gate.evaluate on one row, without asv runs (scripts/mutation_score.py judges
    # the gate with these; the end-to-end tests below reach the same branches through real files).
    missing = judged(head={"latency": gate.Entry(math.nan)})
    assert (missing.verdict, missing.base_us, missing.head_us) == ("MISSING", 1e6, None)
    assert gate.exit_code([missing]) == gate.EXIT_CORRECTNESS
    new = judged(base={"latency": gate.Entry(math.nan)}, head={"latency": gate.Entry(2.5e-6, None, STEP)})
    assert (new.verdict, new.base_us, new.head_us, new.ratio) == ("NEW", None, 2.5e-6 * 1e6, None)
    assert gate.exit_code([new]) == gate.EXIT_PASS
    # A failed measurement at head (None) fails correctness, naming what failed and the recorded error;
    # so does one at a row the base could not run.
    for base in ({}, {"latency": gate.Entry(1.0, None, STEP)}):
        failed = gate.evaluate(*_data(base, {"latency": gate.Entry(None)}), config.GateConfig(),
                               {KERNEL_ROW: {"error": "boom"}})
        assert [(r.verdict, r.note) for r in failed] == [("FAIL-CORRECTNESS", "failed at head (latency): boom")]
    assert judged(head={"latency": gate.Entry(None)}).note.endswith("(latency)")  # no error recorded: none shown
    # A crash or hang recorded with the head's results decides the row, whatever its numbers say.
    for failure, verdict in (({"crashed": "signal 11"}, "CRASHED"), ({"hung": "over 3 s"}, "HUNG")):
        (row,) = gate.evaluate(*_data({}, {"latency": gate.Entry(None)}), config.GateConfig(), {KERNEL_ROW: failure})
        assert (row.variant, row.shape, row.verdict, row.note) == (*KERNEL_ROW, verdict, next(iter(failure.values())))
        assert gate.exit_code([row]) == gate.EXIT_CORRECTNESS
    # Faster: head/base is head over base (base 2.0 here, so a swapped division shows).
    faster = judged(base={"latency": gate.Entry(2.0, None, _shifted(SIGNIFICANT_SHIFT))},
                    head={"latency": gate.Entry(1.0, None, STEP)})
    assert (faster.verdict, faster.ratio, faster.significant, faster.base_us) == ("FASTER", 0.5, True, 2e6)
    # An SDPA peer is never gated: far over budget and significant, it is only SLOWER.
    peer = latency(1.5, key=("sdpa_math", KERNEL_ROW[1]))
    assert (peer.verdict, peer.budget, peer.significant) == ("SLOWER", None, True)
    assert latency(1.5).verdict == "FAIL-LATENCY"  # the same numbers for a kernel fail
    # Latency not measured at base (resources only): no ratio, no latency verdict.
    no_base = judged(base={"latency": gate.Entry(math.nan), "registers": 64}, head={"registers": 64})
    assert (no_base.verdict, no_base.ratio, no_base.base_us) == ("SAME", None, None)
    # Resource pairs are (base, head) as measured, None when neither commit measured one.
    regs = judged(base={"registers": 60, "smem_bytes": 1024}, head={"registers": 64, "smem_bytes": 2048})
    assert (regs.registers, regs.smem_bytes) == ((60, 64), (1024, 2048))
    assert (judged().registers, judged().smem_bytes) == (None, None)


def test_too_few_samples_are_judged_by_the_confidence_intervals():
    # asv's Mann-Whitney test cannot reach p < 0.002 with 3 samples a side; is_different then falls
    # back to the 99% confidence intervals asv stored with each result, which the gate must pass on.
    def entry(value, lo, hi):
        return gate.Entry(value, {"ci_99_a": lo, "ci_99_b": hi}, [value] * 3)

    apart = judged(base={"latency": entry(1.0, 0.99, 1.01)}, head={"latency": entry(1.10, 1.09, 1.11)})
    assert (apart.significant, apart.verdict) == (True, "FAIL-LATENCY")
    overlapping = judged(base={"latency": entry(1.0, 0.9, 1.2)}, head={"latency": entry(1.10, 1.0, 1.2)})
    assert (overlapping.significant, overlapping.verdict) == (False, "NOISY")


def test_a_row_no_commit_ran_is_left_out_and_the_rest_kept():
    skipped, kept = ("wmma_qk", "(1,8,512,64)"), KERNEL_ROW
    base = {m: {} for m in history.BENCHMARKS}
    head = {m: {} for m in history.BENCHMARKS}
    base["latency"] |= {skipped: gate.Entry(math.nan), kept: gate.Entry(1.0, None, STEP)}
    head["latency"] |= {skipped: gate.Entry(math.nan), kept: gate.Entry(1.0, None, STEP)}
    assert [(r.variant, r.shape) for r in gate.evaluate(base, head, config.GateConfig())] == [kept]


def _data(base, head, key=KERNEL_ROW):
    out = []
    for entries in (base, head):
        data = {metric: {} for metric in history.BENCHMARKS}
        for metric, e in entries.items():
            data[metric][key] = e
        out.append(data)
    return out


@pytest.mark.parametrize("table, key", [
    ({"gate": {"latency_budget": True}}, "latency_budget"),
    ({"gate": {"max_registers": True}}, "max_registers"),  # bool is an int to Python
    ({"gate": {"latency_budget_overrides": {"wmma_qk": True}}}, "wmma_qk"),
    ({"gate": {"variants": {"wmma_qk": {"max_spill_bytes": False}}}}, "max_spill_bytes"),
    ({"hang_timeout_s": True}, "hang_timeout_s"),
    ({"error_floor_relative": True}, "error_floor_relative"),
])
def test_a_boolean_is_not_a_number(table, key):
    with pytest.raises(config.ConfigError, match=rf"\] {key} = (True|False): expected (a number|an integer)"):
        config.parse(table)


def test_a_toml_boolean_budget_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.fcbench.gate]\nlatency_budget = true\n")
    with pytest.raises(config.ConfigError, match=r"\[tool.fcbench.gate\] latency_budget = True: expected a number"):
        config.load(path)


@pytest.mark.parametrize("content, says", [
    (b"tool = 1\n", "tool = 1: [tool] must be a table"),  # was a TypeError traceback
    (b"[tool.fcbench]\n# \xff\n", "not UTF-8 text"),  # was a decode error naming no file
])
def test_a_pyproject_fcbench_cannot_read_is_named(tmp_path, content, says):
    path = tmp_path / "pyproject.toml"
    path.write_bytes(content)
    with pytest.raises(config.ConfigError, match=re.escape(f"{path}: ") + ".*" + re.escape(says)):
        config.load(path)


def test_a_config_file_named_by_the_environment_must_exist(tmp_path, monkeypatch):
    # FCBENCH_CONFIG names the bar on purpose (ci pr's base); a mistyped path read as "the defaults".
    monkeypatch.setenv(config.CONFIG_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(config.ConfigError, match=re.escape(f"FCBENCH_CONFIG={tmp_path / 'nope.toml'}: no such file")):
        config.load()
    assert config.load(tmp_path / "nope.toml") == config.Config()  # a path the caller gives: the defaults


def test_an_unknown_top_level_key_is_refused():
    # [tool.fcbench] latency_budget = 0.5 (not under .gate) would otherwise leave the 3% in force unseen.
    with pytest.raises(config.ConfigError, match=r"\[tool.fcbench\] unknown key\(s\) latency_budget; allowed: "
                                                 r"error_floor_relative, gate, hang_timeout_s"):
        config.parse({"latency_budget": 0.5})


@pytest.mark.parametrize("key", ["wmma_qk(1, 8, 512, 64)", "wmma_qk(1,8,512,64,1)", "wmma_qk(1,8,512,64,True)",
                                 "wmma_qk(1,8,512,64,CAUSAL)", "wmma_qk(01,8,512,64)", "wmma_qk (1,8,512,64)"])
def test_a_shape_key_not_spelt_as_the_gate_spells_shapes_is_refused(key):
    # parse_shape reads each of these, but the gate looks budgets up by its own spelling: such a
    # key would never match a row, silently leaving the default in force.
    with pytest.raises(config.ConfigError, match=r"expected 'variant' or 'variant\(B,H,S,D\[,causal\]\)'|unknown variant"):
        config.parse({"gate": {"latency_budget_overrides": {key: 0.5}}})


def test_canonical_shape_keys_are_accepted():
    keys = {"wmma_qk(1,8,512,64)": 0.1, "wmma_qk(4,16,2048,64,causal)": 0.2}
    cfg = config.parse({"gate": {"latency_budget_overrides": keys}}).gate
    assert cfg.budget("wmma_qk", "(4,16,2048,64,causal)") == 0.2 and cfg.budget("wmma_qk", "(1,8,512,64)") == 0.1


@pytest.mark.parametrize("value, ok", [(1e-9, True), (0.5, True), (math.nextafter(1e-9, 0), False),
                                       (math.nextafter(0.5, 1), False), (0, False), (1, False), (math.nan, False)])
def test_significance_range_edges(value, ok):
    table = {"gate": {"significance": value}}
    if ok:
        assert config.parse(table).gate.significance == value
    else:
        with pytest.raises(config.ConfigError, match=r"\] significance = .*: expected a number in \[1e-09, 0.5\]"):
            config.parse(table)


# ---- end to end on two real commits -----------------------------------------------------------

@pytest.fixture(scope="module")
def compared(repo, tmp_path_factory):
    """base -> docs-only head -> head planting a register blow-up in wmma_qk; base vs each head measured."""
    results = tmp_path_factory.mktemp("results")
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    docs = commit(repo, "docs only", lambda r: (r / "README.md").write_text((r / "README.md").read_text() + "\n"))

    def blow_up(r):
        unit = r / "csrc/kernels/wmma_qk.cu"
        unit.write_text(unit.read_text().replace("WmmaQkConfig<kHeadDim>::kThreads, 2)", "WmmaQkConfig<kHeadDim>::kThreads, 8)"))

    spill = commit(repo, "wmma_qk: ask for 8 blocks per SM", blow_up)
    variants = ("sdpa_math", "wmma_qk", "wmma_fused")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        for head in (docs, spill):
            args = ["compare", base, head, "--results-dir", str(results), "--machine", "ci-cpu", "--rounds", "2",
                    "--samples", "5", "--variant", ",".join(variants)]
            assert main(args) == 0
    return {"results": results, "base": base, "docs": docs, "spill": spill, "repo": repo}


@pytest.fixture
def in_repo(compared, monkeypatch):
    monkeypatch.chdir(compared["repo"])
    return compared


def gate_rows(compared, head, cfg=None):
    base = gate.load(compared["results"], "ci-cpu", compared["base"])
    return {(r.variant, r.shape): r for r in gate.evaluate(base, gate.load(compared["results"], "ci-cpu", head),
                                                          cfg or config.load().gate)}


def test_results_are_ordinary_asv_results(compared):
    out = subprocess.run(["python", "-m", "asv", "compare", "--config",
                          str(history.asv_config_path(compared["results"])), "--machine", "ci-cpu",
                          compared["base"], compared["docs"]], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "benchmarks.Latency.time_attention('sdpa_math', '(1,2,128,64)')" in out.stdout
    from asv.results import iter_results_for_machine_and_hash

    results = list(iter_results_for_machine_and_hash(str(compared["results"]), "ci-cpu", compared["base"]))
    samples = results[0].get_result_samples("benchmarks.Latency.time_attention",
                                            results[0].get_result_params("benchmarks.Latency.time_attention"))
    assert max(len(s) for s in samples if s) == 2 * 5  # 2 rounds x 5 samples; the second compare replaced the first


def test_record_appends_to_the_history(in_repo, tmp_path):
    from asv.results import iter_results_for_machine_and_hash

    for _ in range(2):
        assert main(["record", in_repo["base"], "--results-dir", str(tmp_path), "--machine", "ci-cpu",
                     "--samples", "4", "--variant", "sdpa_math"]) == 0
    results = next(iter_results_for_machine_and_hash(str(tmp_path), "ci-cpu", in_repo["base"]))
    name = "benchmarks.Latency.time_attention"
    samples = [s for s in results.get_result_samples(name, results.get_result_params(name)) if s]
    assert samples and all(len(s) == 8 for s in samples)  # nothing recorded is lost


def test_results_default_to_the_measured_repository(in_repo):
    # Not fcbench's own checkout: fcbench may be installed from elsewhere than the repo measured.
    assert main(["record", in_repo["base"], "--machine", "ci-cpu", "--samples", "2", "--variant", "sdpa_math"]) == 0
    assert list((in_repo["repo"] / ".asv" / "results" / "ci-cpu").glob(f"{in_repo['base'][:8]}-*.json"))


def test_tflops_is_derived_from_the_latency_samples_not_stored(compared):
    # asv reads every stored number as lower-is-better: a stored TFLOP/s would make asv call a
    # faster kernel a regression. The report derives it from the median latency.
    import statistics

    from asv.results import iter_results_for_machine_and_hash

    from fcbench import report_data
    from fcbench.shapes import Shape

    results = next(iter_results_for_machine_and_hash(str(compared["results"]), "ci-cpu", compared["docs"]))
    assert not any("tflops" in name for name in results.get_all_result_keys())
    latency = "benchmarks.Latency.time_attention"
    params = results.get_result_params(latency)
    at = [i for i, combo in enumerate(itertools.product(*params)) if combo == ("'sdpa_math'", "'(1,2,128,64)'")][0]
    median_s = statistics.median(results.get_result_samples(latency, params)[at])
    hist = report_data.load_history(compared["results"], "ci-cpu")
    at_commit = [c.sha for c in hist.commits].index(results.commit_hash)
    derived = hist.series["tflops"][("sdpa_math", "(1,2,128,64)")][at_commit].value
    assert derived == pytest.approx(Shape(1, 2, 128, 64).flops / median_s / 1e12, rel=1e-3)


def test_docs_only_change_passes(compared):
    rows = gate_rows(compared, compared["docs"])
    assert {r.verdict for r in rows.values()} <= {"SAME", "NOISY", "FASTER", "SLOWER"}
    assert rows[("sdpa_math", "(1,2,128,64)")].ratio is not None
    assert rows[("wmma_qk", "(1,2,128,64)")].registers == (167, 167)


def test_planted_register_blow_up_fails_resources_and_names_the_variant(in_repo, capsys):
    compared = in_repo
    md = compared["results"] / "gate.md"
    md.write_text("### fcbench gate: pass\n")  # an earlier run's verdict: replaced, never led by
    code = main(["gate", compared["base"], compared["spill"], "--results-dir", str(compared["results"]),
                 "--machine", "ci-cpu", "--json", str(compared["results"] / "gate.json"), "--markdown", str(md)])
    assert code == gate.EXIT_RESOURCES
    verdicts = json.loads((compared["results"] / "gate.json").read_text())["rows"]
    failing = {(r["variant"], r["verdict"]) for r in verdicts if r["verdict"].startswith("FAIL")}
    assert failing == {("wmma_qk", "FAIL-RESOURCES")}
    assert "B spilled > 0" in capsys.readouterr().out
    # The PR comment leads with what fails and why, the full table folded below it.
    text = md.read_text()
    assert text.startswith("### fcbench gate: FAIL: resources")
    first = text.index("- **FAIL-RESOURCES** `wmma_qk` (1,2,128,64): ")
    assert "B spilled > 0" in text[first:text.index("\n", first)]
    assert first < text.index("<details><summary>all 6 rows</summary>") < text.index("| wmma_qk | (1,2,128,64) |")


def _plant(compared, head, benchmark, variant, change):
    """Edits head's real asv result file: `change(value, samples)` -> (value, samples)."""
    from asv.results import iter_results_for_machine_and_hash

    results = next(iter_results_for_machine_and_hash(str(compared["results"]), "ci-cpu", head))
    path = Path(compared["results"]) / "ci-cpu" / f"{head[:8]}-{history.ENV_NAME}.json"
    data = json.loads(path.read_text())
    names = data["result_columns"]
    row = data["results"][benchmark]
    params = results.get_result_params(benchmark)
    import itertools

    for i, combo in enumerate(itertools.product(*params)):
        if combo[0] == repr(variant):
            value = row[names.index("result")][i]
            has_samples = len(row) > names.index("samples") and row[names.index("samples")]  # tracks: trimmed
            samples = row[names.index("samples")][i] if has_samples else None
            value, samples = change(value, samples)
            row[names.index("result")][i] = value
            if has_samples:  # a skipped (NaN) or failed (None) result has no samples, as asv writes it
                row[names.index("samples")][i] = samples
    backup = path.read_text()
    path.write_text(json.dumps(data))
    return lambda: path.write_text(backup)


@pytest.mark.parametrize("bench_name, change, verdict, code", [
    ("benchmarks.Quality.track_error_over_bound", lambda v, s: (1.5, s), "FAIL-CORRECTNESS", gate.EXIT_CORRECTNESS),
    ("benchmarks.Quality.track_error_over_bound", lambda v, s: (float("nan"), s), "MISSING", gate.EXIT_CORRECTNESS),
    ("benchmarks.Latency.time_attention", lambda v, s: (None, None), "FAIL-CORRECTNESS", gate.EXIT_CORRECTNESS),
    # x10 / x0.1: far outside this busy CPU's own spread, so the test is about the verdict logic.
])
def test_verdicts_on_real_result_files(compared, bench_name, change, verdict, code):
    head = compared["docs"]
    restore = _plant(compared, head, bench_name, "sdpa_math", change)
    try:
        rows = gate_rows(compared, head)
        got = rows[("sdpa_math", "(1,2,128,64)")]
        if verdict == "MISSING":  # every sdpa_math metric skipped at head
            restore2 = _plant(compared, head, "benchmarks.Latency.time_attention", "sdpa_math",
                              lambda v, s: (float("nan"), None))
            restore3 = _plant(compared, head, "benchmarks.Quality.track_max_abs_error", "sdpa_math",
                              lambda v, s: (float("nan"), None))
            got = gate_rows(compared, head)[("sdpa_math", "(1,2,128,64)")]
            for r in (restore3, restore2):
                r()
        assert got.verdict == verdict, got
        assert gate.exit_code([got]) == code
    finally:
        restore()


def test_a_damaged_file_stops_only_the_gate_of_its_commit(in_repo, capsys):
    # NaN samples at the spill head: gated, "could not run" naming the file and the sample; the
    # gate of the docs head goes on beside it. (Before, the gate compared NaN samples as times.)
    compared = in_repo
    restore = _plant(compared, compared["spill"], "benchmarks.Latency.time_attention", "sdpa_math",
                     lambda v, s: (v, [float("nan")] * len(s)))
    path = Path(compared["results"]) / "ci-cpu" / f"{compared['spill'][:8]}-{history.ENV_NAME}.json"
    try:
        args = ["--results-dir", str(compared["results"]), "--machine", "ci-cpu"]
        assert main(["gate", compared["base"], compared["spill"], *args]) == gate.EXIT_CANNOT_RUN
        assert (f"could not run: damaged result file(s): {path}: benchmarks.Latency.time_attention('sdpa_math', "
                "'(1,2,128,64)'): sample nan is not a time") in capsys.readouterr().out
        assert main(["gate", compared["base"], compared["docs"], *args]) == gate.EXIT_PASS
    finally:
        restore()


def latency_row(compared, base_samples, head_samples, variant="sdpa_math"):
    """The gate's row for `variant` at (1,2,128,64) from the real results of base and the docs
    head, with the latency samples replaced by fixed ones (stats by asv's own compute_stats):
    latency verdicts must not depend on this machine's noise."""
    from asv_runner.statistics import compute_stats

    base = gate.load(compared["results"], "ci-cpu", compared["base"])
    head = gate.load(compared["results"], "ci-cpu", compared["docs"])
    key = (variant, "(1,2,128,64)")
    for data, samples in ((base, base_samples), (head, head_samples)):
        data["latency"][key] = gate.Entry(*compute_stats(samples, 1), samples)
    return {(r.variant, r.shape): r for r in gate.evaluate(base, head, config.load().gate)}[key]


STEADY = [100e-6 + i * 0.05e-6 for i in range(20)]  # 1% spread, like the H100 kernel rows


def test_latency_verdicts(compared, monkeypatch):
    monkeypatch.setattr(gate, "is_kernel_name", lambda name: True)  # judge sdpa_math's row as a kernel's
    slower = latency_row(compared, STEADY, [x * 1.10 for x in STEADY])
    assert (slower.verdict, slower.significant, round(slower.ratio, 2)) == ("FAIL-LATENCY", True, 1.1)
    assert gate.exit_code([slower]) == gate.EXIT_LATENCY
    within = latency_row(compared, STEADY, [x * 1.02 for x in STEADY])  # 2% < the 3% budget
    assert (within.verdict, within.significant) == ("SLOWER", True)
    faster = latency_row(compared, STEADY, [x * 0.9 for x in STEADY])
    assert faster.verdict == "FASTER"
    same = latency_row(compared, STEADY, list(reversed(STEADY)))
    assert (same.verdict, same.significant) == ("SAME", False)


def test_a_slower_peer_is_shown_not_gated(compared):
    row = latency_row(compared, STEADY, [x * 1.5 for x in STEADY])
    assert (row.verdict, row.note, row.budget) == ("SLOWER", "SDPA peer: shown, not gated", None)


def test_noisy_when_over_budget_but_not_significant(compared, monkeypatch):
    # 20% slower, but 3 samples a side cannot reach p < 0.002 with Mann-Whitney and the 99%
    # intervals overlap: shown as NOISY, not failed. (sdpa_math judged as if it were a kernel.)
    monkeypatch.setattr(gate, "is_kernel_name", lambda name: True)
    base = gate.load(compared["results"], "ci-cpu", compared["base"])
    head = gate.load(compared["results"], "ci-cpu", compared["docs"])
    key = ("sdpa_math", "(1,2,128,64)")
    base["latency"][key] = gate.Entry(100e-6, {"ci_99_a": 80e-6, "ci_99_b": 125e-6}, [99e-6, 100e-6, 101e-6])
    head["latency"][key] = gate.Entry(120e-6, {"ci_99_a": 95e-6, "ci_99_b": 150e-6}, [119e-6, 120e-6, 121e-6])
    row = {(r.variant, r.shape): r for r in gate.evaluate(base, head, config.load().gate)}[key]
    assert (row.verdict, row.significant, round(row.ratio, 2)) == ("NOISY", False, 1.2)


def test_gate_without_results_cannot_run(in_repo, capsys):
    compared = in_repo
    assert main(["gate", compared["base"], compared["spill"], "--results-dir", str(compared["results"]),
                 "--machine", "no-such-machine"]) == gate.EXIT_CANNOT_RUN
    out = capsys.readouterr().out
    # It names where `fcbench record` writes: gate's default is .asv/compare, record's .asv/results;
    # and, where the machine has no directory there, the machines that do.
    assert "no results for" in out and "--results-dir" in out and ".asv/results" in out
    machines = sorted(p.name for p in compared["results"].iterdir() if p.is_dir())
    assert f"(machines there: {', '.join(machines)}; --machine says which)" in out


def test_markdown_goes_to_the_step_summary(in_repo, tmp_path, monkeypatch):
    compared = in_repo
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    main(["gate", compared["base"], compared["docs"], "--results-dir", str(compared["results"]), "--machine", "ci-cpu"])
    text = summary.read_text()
    assert text.startswith("### fcbench gate: pass") and "| sdpa_math | (1,2,128,64) |" in text


def test_bad_ref_cannot_run(in_repo, capsys):
    compared = in_repo
    assert main(["compare", "nope", compared["docs"], "--results-dir", str(compared["results"])]) == 3
    assert "could not run: git rev-parse" in capsys.readouterr().err



def test_head_first_swaps_the_order_not_the_sides(in_repo, tmp_path, monkeypatch, capsys):
    from fcbench import history

    base, head = in_repo["base"], in_repo["spill"]
    order = []
    measure_commits = history.measure_commits
    monkeypatch.setattr(history, "measure_commits", lambda roots, *a, **k: order.append(list(roots)) or
                        measure_commits(roots, *a, **k))
    assert main(["compare", base, head, "--head-first", "--gate", "--results-dir", str(tmp_path), "--machine", "ci-cpu",
                 "--rounds", "1", "--samples", "3", "--variant", "sdpa_math,wmma_qk"]) == gate.EXIT_RESOURCES
    assert order == [[head, base]]  # the head's worker builds, checks and measures first
    assert f"measured {base[:8]} and {head[:8]} interleaved" in capsys.readouterr().out  # still base -> head
    rows = {(r.variant, r.shape): r for r in gate.evaluate(gate.load(tmp_path, "ci-cpu", base),
                                                           gate.load(tmp_path, "ci-cpu", head), config.load().gate)}
    assert rows["wmma_qk", "(1,2,128,64)"].registers[0] > rows["wmma_qk", "(1,2,128,64)"].registers[1]  # the head spills


def test_gate_variant_and_shape_narrow_the_rows(in_repo, tmp_path):
    compared = in_repo
    out = tmp_path / "gate.json"
    common = ["gate", compared["base"], compared["spill"], "--results-dir", str(compared["results"]),
              "--machine", "ci-cpu", "--json", str(out)]
    assert main([*common, "--variant", "wmma_fused"]) == gate.EXIT_PASS  # wmma_qk's blow-up is not gated
    assert {r["variant"] for r in json.loads(out.read_text())["rows"]} == {"wmma_fused"}
    assert main([*common, "--variant", "wmma_qk", "--shape", "1,2,128,64"]) == gate.EXIT_RESOURCES
    rows = json.loads(out.read_text())["rows"]
    assert [(r["variant"], r["shape"]) for r in rows] == [("wmma_qk", "(1,2,128,64)")]


def test_a_filter_that_matches_no_recorded_row_cannot_run(in_repo, capsys):
    # A mistyped --shape once gated nothing and passed ("0 failing of 0; exit 0").
    common = ["gate", in_repo["base"], in_repo["spill"], "--results-dir", str(in_repo["results"]), "--machine", "ci-cpu"]
    assert main([*common, "--variant", "wmma_qk", "--shape", "2,2,2,64"]) == gate.EXIT_CANNOT_RUN
    out = capsys.readouterr().out
    assert "could not run: no recorded row of" in out
    assert "matches --variant wmma_qk and --shape (2,2,2,64); recorded: " in out and "(1,2,128,64)" in out


def test_asv_compare_of_the_same_samples_says_where_it_disagrees_with_the_gate(compared, monkeypatch):
    # ci pr shows `asv compare` over the comparison's own result files beside the gate's verdict.
    # sdpa_math's head made 10x slower in the real result file: asv flags it (+); the gate does
    # too once sdpa_math is judged as a kernel, and the reasons for each disagreement are named.
    from dataclasses import replace

    from fcbench import asv_compare

    base, head, results = compared["base"], compared["docs"], Path(compared["results"])
    # The same fixed samples at both commits (this machine's own timings are not the subject),
    # then the head's 10x slower.
    steady = lambda v, s: (STEADY[10], list(STEADY))  # noqa: E731
    restore_base = _plant(compared, base, "benchmarks.Latency.time_attention", "sdpa_math", steady)
    restore = _plant(compared, head, "benchmarks.Latency.time_attention", "sdpa_math", steady)
    try:
        code, out = asv_compare.run(results, "ci-cpu", base, head, 1.03)
        assert code == 0 and not [r for r in asv_compare.parse(out) if r.metric == asv_compare.LATENCY], out
    finally:
        restore()
    restore = _plant(compared, head, "benchmarks.Latency.time_attention", "sdpa_math",
                     lambda v, s: (STEADY[10] * 10, [x * 10 for x in STEADY]))
    try:
        code, out = asv_compare.run(results, "ci-cpu", base, head, 1.03)
        flagged = [(r.variant, r.mark) for r in asv_compare.parse(out) if r.metric == asv_compare.LATENCY]
        assert code == 0 and flagged == [("sdpa_math", "+"), ("sdpa_math", "+")], out
        peer = list(gate_rows(compared, head).values())
        (line, *_) = asv_compare.disagreements(asv_compare.parse(out), peer, 1.03)
        assert line.startswith("`sdpa_math` (1,2,128,64): asv + x") and "an SDPA peer" in line, line
        monkeypatch.setattr(gate, "is_kernel_name", lambda name: True)
        kernel = list(gate_rows(compared, head).values())
        assert {r.verdict for r in kernel if r.variant == "sdpa_math"} == {"FAIL-LATENCY"}
        md = asv_compare.markdown(code, out, kernel, 1.03, base, head)
        assert "latency rows 2 slower, 0 faster, 0 failed at head" in md and "agree on every row" in md, md
        loose = replace(config.load().gate, latency_budget_overrides={"sdpa_math": 20.0})
        lines = asv_compare.disagreements(asv_compare.parse(out), list(gate_rows(compared, head, loose).values()), 1.03)
        assert len(lines) == 2 and all("gate SLOWER: this row's budget is 2000%" in x for x in lines), lines
        code, out = asv_compare.run(results, "ci-cpu", base, head, 20.0)  # asv's factor above the 10x
        lines = asv_compare.disagreements(asv_compare.parse(out), kernel, 20.0)
        assert len(lines) == 2 and all("gate FAIL-LATENCY x" in x and "asv does not flag it" in x for x in lines), lines
    finally:
        restore()
        restore_base()
    assert "could not run (exit 1)" in asv_compare.markdown(1, "no such machine", [], 1.03, base, head)


def test_the_comment_links_main_s_chart_of_each_row_the_pr_moved():
    from fcbench import ci

    rows = [gate.Row("wmma_fused", "(1,8,512,64)", "FAIL-LATENCY", base_us=10.0, head_us=11.0),
            gate.Row("wmma_qk", "(4,16,2048,64)", "SAME", base_us=10.0, head_us=10.0),
            gate.Row("mma_fused", "(1,8,512,64)", "NEW", head_us=9.0),
            gate.Row("sdpa_flash", "(4,16,2048,64,causal)", "FASTER", base_us=10.0, head_us=9.0)]
    text = ci.history_links(rows, "l4", "https://org.github.io/fcbench/")
    assert text.splitlines()[1:] == [
        "#### Main's history of the rows this pull request moved", "",
        "- `wmma_fused` (1,8,512,64), FAIL-LATENCY: [latency over main's commits]"
        "(https://org.github.io/fcbench/static/l4/wmma_fused/latency-1-8-512-64.svg)",
        "- `sdpa_flash` (4,16,2048,64,causal), FASTER: [latency over main's commits]"
        "(https://org.github.io/fcbench/static/l4/sdpa_flash/latency-4-16-2048-64-causal.svg)"]
    assert ci.history_links(rows, "l4", "") == ""  # no published report: no links


@pytest.mark.parametrize("narrowed", [[], ["--variant", "sdpa_math"], ["--shape", "1,2,128,64"]])
def test_compare_gates_what_the_heads_suite_dropped_unless_narrowed(in_repo, tmp_path, monkeypatch, narrowed):
    base, head = in_repo["base"], in_repo["docs"]
    asked = {}

    def run(refs, **kw):
        asked["grids"] = kw["grids"]
        return {"machine": "ci-cpu", "shas": refs, "phases": {"total": 1.0},
                "grids": {base: (("wmma_qk", "sdpa_math"), ("(1,2,128,64)",)), head: (("sdpa_math",), ("(1,2,128,64)",))}}

    def gate_run(*args, **kw):
        asked["findings"] = kw["findings"]
        return gate.EXIT_PASS, ""

    monkeypatch.setattr(history, "run", run)
    monkeypatch.setattr(gate, "run", gate_run)
    main(["compare", base, head, "--gate", "--results-dir", str(tmp_path), "--machine", "ci-cpu", *narrowed])
    assert asked["grids"] == (not narrowed)
    if narrowed:  # a question about some rows, not the suite
        assert asked["findings"] is None
    else:
        assert [(r.variant, r.shape, r.verdict) for r in asked["findings"]] == [("wmma_qk", "every shape", "MISSING")]


def test_a_checkout_without_its_own_fcbench_has_no_grid(tmp_path):
    # Python would find an installed fcbench, whose answer is this harness's, not the commit's (or,
    # where fcbench is not installed, none).
    with pytest.raises(history.CouldNotRun, match="its fcbench came from .*, not from the checkout|No module named"):
        history.suite_grid(tmp_path)
    (tmp_path / "fcbench").mkdir()
    (tmp_path / "fcbench" / "__init__.py").write_text("raise ImportError('planted')")
    with pytest.raises(history.CouldNotRun, match="ImportError: planted"):
        history.suite_grid(tmp_path)


def test_a_commit_from_before_tracked_variants_tracks_its_whole_registry(tmp_path):
    package = tmp_path / "fcbench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "registry.py").write_text("class V:\n    def __init__(self, name): self.name = name\n"
                                         "VARIANTS = (V('old_kernel'), V('sdpa_math'))\n")
    (package / "measure.py").write_text("def tracked_shapes(): return ['(1,2,128,64)']\ndef shape_label(s): return s\n")
    assert history.suite_grid(tmp_path) == (("old_kernel", "sdpa_math"), ("(1,2,128,64)",))
