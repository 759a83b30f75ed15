"""Mutation score of fcbench's decision modules (issue 27 item 1): mutmut 3 mutates one module at a
time and runs a fast test selection against each mutant; prints killed / total per module and
every surviving mutant's diff.

Usage: nice -n 19 .venv/bin/python scripts/mutation_score.py [MODULE...]   (default: every module
below; `list` names them). Needs `pip install mutmut==3.8.1` in the venv (not in the test extras:
.ci/run does not run this). Not the kernel plants of scripts/mutation-test.sh: those mutate CUDA
kernels on a GPU; this mutates fcbench's own Python on any machine, in 10 s to 4 minutes a module
(2 shared cores; supervise.py is the slowest: each mutant starts real, if torch-free, worker processes).

Why mutmut 3: it rewrites each function into a trampoline that switches between the original and
its mutants in one process, records which tests reach which function, and forks per mutant, so a
mutant costs its covering tests (milliseconds) instead of a pytest start with torch (5 s). Its
operators cover what the gate's decisions hinge on: comparison swaps (< <= > >=, == !=, in / not
in, is / is not), and / or, `not` removed, numbers +1, True/False, return / assignment to None,
break for continue, and string edits ("XX...XX", case).

Each module runs in a scratch copy of this working tree (tracked and untracked files; mutmut writes
its mutants/ there, never here) with a setup.cfg naming the module (only_mutate), the tests that
judge it and the functions whose mutants are scored. Functions not scored are mutated but only
reported: formatting of tables and markdown (`fcbench.gate.markdown`) and the I/O that feeds the
decisions (loading asv files, git, worktrees, the measuring loop), which the slow end-to-end tests
cover, not the fast selection. The selections are in-process tests: the measuring process of the
check is replaced by scripted replies (tests/test_check_verdicts.py), supervise.Worker runs
tests/tiny_worker.py (the worker's protocol without torch), ci pr's stages are recorders
(tests/test_ci_decisions.py), history and store work on hand-made asv files (tests/test_store.py).

Scores count a mutant killed when a test in its module's selection fails; "no tests" (no test of
the selection reaches its function) and timeouts count as not killed. docs/mutation-survivors.md
lists the survivors judged equivalent, with the reason; docs/RESULTS.md has the numbers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The pure tests of tests/test_gate.py: configuration parsing and the decision rules at their
# boundaries, on rows built by hand (no asv run, no git repository: 3 s for all of them).
GATE_PURE = [
    "tests/test_gate.py::test_budget_overrides_per_variant_and_per_shape",
    "tests/test_gate.py::test_bad_configuration_names_the_key",
    "tests/test_gate.py::test_per_variant_ceilings_inherit_the_defaults",
    "tests/test_gate.py::test_exit_code_precedence",
    "tests/test_gate.py::test_the_default_budget_is_inclusive",
    "tests/test_gate.py::test_the_shape_override_beats_the_variant_override_beats_the_default",
    "tests/test_gate.py::test_significance_threshold_is_the_configured_one_and_strict",
    "tests/test_gate.py::test_error_over_bound_of_exactly_one_passes_and_the_next_float_fails",
    "tests/test_gate.py::test_a_resource_at_its_ceiling_passes_and_one_more_fails",
    "tests/test_gate.py::test_a_variants_own_ceiling_is_the_one_applied",
    "tests/test_gate.py::test_a_boolean_is_not_a_number",
    "tests/test_gate.py::test_a_toml_boolean_budget_is_refused_naming_the_key",
    "tests/test_gate.py::test_an_unknown_top_level_key_is_refused",
    "tests/test_gate.py::test_a_shape_key_not_spelt_as_the_gate_spells_shapes_is_refused",
    "tests/test_gate.py::test_canonical_shape_keys_are_accepted",
    "tests/test_gate.py::test_significance_range_edges",
    "tests/test_gate.py::test_every_verdict_from_hand_made_rows",
    "tests/test_gate.py::test_too_few_samples_are_judged_by_the_confidence_intervals",
    "tests/test_gate.py::test_a_row_no_commit_ran_is_left_out_and_the_rest_kept",
]

# module -> (tests that judge it, functions scored (regex on mutmut's mangled name), why enough)
MODULES = {
    "fcbench/gate.py": (
        GATE_PURE,
        r"x_evaluate|x_exit_code|x__value",
        "evaluate and exit_code are the gate's whole decision (verdict per row, exit code per run); "
        "the boundary tests pin each rule at its edge, the hand-made rows each verdict's branch.",
    ),
    "fcbench/config.py": (
        [*GATE_PURE[:3], *GATE_PURE[10:16],
         "tests/test_gate.py::test_a_resource_at_its_ceiling_passes_and_one_more_fails",
         "tests/test_store.py::test_wrong_types_and_malformed_keys_are_config_errors",
         "tests/test_store.py::test_defaults_are_the_documented_ones_and_a_misspelt_table_is_refused",
         "tests/test_store.py::test_each_config_error_names_the_table_the_key_is_in",
         "tests/test_store.py::test_ceiling_range_edges",
         "tests/test_store.py::test_every_configured_value_is_the_one_in_force",
         "tests/test_store.py::test_load_reads_the_repositorys_pyproject_unless_pointed_elsewhere",
         "tests/test_store.py::test_config_changes_name_each_key_that_differs"],
        r"x_|xǁ",  # every function; bar_of (git show of the base's pyproject) is tested by ci pr's tests
        "parse / load / changes are configuration validation and the bar's diff: every key's range, "
        "type and spelling error is raised by parse on a dict; load's tests write small pyproject files.",
    ),
    "fcbench/check.py": (
        [f"tests/test_check_verdicts.py::{t}" for t in (
            "test_check_case_passes_a_right_answer_with_its_error_and_bound",
            "test_check_case_runs_a_peer_once_without_a_poisoned_buffer",
            "test_check_case_fails_an_answer_over_the_bound_and_a_moving_one",
            "test_check_case_names_nan_and_does_not_run_it_twice",
            "test_check_case_skips_what_cannot_run_here_and_a_missing_backend",
            "test_check_case_fails_a_kernel_that_raises_and_passes_on_a_dead_context",
            "test_run_keeps_each_reply_and_asks_with_the_configured_ceiling",
            "test_run_stops_a_variant_after_its_fault_and_keeps_the_log",
            "test_run_keeps_the_log_after_a_hang_alone",
            "test_run_skips_a_kernel_the_checkout_lacks_and_fails_a_harness_error",
            "test_summary_counts_each_verdict_and_the_worst_ratio_of_the_judged",
            "test_the_grids_size_per_dimension",
            "test_the_bound_is_inclusive_and_nothing_over_it_passes")],
        r"x_check_case|x_run|x__result|xǁCheckReportǁ|x_cases",
        "check_case is the verdict of one variant on one case (skip, raise, bound, NaN, race), run and "
        "_result what the check keeps per reply (fault, stand-in after a fault, absent unit, harness "
        "error, the log), summary / failed the counts the exit code comes from, cases the grid. All "
        "in this process: the kernel's call and the measuring process replaced by scripted ones (the "
        "same paths through a real worker are tests/test_check_verdicts.py's planted tests, seconds "
        "each). Not scored: make_inputs / _creeping (input generation, pinned by "
        "tests/test_reference.py's creeping and offset tests), CheckCase.name and as_dict (formatting).",
    ),
    "fcbench/supervise.py": (
        [f"tests/test_supervise.py::{t}" for t in (
            "test_bound_follows_the_base_with_a_floor_and_a_ceiling",
            "test_the_reply_kinds",
            "test_stops_names_the_first_fault_of_each_variant_and_nothing_else",
            "test_first_line_and_a_dead_context",
            "test_the_worker_speaks_past_stray_lines_and_keeps_its_process",
            "test_the_worker_is_told_its_checkout_and_this_harness",
            "test_a_crash_is_reported_and_the_next_request_restarts_with_the_setup",
            "test_a_hang_costs_the_bound_and_kills_the_process",
            "test_a_worker_that_does_not_start_or_fails_its_setup_cannot_run",
            "test_leaving_the_worker_on_an_error_kills_it",
            "test_restarts_add_up_their_cost",
            "test_a_worker_that_will_not_end_is_killed_after_its_wait")],
        r"x_|xǁ",  # every function
        "how a request ends (reply, Python error, CUDA fault, signal, exit, hang), the bound, the "
        "stand-in after a fault, a dead context, a worker that cannot start or set up, restarts and "
        "their cost: supervise.Worker against tests/tiny_worker.py, which speaks the worker's "
        "protocol without torch (milliseconds a start; tests/fake_worker.py, the real worker with "
        "plants, takes seconds and is what the slower tests use).",
    ),
    "fcbench/history.py": (
        ["tests/test_store.py::test_failures_that_are_not_failing_replies_are_not_written",
         *(f"tests/test_store.py::{t}" for t in (
             "test_write_results_stores_each_reply_as_asv_reads_it",
             "test_write_results_without_a_timer_or_device_stores_empty_names",
             "test_a_record_merges_into_the_commits_earlier_results_and_a_compare_replaces_them",
             "test_a_record_of_a_new_key_into_an_unchanged_suite_keeps_the_rest",
             "test_a_damaged_earlier_file_is_refused_before_anything_is_written",
             "test_a_record_never_merges_into_another_machines_file",
             "test_write_failures_keeps_what_is_not_replaced_and_removes_an_empty_file",
             "test_record_keeps_a_value_or_the_reply_and_the_first_failure",
             "test_ran_tells_a_measurement_from_a_failure_and_a_skip"))],
        r"x__record|x_write_results|x__earlier_results|x__grid_with_earlier|x_failures_path|x_read_failures"
        r"|x_write_failures|x_ran__|x_read_benchmark",
        "the write path: what each reply becomes in asv's file (median and samples, NaN for a skip, None "
        "for a failure), what a record keeps of the commit's earlier results and failures and what a "
        "compare replaces, a damaged earlier file refused before writing, and the readers of the same "
        "files. Not scored: the git / asv / worktree plumbing (git, resolve, Checkouts, discover, "
        "asv_config, machine_name, signals) and the measuring loop (measure_commits, run), which "
        "the end-to-end record / compare tests (subprocesses, tens of seconds) cover.",
    ),
    "fcbench/ci.py": (
        [f"tests/test_ci_decisions.py::{t}" for t in (
            "test_check_findings_name_the_first_failing_case_and_count_the_judged_ones",
            "test_sanitizer_findings_are_the_ones_that_did_not_pass",
            "test_history_links_are_for_the_rows_a_pr_moved_and_only_with_a_report",
            "test_pr_runs_every_stage_on_the_heads_checkout_and_returns_the_gates_code",
            "test_pr_does_not_sanitize_what_hung_and_keeps_the_checks_findings_first",
            "test_pr_without_the_sanitizer_stage_and_with_nothing_changed",
            "test_pr_tells_a_change_of_the_bar_first_and_gates_by_the_base",
            "test_pr_appendix_is_asvs_comparison_and_the_history_links",
            "test_pr_refuses_the_same_commit_twice",
            "test_pr_gates_by_the_bar_of_the_base",
            "test_pr_sanitizes_and_shows_progress_on_stderr_unless_told")],
        r"x_|xǁ",  # every function
        "the PR job's decisions: each stage's failures as gate rows (first failing case, counts), "
        "no sanitizer for a kernel that hung, the base's bar and the note of its change, the same "
        "commit refused, the gate's exit code returned, history links for moved rows only. The "
        "stages are replaced by recorders in this process; tests/test_ci_pr.py runs the job end "
        "to end (tens of seconds a run).",
    ),
    "fcbench/store.py": (
        [*(f"tests/test_store.py::{t}" for t in (
            "test_each_damage_is_named_at_its_edge",
            "test_what_a_measurement_can_be_is_kept",
            "test_the_damaged_results_of_one_machine_or_commit",
            "test_failures_have_the_shape_write_failures_gives",
            "test_saving_refuses_what_the_readers_would_call_damaged",
            "test_machine_names_are_directory_names",
            "test_the_lock_is_exclusive_and_a_writer_held_too_long_is_named",
            "test_stale_temporaries_go_and_nothing_else",
            "test_failures_that_are_not_failing_replies_are_not_written",
            "test_written_files_get_the_mode_a_plain_open_gives"))],
        r"x_validate_machine|x_lock|x_remove_stale_temporaries|x_save_results|x_save_failures|x__is_number_or_none"
        r"|x__is_literal|x__bad_measurement|x_check_result_file|x_check_failures|x_check_file|x_damaged_files",
        "the store's validation: every reason a result or failures file is damaged, at its edge, and "
        "what a measurement may be (a skip, a failure, +inf error, the smallest time), which files "
        "damaged_files reads, saving refused before writing, machine names, the writers' lock. Hand-"
        "made files from history.write_results, in this process. Not scored: write_atomic / _umask "
        "(all-or-nothing writes: a writer killed mid-write, a subprocess test) and the worktree "
        "clean-up (_pid_alive, stale_worktrees, prune_worktrees: git, a killed run's test).",
    ),
    "fcbench/reference.py": (
        [*(f"tests/test_reference.py::{t}" for t in (
            "test_reference_matches_a_hand_computed_case",
            "test_uniform_attention_gives_the_mean_of_v",
            "test_error_is_inf_for_nan_and_the_bound_rejects_it",
            "test_bound_arithmetic",
            "test_floor_is_two_fp16_roundings_of_the_largest_output",
            "test_a_wrong_kernel_fails_the_bound",
            "test_creeping_inputs_catch_a_kernel_that_skips_small_rescales",
            "test_offset_inputs_catch_a_forgotten_normalisation_term",
            "test_the_causal_bound_is_the_causal_fp16_paths_error",
            "test_an_fp16_path_that_overflows_leaves_the_bound_undefined",
            "test_the_reference_is_fp64_up_to_its_size_limit_then_fp32")),
         "tests/test_check_verdicts.py::test_the_bound_is_inclusive_and_nothing_over_it_passes",
         "tests/test_check_verdicts.py::test_the_floor_decides_where_the_fp16_math_path_is_exact"],
        r"x_|xǁ",  # every function
        "the one reference and the one pass rule: the reference's math (mask, precision), the fp16 "
        "baseline, the error (inf for NaN/Inf), the bound's arithmetic and its inclusive edge, the floor.",
    ),
}


def scratch_copy(dest: Path) -> None:
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for f in filter(None, files):
        src = ROOT / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)


def run_module(module: str, keep: bool) -> tuple[int, int, list[str]]:
    tests, scored, _why = MODULES[module]
    work = Path(tempfile.mkdtemp(prefix="fcbench-mutation-"))
    scratch_copy(work)
    (work / "setup.cfg").write_text("[mutmut]\nsource_paths=fcbench/\nonly_mutate=" + module + "\n"
                                    "also_copy=\n    asv.conf.json\n    csrc/\n    benchmarks/\n"
                                    "pytest_add_cli_args=\n    -p\n    no:cacheprovider\n"
                                    "pytest_add_cli_args_test_selection=\n" + "".join(f"    {t}\n" for t in tests))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = [str(BIN / "mutmut")]
    log = work / "mutmut-run.log"
    with open(log, "w") as f:
        rc = subprocess.run([*mutmut, "run", "--max-children", "2"], cwd=work, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        sys.exit(f"{module}: mutmut run exited {rc}; see {log}")
    out = subprocess.run([*mutmut, "results", "--all", "true"], cwd=work, env=env, capture_output=True, text=True).stdout
    status = dict(re.findall(r"^\s*(\S+): (.+)$", out, re.M))
    judged = {m: s for m, s in status.items() if re.search(scored, m.split(".")[-1])}
    killed = sum(s == "killed" for s in judged.values())
    survivors = sorted((m for m, s in judged.items() if s != "killed"), key=lambda m: (m.rsplit("_", 1)[0], int(m.rsplit("_", 1)[1])))
    print(f"\n== {module}: {killed} / {len(judged)} killed ({100 * killed / max(len(judged), 1):.1f} %) "
          f"of the mutants in scored functions; {len(status) - len(judged)} more in functions not scored")
    for name in survivors:
        diff = subprocess.run([*mutmut, "show", name], cwd=work, env=env, capture_output=True, text=True).stdout
        lines = [ln for ln in diff.splitlines() if re.match(r"^[-+](?![-+])", ln)]
        print(f"-- {name} ({judged[name]})")
        print("\n".join(f"   {ln.strip()}" for ln in lines))
    if keep:
        print(f"(scratch copy kept: {work})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return killed, len(judged), survivors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", help="fcbench/gate.py ... (default: all); `list` names them")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy (mutmut show / mutmut browse there)")
    args = ap.parse_args()
    if args.modules == ["list"]:
        for module, (tests, _scored, why) in MODULES.items():
            print(f"{module}: {len(tests)} tests: {why}")
        return 0
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        ap.error(f"modules: {', '.join(unknown)} not scored here; supported: {', '.join(MODULES)} (or `list`)")
    if not (BIN / "mutmut").exists():
        sys.exit(f"no mutmut in {BIN}: {BIN / 'pip'} install mutmut==3.8.1")
    totals = {m: run_module(m, args.keep)[:2] for m in (args.modules or MODULES)}
    print("\nmodule                 killed / total")
    for module, (killed, total) in totals.items():
        print(f"{module:22} {killed:4} / {total:<4} {100 * killed / max(total, 1):5.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
