"""fcbench report: its data (the gate's verdicts over a history, asv's steps and why they differ,
ratios to the fastest peer, commits from git) on small in-memory histories, and its pages on a
real recorded history (CPU: sdpa_math timed, wmma_qk resource-counted), opened from file:// in
a real headless Chromium driven through the DevTools protocol (CI installs Debian's)."""

import functools
import html
import http.server
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET

import pytest

from fcbench import attribution, config, gate, history, report_data
from fcbench.cli import main
from fcbench.history import BENCHMARKS

from .cdp import Chromium, find_chromium
from .conftest import commit

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package: chromium)")
SHAPE = "(1,8,512,64)"


def _history(levels: dict, *, noise=0.002) -> report_data.History:
    """A history of len(levels[key]) commits whose (variant, shape) medians are the given us,
    each with 20 samples spread by +-noise (what the gate's significance test reads)."""
    n = len(next(iter(levels.values())))
    hist = report_data.History("h100", [report_data.Commit(f"{i:040x}", 1_800_000_000_000 + i * 3_600_000, f"commit {i}",
                                                           "A. Author") for i in range(n)], {"timer": "cuda-events"})
    for i in range(n):
        entries = {m: {} for m in BENCHMARKS}
        for key, values in levels.items():
            v = values[i] * 1e-6
            samples = [v * (1 + noise * ((j % 5) - 2) / 2) for j in range(20)]
            stats = {"q_25": v * (1 - noise / 2), "q_75": v * (1 + noise / 2), "ci_99_a": v * 0.99, "ci_99_b": v * 1.01}
            entries["latency"][key] = gate.Entry(v, stats, samples)
            hist.series["latency"][key].append(report_data.Point(values[i], stats["q_25"] * 1e6, stats["q_75"] * 1e6))
        hist.entries.append(entries)
        hist.failures.append({})
    return hist


def test_verdicts_are_the_gates_own_with_its_budgets_and_overrides():
    key = ("wmma_fused", SHAPE)
    hist = _history({key: [100, 100, 100, 110, 100, 104]})
    previous, from_baseline, _ = report_data.verdicts(hist, config.GateConfig())
    assert previous[key] == [None, "SAME", "SAME", "FAIL-LATENCY", "FASTER", "FAIL-LATENCY"]
    assert from_baseline[key][:5] == ["FAIL-LATENCY"] * 3 + ["FASTER", "FAIL-LATENCY"] and from_baseline[key][5] is None
    loose = config.GateConfig(latency_budget_overrides={f"wmma_fused{SHAPE}": 0.2})
    assert report_data.verdicts(hist, loose)[0][key][3] == "SLOWER"  # within its own 20% budget


def test_a_one_commit_spike_fails_the_gate_and_the_page_says_why_asv_finds_no_step():
    key = ("wmma_fused", SHAPE)
    hist = _history({key: [100] * 6 + [110] + [100] * 6})
    cfg = config.GateConfig()
    previous, _, _ = report_data.verdicts(hist, cfg)
    fitted = report_data.steps(hist, cfg.latency_budget)
    assert report_data.regressions(fitted) == []
    [why] = report_data.explain(hist, fitted, previous, [], cfg)
    assert (why["index"], why["gate"], why["step"]) == (6, "FAIL-LATENCY", "no step")
    assert why["why"].startswith("a one-commit spike (x1.100, back at the next commit)")
    assert "reports only steps that last and are still there at the latest commit" in why["why"]


def test_a_fail_on_a_commit_that_left_the_kernel_alone_says_so_and_never_fixed():
    # The H100 act run's false FAIL, as the page tells it: a docs-only commit the gate failed on
    # latency, the next commit back at the old level. The sentence says the code did not change
    # there and never calls the next commit a fix.
    key = ("wmma_fused", SHAPE)
    hist = _history({key: [100] * 4 + [106] * 2 + [100] * 4})
    cfg = config.GateConfig()
    previous, _, _ = report_data.verdicts(hist, cfg)
    fitted = report_data.steps(hist, cfg.latency_budget)
    same = {"wmma_fused": "digest-a"}
    att = attribution.attribute(hist, cfg, [same] * len(hist.commits))
    said = [s for s in report_data.explain(hist, fitted, previous, [], cfg, att) if s["index"] == 4]
    assert said and said[0]["gate"] == "FAIL-LATENCY", said
    assert said[0]["why"].startswith("wmma_fused's code did not change at this commit (attributed to ")
    assert "fixed" not in said[0]["why"]
    # Where the code did change there, no such prefix.
    changed = [same] * 4 + [{"wmma_fused": "digest-b"}] * 6
    att = attribution.attribute(hist, cfg, changed)
    said = [s for s in report_data.explain(hist, fitted, previous, [], cfg, att) if s["index"] == 4]
    assert said and "code did not change" not in said[0]["why"]


def test_a_step_that_lasts_is_found_by_both_and_needs_no_explanation():
    key = ("wmma_fused", SHAPE)
    hist = _history({key: [100, 101, 100, 130, 131, 130]})
    cfg = config.GateConfig()
    previous, _, _ = report_data.verdicts(hist, cfg)
    fitted = report_data.steps(hist, cfg.latency_budget)
    [step] = report_data.regressions(fitted)
    assert (step["before"], step["after"]) == (2, 3) and step["ratio"] == pytest.approx(1.3, abs=0.02)
    assert report_data.explain(hist, fitted, previous, [], cfg) == []


def test_a_slow_creep_is_a_step_to_asv_and_within_budget_per_commit_to_the_gate():
    key = ("wmma_fused", SHAPE)
    hist = _history({key: [100] * 5 + [102, 104, 106, 108, 110] + [110] * 5}, noise=0.0005)
    cfg = config.GateConfig()
    previous, _, _ = report_data.verdicts(hist, cfg)
    fitted = report_data.steps(hist, cfg.latency_budget)
    assert report_data.regressions(fitted)
    said = report_data.explain(hist, fitted, previous, [], cfg)
    assert said and all("within the 3% budget; asv's fitted levels rose x1.0" in s["why"] for s in said)


def test_peer_steps_are_explained_as_never_gated():
    key = ("sdpa_flash", SHAPE)
    hist = _history({key: [10, 10, 10, 13, 13, 13]})
    cfg = config.GateConfig()
    previous, _, _ = report_data.verdicts(hist, cfg)
    said = report_data.explain(hist, report_data.steps(hist, 0.03), previous, [], cfg)
    assert [s["index"] for s in said] == [3] and "never gated" in said[0]["why"]


def test_latency_relative_to_the_fastest_sdpa_peer_on_each_commit():
    hist = _history({("wmma_fused", SHAPE): [20, 20, 30], ("sdpa_flash", SHAPE): [10, 16, 15],
                     ("sdpa_cudnn", SHAPE): [12, 8, 15]})
    assert report_data.peer_ratios(hist, ("wmma_fused", SHAPE)) == pytest.approx([2.0, 2.5, 2.0])
    assert report_data.fastest_peer(hist, SHAPE, 1) == ("sdpa_cudnn", 8)


def test_pull_request_links_from_a_github_commit_template():
    c = report_data.Commit("a" * 40, 0, "Faster softmax (#42)")
    assert report_data.links(c, "https://github.com/o/r/commit/{sha}") == {
        "url": f"https://github.com/o/r/commit/{'a' * 40}", "pr_url": "https://github.com/o/r/pull/42"}
    assert report_data.links(report_data.Commit("b" * 40, 0, "Merge pull request #7 from x/y"), None) == {}


# ---- a real recorded history ---------------------------------------------------------------

RECORDED: dict = {}  # the site fixture's results directory and commits, for the builds from results alone


@pytest.fixture(scope="module")
def site(repo, tmp_path_factory):
    results = tmp_path_factory.mktemp("history")
    RECORDED.update(results=results, repo=repo)
    out = tmp_path_factory.mktemp("site")
    shas = [subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()]
    shas.append(commit(repo, "docs: a README newline", lambda r: (r / "README.md").write_text(
        (r / "README.md").read_text() + "\n")))
    subprocess.run(["git", "-C", str(repo), "tag", "v0.1", shas[0]], check=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(repo)
        for machine in ("ci-cpu", "ci-other"):
            for sha in shas:
                assert main(["record", sha, "--results-dir", str(results), "--machine", machine, "--samples", "4",
                             "--variant", "sdpa_math,wmma_qk"]) == 0
        gate_json = out.parent / "gate.json"
        gate_json.write_text(json.dumps({"base": shas[0], "head": shas[1], "machine": "ci-cpu", "exit_code": 6, "rows": [
            {"variant": "wmma_qk", "shape": "(1,2,128,64)", "verdict": "FAIL-LATENCY", "ratio": 1.08, "note": ""},
            {"variant": "sdpa_math", "shape": "(1,2,128,64)", "verdict": "SAME", "ratio": 1.0, "note": ""}]}))
        assert main(["report", "--results-dir", str(results), "--out", str(out), "--gate-json", str(gate_json),
                     "--commit-url", "https://example.invalid/commit/{sha}"]) == 0
    return out


def _data(site, machine="ci-cpu") -> dict:
    text = (site / machine / "data.js").read_text()
    return json.loads(text.removeprefix("window.FCBENCH_DATA = ").rstrip().removesuffix(";"))


def test_a_front_page_and_variant_pages_per_machine(site):
    index = (site / "index.html").read_text()
    assert "href='ci-cpu/index.html'" in index and "href='ci-other/index.html'" in index
    for machine in ("ci-cpu", "ci-other"):
        assert (site / machine / "index.html").exists()
        assert {p.name for p in (site / machine).glob("variant-*.html")} == {"variant-sdpa_math.html",
                                                                                "variant-wmma_qk.html"}
    assert _data(site)["gate_rows"] and not _data(site, "ci-other")["gate_rows"]  # a gate file's machine only


def test_commits_as_people_know_them(site):
    data = _data(site)
    old, new = data["commits"]
    assert new["subject"] == "docs: a README newline" and new["author"] == "fcbench-ci"
    assert new["url"] == f"https://example.invalid/commit/{new['sha']}" and old["tags"] == ["v0.1"]
    assert data["clock"] == "host wall time"  # recorded without a GPU: never called GPU time


def test_every_metric_is_in_the_data(site):
    rows = {(r["variant"], r["shape"]): r for r in _data(site)["rows"]}
    math_row, qk_row = rows[("sdpa_math", "(1,2,128,64)")], rows[("wmma_qk", "(1,2,128,64)")]
    assert all(v is not None for v in math_row["metrics"]["latency"] + math_row["q25"] + math_row["peer_ratio"])
    assert math_row["peer_ratio"] == [1.0, 1.0]  # the only peer is the fastest
    assert all(qk_row["metrics"]["registers"]) and all(qk_row["metrics"]["smem_bytes"])  # nvcc alone counts them
    assert math_row["previous"][1] in ("SAME", "SLOWER", "FASTER", "NOISY")  # a peer never fails on latency


def test_pages_fetch_nothing_from_the_network(site):
    pages = [*site.glob("*.html"), *site.glob("ci-*/*.html")]
    for page in pages:
        for ref in re.findall(r"""\b(?:src|href)=["']([^"']+)["']""", page.read_text()):
            assert not re.match(r"https?://", ref), (page, ref)
            assert (page.parent / ref.split("#")[0]).exists(), (page, ref)
    script = (site / "assets" / "report.js").read_text()
    assert "fetch(" not in script and "XMLHttpRequest" not in script


def test_results_asv_cannot_publish_are_a_could_not_run_error(repo, tmp_path, monkeypatch, capsys):
    (tmp_path / "results" / "h100").mkdir(parents=True)  # a machine, but no benchmarks.json
    (tmp_path / "results" / "h100" / "machine.json").write_text('{"machine": "h100", "version": 1}')
    monkeypatch.chdir(repo)
    assert main(["report", "--results-dir", str(tmp_path / "results"), "--out", str(tmp_path / "site")]) == 3
    assert "fcbench report: could not run: asv publish failed" in capsys.readouterr().err


@pytest.mark.parametrize("template, says", [
    ("https://x.invalid/{foo}", "{sha} is its only placeholder"), ("https://x.invalid/{0}", "only placeholder"),
    ("https://x.invalid/{sha.x}", "only placeholder"), ("https://x.invalid/{sha}{", "only placeholder"),
    # A width asked str.format for gigabytes: a MemoryError traceback, or a wrong "has no {sha}".
    ("x{sha:>99999999999}", "only placeholder"), ("https://x.invalid/{sha!r}", "only placeholder"),
    ("https://x.invalid/commit/", "has no {sha}: every commit would link to the same page"),
    ("https://x.invalid/commit/{{sha}}", "has no {sha}")])
def test_a_commit_url_that_is_not_a_sha_template_is_a_usage_error(tmp_path, capsys, template, says):
    # str.format with other fields raised a KeyError / IndexError / AttributeError traceback mid-build.
    assert main(["report", "--results-dir", str(tmp_path), "--out", str(tmp_path / "site"),
                 "--commit-url", template]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"fcbench report: --commit-url {template!r}") and says in err
    assert not (tmp_path / "site").exists()


def test_ci_main_records_head_then_builds_the_report(repo, tmp_path, monkeypatch):
    # What main.yml's job runs. Without a GPU only sdpa_math records, which is enough to see the
    # record and the report it then builds (its report call once died with an AttributeError).
    monkeypatch.chdir(repo)
    monkeypatch.setenv("FCBENCH_MACHINE", "ci-cpu")
    results, out = tmp_path / "results", tmp_path / "site"
    assert main(["ci", "main", "--results-dir", str(results), "--out", str(out)]) == 0
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert list((results / "ci-cpu").glob(f"{head[:8]}-*.json"))
    assert "href='ci-cpu/index.html'" in (out / "index.html").read_text()


def test_asv_site_loads_nothing_from_the_network(site):
    assert (site / "asv" / "index.html").is_file()  # else the loop below checks nothing
    for page in (site / "asv").glob("*.html"):
        assets = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", page.read_text())
        assert assets and not [a for a in assets if re.match(r"https?://", a)], (page.name, assets)
        assert all((site / "asv" / a).exists() for a in assets), page.name


# ---- in Chromium -------------------------------------------------------------------------------

READY = "document.readyState === 'complete' && (!document.getElementById('page') || document.body.dataset.ready === '1')"


@pytest.fixture(scope="module")
def browser():
    with Chromium(CHROMIUM, width=1400, height=1000) as b:
        yield b


@needs_chromium
def test_every_page_loads_from_the_file_system_with_no_console_errors(site, browser):
    pages = [site / "index.html", *sorted(site.glob("ci-*/*.html"))]
    for page in pages:
        browser.errors.clear()
        browser.goto(page.as_uri(), ready=READY)
        assert browser.errors == [], page
        if page.name != "index.html" or page.parent != site:
            assert browser.eval("FC.charts.length") > 0, page  # the charts drew
    assert browser.eval("document.querySelectorAll('#tip').length") <= 1


def _hover_latency(browser, i: int) -> tuple[str, tuple[float, float]]:
    """Moves the mouse onto the page's first chart (a latency chart: its median is data column 3)
    at commit index i, from outside the chart as a hand would; the tooltip's text and the point."""
    x, y = browser.eval(f"""(() => {{ const u = FC.charts[0]; u.root.scrollIntoView();
        const r = u.over.getBoundingClientRect();
        return [r.left + u.valToPos({i}, 'x'), r.top + u.valToPos(u.data[3][{i}], 'y')]; }})()""")
    browser.mouse("mouseMoved", 1, 1)
    browser.mouse("mouseMoved", x, y)
    browser.wait_for("document.getElementById('tip') && !document.getElementById('tip').hidden")
    return browser.eval("document.getElementById('tip').innerText"), (x, y)


@needs_chromium
def test_hovering_a_chart_point_shows_its_commit(site, browser):
    browser.goto((site / "ci-cpu" / "variant-sdpa_math.html").as_uri(), ready=READY)
    text, (x, y) = _hover_latency(browser, 1)
    assert "docs: a README newline" in text and "fcbench-ci" in text and "sdpa_math" in text
    browser.click(x, y)  # pinned: its commit link can be followed
    assert browser.eval("document.querySelector('#tip.pinned a').href").startswith("https://example.invalid/commit/")
    assert browser.errors == []


@needs_chromium
def test_a_fail_markers_tooltip_says_the_ratio_the_budget_and_the_test(browser, tmp_path):
    # mma_fused's v9.1 on the H200 climb: FAIL-LATENCY at (1,8,512,64), x1.138 against the row's
    # own 5% budget (pyproject's override); the marker's line in the tooltip says all of it.
    from fcbench import registry

    results = registry.REPO_ROOT / "docs/validation/2026-12-03-h200/climb-history/results"
    assert main(["report", "--results-dir", str(results), "--out", str(tmp_path / "site")]) == 0
    browser.goto((tmp_path / "site" / "h200" / "variant-mma_fused.html").as_uri(), ready=READY)
    tip, _ = _hover_latency(browser, 2)
    [line] = [t for t in tip.splitlines() if "gate: FAIL-LATENCY vs previous" in t]  # swatch, label, text
    assert re.search(r"this commit vs the one before: x1\.13\d, over 5% and significant \(p < 0\.002\)", line), line
    assert browser.errors == []


@needs_chromium
def test_front_page_sorts_filters_and_clicks_through_to_a_variant_page(site, browser):
    browser.goto((site / "ci-cpu" / "index.html").as_uri() + "#back=1", ready=READY)
    assert browser.eval("document.getElementById('baseline-said').innerText").startswith("commit 1 of 2")
    browser.eval("const f = document.getElementById('filter'); f.value = 'wmma'; f.dispatchEvent(new Event('input'))")
    rows = browser.eval("[...document.querySelectorAll('#kernels tbody tr')].map(r => r.dataset.key)")
    assert rows and all(r.startswith("wmma_qk ") for r in rows)
    browser.eval("const g = document.getElementById('filter'); g.value = ''; g.dispatchEvent(new Event('input'))")
    browser.eval("document.querySelector('#kernels th[data-col=\"2\"]').click()")  # latest us, ascending
    latest = browser.eval("[...document.querySelectorAll('#kernels tbody tr')].map(r => r.children[2].innerText)")
    numbers = [float(v) for v in latest if v != "-"]
    assert numbers == sorted(numbers) and latest[-1] == "-"  # unmeasured last
    x, y = browser.eval("""(() => { const a = [...document.querySelectorAll('a.variant-link')]
        .find(a => a.textContent === 'sdpa_math'); a.scrollIntoView();
        const r = a.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()""")
    browser.click(x, y)
    browser.wait_for("location.pathname.endsWith('variant-sdpa_math.html') && document.body.dataset.ready === '1'")
    assert browser.eval("location.hash") == "#back=1"  # the baseline goes with the reader
    assert browser.eval("document.querySelector('h1').innerText") == "sdpa_math on ci-cpu"
    # The reader edits the hash: the picker and the page follow it, as on a fresh load.
    browser.eval("location.hash = '#back=0'")
    browser.wait_for("document.getElementById('baseline-said').innerText.startsWith('commit 2 of 2')")
    assert browser.eval("document.getElementById('baseline-mode').value") == "back"
    browser.eval("location.hash = '#commit=' + window.FCBENCH_DATA.commits[0].sha.slice(0, 8)")
    browser.wait_for("document.getElementById('baseline-said').innerText.startsWith('commit 1 of 2')")
    assert browser.eval("document.getElementById('baseline-mode').value") == "commit"
    assert browser.eval("document.querySelector('a#front-page').hash") == browser.eval("location.hash")
    assert browser.errors == []


@needs_chromium
def test_the_front_page_says_first_what_moved_worst_first(browser, tmp_path):
    # The climb recorded on the H200: v9.1 is 14% slower than v9.0 at the small shape (the gate's
    # FAIL-LATENCY) and 12-20% faster at the large ones; the page's first lines say so.
    from fcbench import registry

    climb = registry.REPO_ROOT / "docs" / "validation" / "2026-12-01-h200" / "climb"
    assert main(["report", "--results-dir", str(climb / "results"), "--out", str(tmp_path / "site")]) == 0
    browser.goto((tmp_path / "site" / "h200" / "index.html").as_uri(), ready=READY)
    first = browser.eval("document.querySelector('#moved p').innerText")
    label, moved = first.split(": ", 1)
    assert label == "What moved at the latest commit (3, cf8d05ff)", first
    rows = moved.split(" (other rows")[0].split("; ")
    assert rows[0].startswith("code mma_fused (1,8,512,64) 14.82 \u2192 16.86 us (x1.138, net of the machine x1."), rows
    assert [r.split(" ", 3)[:3] for r in rows[1:]] == [["code", "mma_fused", "(4,16,2048,128)"],
                                                       ["code", "mma_fused", "(4,16,2048,64)"]], rows  # x0.805, x0.881
    assert len(rows) == 3  # only mma_fused's code moved: no peer, no other kernel (they moved with the session)
    assert browser.errors == []


@needs_chromium
def test_asv_site_renders_offline_when_served(site, browser):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.errors.clear()
        browser.goto(f"http://127.0.0.1:{server.server_address[1]}/asv/index.html",
                     ready="document.body.innerText.includes('time_attention')")
        dom = browser.eval("document.body.innerText")
    finally:
        browser.goto("about:blank")  # before the server goes: asv's page may still be loading graphs
        server.shutdown()
    # asv's page fills its benchmark list from the JSON; its failure page says "Failed to load".
    assert "Failed to load" not in dom
    assert not [e for e in browser.errors if e.startswith("uncaught")]


# ---- crafted results: nothing from the results branch or git runs in a page (issue 23) --------

# Payloads as a results branch could carry them: markup that runs script where a value is put in
# a page as HTML, and an end of <script> for values put in script.
IMG = """<img src=x onerror="document.title='pwned'">"""
END = """</script><script>document.title='pwned'</script>"""
SHA = "<b id=p>" + END  # not a commit hash: the store leaves its file out as damaged, and names it
TAG = "<img/src='x'/onerror=document.title='pwned'>"  # a valid git tag name (no space)
DAMAGED = "<b id=d>.json"


def _synthetic():
    import importlib.util

    from fcbench import registry

    spec = importlib.util.spec_from_file_location("synthetic_history",
                                                  registry.REPO_ROOT / "scripts" / "synthetic_history.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_history_replaces_only_its_own_output(tmp_path, monkeypatch):
    # OUT was removed whatever it held (a mistyped path cost its files).
    import sys

    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "notes.txt").write_text("keep")
    script = str(_synthetic().__file__)
    out = subprocess.run([sys.executable, script, str(victim), "--commits", "3"], capture_output=True, text=True)
    assert out.returncode == 2 and "OUT: " in out.stderr and "is not an earlier output of this script" in out.stderr
    assert (victim / "notes.txt").read_text() == "keep"
    out = subprocess.run([sys.executable, script, str(tmp_path / "new"), "--commits", "0"], capture_output=True,
                         text=True)
    assert out.returncode == 2 and "--commits 0: must be at least 1" in out.stderr


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    """fcbench's pages and asv's site built from a results directory and a git repository whose
    every string a page shows is a payload: the machine's name and fields, the device's name, a
    variant's name, benchmarks.json's pretty_name and code, a commit hash, commit subjects and
    author, a tag, a gate JSON file's note, a damaged file's name."""
    from fcbench import report

    synthetic = _synthetic()
    root = tmp_path_factory.mktemp("crafted")
    repo, results, out = root / "repo", root / "results", root / "site"
    subprocess.run(["git", "init", "-qb", "main", str(repo)], check=True)
    shas = []
    for subject in ("first", IMG, END):
        subprocess.run(["git", "-C", str(repo), "-c", f"user.name={IMG}", "-c", "user.email=x@example.invalid",
                        "commit", "-q", "--allow-empty", "-m", subject], check=True)
        shas.append(subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                                   check=True).stdout.strip())
    subprocess.run(["git", "-C", str(repo), "tag", TAG, shas[1]], check=True)

    machine = IMG
    (results / machine).mkdir(parents=True)
    (results / machine / "machine.json").write_text(json.dumps(
        {"machine": machine, "version": 1, "cpu": IMG, "os": END, "arch": "x86_64", "num_cpu": "2", "ram": "1"}))
    found = synthetic.benchmarks()
    for name in BENCHMARKS.values():
        found[name]["params"][0].extend([repr(IMG), repr(END)])  # variants named IMG and END
    found[BENCHMARKS["latency"]].update(pretty_name=IMG, code=END + IMG)
    (results / "benchmarks.json").write_text(json.dumps(found, indent=1))
    base, rng = synthetic.base_values(), random.Random(23)
    for values in base.values():
        for (variant, shape), v in list(values.items()):
            if variant == "sdpa_math":
                values[(IMG, shape)] = values[(END, shape)] = v
    for i, sha in enumerate(shas):
        m = synthetic.measured(sha, i, base, rng)
        m.info["device"]["name"] = END
        history.write_results(results, machine, m, found, (1_790_000_000 + 3600 * i) * 1000, append=False)
    latest = json.loads(next((results / machine).glob(f"{shas[-1][:8]}-*.json")).read_text())
    latest.update(commit_hash=SHA, date=latest["date"] + 3_600_000)  # a commit git has never seen
    (results / machine / "crafted-fcbench.json").write_text(json.dumps(latest))
    (results / machine / DAMAGED).write_text("{")
    gate_json = root / "gate.json"
    gate_json.write_text(json.dumps({"base": shas[0], "head": shas[2], "machine": machine, "exit_code": 6, "rows": [
        {"variant": "sdpa_math", "shape": "(1,8,512,64)", "verdict": "FAIL-LATENCY", "ratio": None, "note": END}]}))
    before = {p: p.read_bytes() for p in results.rglob("*") if p.is_file()}
    report.build(results, out, repo=repo, cfg=config.GateConfig(), gate_json=[gate_json])
    assert {p: p.read_bytes() for p in results.rglob("*") if p.is_file()} == before  # the results are never changed
    return out


NOTHING_RAN = """(() => {
    const injected = [...document.querySelectorAll('img')].filter(i => !/swallow\\.png$/.test(i.src)).length
        + document.querySelectorAll('#p, #d, [onerror], [onload]').length
        + [...document.scripts].filter(s => !s.src).length;
    return {title: document.title, injected};
})()"""


def _data_of(page) -> dict:
    return json.loads((page.parent / "data.js").read_text().removeprefix("window.FCBENCH_DATA = ").rstrip()
                      .removesuffix(";"))


def test_crafted_values_are_escaped_in_the_html_fcbench_writes(crafted):
    [front] = [p for p in crafted.glob("*/index.html") if p.parent.name != "asv"]
    data = _data_of(front)
    pages = [crafted / "index.html", front, *front.parent.glob("variant-*.html")]
    assert len(pages) == 2 + len(data["variants"]) and (front.parent / data["variants"][-1]["page"]).exists()
    for page in pages:
        text = page.read_text()
        assert text.count('<meta http-equiv="Content-Security-Policy"') == 1, page
        assert "script-src 'self'" in text and not re.search(r"<script(?![^>]*\bsrc=)", text), page
        assert IMG not in text and END not in text and "<b id=" not in text, page
    data_js = (front.parent / "data.js").read_text()
    assert "<" not in data_js and SHA not in {c["sha"] for c in data["commits"]}  # \u003c in the file; no crafted hash


@needs_chromium
def test_crafted_values_run_nothing_and_read_as_written_in_fcbench_pages(crafted, browser):
    [front] = [p for p in crafted.glob("*/index.html") if p.parent.name != "asv"]
    data = _data_of(front)
    browser.goto("about:blank")
    browser.errors.clear()
    browser.goto((crafted / "index.html").as_uri(), ready=READY)
    assert browser.eval(NOTHING_RAN) == {"title": "fcbench report", "injected": 0}
    text = browser.eval("document.body.innerText")
    for shown in (IMG, END, DAMAGED, "crafted-fcbench.json"):  # machine, device, the damaged files (one a crafted hash)
        assert shown in text, shown
    browser.goto(front.as_uri(), ready=READY)
    assert browser.eval(NOTHING_RAN) == {"title": f"fcbench: {IMG}", "injected": 0}
    assert browser.eval("document.querySelector('h1').textContent") == f"fcbench: {IMG}"
    text = browser.eval("document.body.textContent")  # option texts too: the commits' subjects
    for shown in (f"2. {data['commits'][1]['sha'][:8]}", IMG, END, TAG):
        assert shown in text, shown
    variant = next(v for v in data["variants"] if v["name"] == IMG)
    links = browser.eval("[...document.querySelectorAll('a.variant-link')].map(a => [a.textContent, a.href])")
    assert {href.split("/")[-1].split("#")[0] for text, href in links if text == IMG} == {variant["page"]}
    browser.goto((front.parent / variant["page"]).as_uri(), ready=READY)
    assert browser.eval(NOTHING_RAN) == {"title": f"{IMG} on {IMG}", "injected": 0}
    tip, _ = _hover_latency(browser, 1)
    assert IMG in tip and TAG in tip, tip  # the subject, the author, the tag: as text
    assert browser.eval(NOTHING_RAN)["injected"] == 0
    other = next(v for v in data["variants"] if v["name"] == END)
    browser.goto((front.parent / other["page"]).as_uri(), ready=READY)
    assert browser.eval(NOTHING_RAN) == {"title": f"{END} on {IMG}", "injected": 0}
    assert browser.eval("FC.charts.length") > 0
    assert browser.errors == []
    # The policy itself: a script the page's own code might insert does not run.
    browser.eval("document.body.append(Object.assign(document.createElement('script'), "
                 "{textContent: \"document.title = 'pwned'\"}))")
    assert browser.eval("document.title") == f"{END} on {IMG}"
    assert any("Content Security Policy" in e for e in browser.errors)
    browser.errors.clear()


def test_asv_publishes_from_a_copy_without_markup(crafted):
    index = json.loads((crafted / "asv" / "index.json").read_text())
    latency = index["benchmarks"][BENCHMARKS["latency"]]
    assert latency["pretty_name"] == "\u2039img src=x onerror='document.title='pwned''\u203a"
    assert latency["code"] == html.escape(END + IMG)  # asv shows code as HTML only: it reads as written
    assert not re.search(r"[<>]", json.dumps({k: v for k, v in index.items() if k != "benchmarks"}))
    assert not re.search(r"[<>]", json.dumps([{k: v for k, v in b.items() if k != "code"}
                                              for b in index["benchmarks"].values()]))
    for page in (crafted / "asv").glob("*.html"):
        text = page.read_text()
        assert text.count('<meta http-equiv="Content-Security-Policy"') == 1, page.name
        assert not re.search(r"<script(?![^>]*\bsrc=)|\sonerror=", text), page.name


@needs_chromium
def test_crafted_values_run_nothing_in_asv_site(crafted, browser):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(crafted))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Every tooltip asv made (a benchmark's code, its name, a machine's fields) shown at once.
    show_tips = """$('*').each(function () { if ($(this).data('bs.tooltip')) $(this).tooltip('show'); });
                   new Promise(r => setTimeout(r, 300)).then(() => document.querySelectorAll('.tooltip').length)"""
    try:
        browser.errors.clear()
        url = f"http://127.0.0.1:{server.server_address[1]}/asv/index.html"
        browser.goto(url, ready="document.querySelectorAll('.benchmark-container').length > 0")
        title = "airspeed velocity of an unladen fcbench"
        assert browser.eval(show_tips) > 0
        assert browser.eval(NOTHING_RAN) == {"title": title, "injected": 0}
        assert "\u2039img src=x onerror='document.title='pwned''\u203a" in browser.eval("document.body.innerText")
        assert "document.title='pwned'" in browser.eval(
            "[...document.querySelectorAll('.tooltip')].map(t => t.innerText).join(' ')")  # code, as written
        browser.goto(url + "#" + BENCHMARKS["latency"], ready="!!document.querySelector('#main-graph canvas')")
        browser.wait_for("document.querySelectorAll('#main-graph div[style*=\"color:#666\"]').length > 0")  # the tag
        assert browser.eval(show_tips) > 0
        assert browser.eval(NOTHING_RAN) == {"title": title, "injected": 0}
        assert "\u2039img/src='x'/onerror=document.title='pwned'\u203a" in browser.eval("document.body.innerText")
    finally:
        browser.goto("about:blank")
        server.shutdown()
    assert not [e for e in browser.errors if e.startswith("uncaught") or "Content Security Policy" in e]


def test_a_report_from_results_alone_builds_and_says_what_it_lacks(site, tmp_path, monkeypatch, capsys):
    # Issue 24 item 5: results copied from elsewhere. In a repository that lacks their commits, the
    # build warns with the count; outside any git repository it builds fcbench's pages all the same
    # (asv's site walks git's history: left out, and said); --repo names the repository to use.
    results = RECORDED["results"]
    outside = tmp_path / "no-repo"
    outside.mkdir()
    monkeypatch.chdir(outside)
    if subprocess.run(["git", "rev-parse", "--git-dir"], capture_output=True).returncode == 0:
        pytest.skip("the temporary directory is inside a git repository")
    assert main(["report", "--out", "x"]) == 2
    assert "--results-dir: needed outside a git repository" in capsys.readouterr().err
    assert main(["report", "--results-dir", str(results), "--out", str(tmp_path / "bare")]) == 0
    err = capsys.readouterr().err
    assert "No git repository: commits are shown by sha" in err
    index = (tmp_path / "bare" / "index.html").read_text()
    assert "No git repository" in index and "asv/index.html" not in index and not (tmp_path / "bare" / "asv").exists()
    assert [c["subject"] for c in _data(tmp_path / "bare")["commits"]] == ["", ""]
    empty = tmp_path / "empty-repo"
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    subprocess.run(["git", "-C", str(empty), "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q",
                    "--allow-empty", "-m", "unrelated"], check=True)
    assert main(["report", "--results-dir", str(results), "--out", str(tmp_path / "elsewhere"), "--repo", str(empty)]) == 0
    err = capsys.readouterr().err
    assert f"ci-cpu: 2 of 2 commits are not in the repository {empty}" in err
    assert "2 of 2 commits are not in the repository" in (tmp_path / "elsewhere" / "index.html").read_text()
    assert main(["report", "--results-dir", str(results), "--out", str(tmp_path / "home"), "--repo",
                 str(RECORDED["repo"])]) == 0
    assert "not in the repository" not in capsys.readouterr().err
    assert [c["subject"] for c in _data(tmp_path / "home")["commits"]][-1] == "docs: a README newline"
    assert main(["report", "--results-dir", str(results), "--out", "y", "--repo", str(outside)]) == 2
    assert f"--repo {outside}: not a git repository" in capsys.readouterr().err


# ---- attribution: code, environment or noise (issue 24) ------------------------------------

@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    """scripts/synthetic_history.py's held-out scenario: a 3% code step in wmma_fused (commit 50),
    a driver change moving everything 2% (30), a session offset of 1.5% with nothing recorded as
    changed (65), wmma_qk's registers creeping to the ceiling by code commits (20, 40, 60),
    no-effect kernel edits every 7th commit, noise elsewhere."""
    synthetic = _synthetic()
    root = tmp_path_factory.mktemp("held-out")
    plan = synthetic.HeldOut()
    shas = synthetic.make_repo(root / "repo", plan.commits, start_s=1_790_000_000, plan=plan)
    results, machine = root / "results", synthetic.MACHINE
    (results / machine).mkdir(parents=True)
    (results / machine / "machine.json").write_text(json.dumps({"machine": machine, "version": 1}))
    found = synthetic.benchmarks()
    (results / "benchmarks.json").write_text(json.dumps(found))
    base, rng = synthetic.base_values(), random.Random(15)
    for i, sha in enumerate(shas):
        history.write_results(results, machine, synthetic.measured(sha, i, base, rng, plan), found,
                              (1_790_000_000 + 10800 * i) * 1000, append=False)
    hist = report_data.load_history(results, machine, root / "repo")
    return {"root": root, "results": results, "machine": machine,
            "data": report_data.payload(hist, config.load().gate, [], None)}


def test_only_the_code_step_and_the_register_creep_are_headlined(held_out):
    data = held_out["data"]
    headlines = {(e["index"], e["kind"], e["variant"], e["shape"]) for e in data["events"] if e["headline"]}
    step = {(50, "latency", "wmma_fused", s) for s in ("(1,8,512,64)", "(4,16,2048,64)", "(4,16,2048,64,causal)",
                                                         "(4,16,2048,128)")}
    assert headlines == step | {(60, "registers", "wmma_qk", "D=64")}, headlines
    for e in data["events"]:
        if (e["index"], e["kind"]) == (50, "latency"):
            assert e["cause"] == "code" and 1.02 < e["net"] < 1.04 and e["p"] < 0.002, e
    # The driver change is an environment event, and every row there moved with it.
    (env,) = [e for e in data["events"] if e["kind"] == "environment"]
    assert env["index"] == 30 and env["changes"] == {"driver": ["580.159.04", "590.10.01"]} and 1.01 < env["offset"] < 1.03
    rows = data["rows"]
    assert {r["cause"][30] for r in rows} <= {"environment", "unexplained"}
    assert sum(r["cause"][30] == "environment" for r in rows) >= len(rows) - 1
    # The session offset (everything 1.5% slower, nothing recorded as changed): the machine, not code.
    assert data["offsets"][65] > 1.01 and not {r["cause"][65] for r in rows} & {"code", "unknown"}
    # No-effect kernel edits (every 7th commit) are code, within noise: never headlined.
    assert {r["cause"][7] for r in rows if r["variant"] == "wmma_unfused"} == {"code"}  # commit 7 edits wmma_unfused
    assert not [e for e in data["events"] if e["index"] % 7 == 0 and e["headline"]]
    # The creep's earlier steps are events, below the ceiling, not headlines; the last is at 95% of it.
    creep = [(e["index"], e["before"], e["after"], e["near_ceiling"]) for e in data["events"] if e["kind"] == "registers"]
    assert creep == [(20, 163, 200, False), (40, 200, 230, False), (60, 230, 252, True)]
    assert {"variant": "wmma_qk", "dim": "64", "metric": "registers", "value": 252, "ceiling": 255} in data["near_ceiling"]


def test_on_the_real_h200_climb_only_mma_fused_moved_by_its_code():
    # mma_fused v9.0 -> v9.4 recorded on the H200 (six commits of this repository): the other
    # kernels and the peers moved with each device session (x1.011-x1.028 at the last commit):
    # nothing of theirs is an event, every headline is mma_fused's.
    from fcbench import registry

    results = registry.REPO_ROOT / "docs/validation/2026-12-03-h200/climb-history/results"
    hist = report_data.load_history(results, "h200", registry.REPO_ROOT)
    assert all(c.in_repo for c in hist.commits), "the climb's commits must be in this repository's history"
    data = report_data.payload(hist, config.load().gate, [], None)
    events = [e for e in data["events"] if e["kind"] != "environment"]
    assert {e["variant"] for e in events} == {"mma_fused"}
    assert {(e["index"], e["kind"]) for e in events if e["headline"]} >= {(2, "latency"), (3, "latency"), (5, "registers")}
    assert all(c in (None, "noise", "environment", "unexplained") for r in data["rows"] if r["variant"] != "mma_fused"
               for c in r["cause"])


H100_WGMMA_CLIMB = "docs/validation/2026-12-06-h100-wgmma-2"
# The climb's thirteenth step, v10.19 (recorded in the eighth session), changed launch.cuh, which
# every kernel includes: from there on every kernel's code has changed. The tests of what unchanged
# kernels do read the first twelve steps; the last one has a test of its own.
H100_WGMMA_STEP_13 = "fcc16aff"


def _first_twelve_steps(tmp_path):
    from fcbench import registry

    results = tmp_path / "climb-12"
    shutil.copytree(registry.REPO_ROOT / H100_WGMMA_CLIMB / "climb-history/results", results)
    (results / "h100-80gb-hbm3" / f"{H100_WGMMA_STEP_13}-fcbench.json").unlink()
    return results


def test_on_the_real_h100_wgmma_climb_only_the_kernels_whose_code_changed_moved(tmp_path):
    # wgmma_fused v10.0 -> v10.15 recorded on the H100, twelve commits of this repository, each its
    # own `fcbench record` process: two unchanged kernels' rows moved x1.03 between two of them
    # (the gate failed them on those records). Every event but one is wgmma_fused's, and its steps
    # are: v10.3's (1,8,512,64) x1.136, v10.5's x0.87 at D=64, v10.8's x0.75 at (1,8,512,64),
    # v10.9's x1.032 at (4,16,2048,128), which the gate's interleaved compare confirmed,
    # v10.13's persistent grid: x0.959 at (4,16,2048,128), and x1.023 at (1,8,512,64), whose
    # kernel's loop it also rewrote (significant, within the gate's 3 % budget), and v10.15's
    # x0.981 at (4,16,2048,64). The one other is mma_fused v9.5 (commit 11, d468c664): its full
    # blocks for causal D=64 grids that fill the GPU, x0.961 at (4,16,2048,64,causal).
    from fcbench import registry

    hist = report_data.load_history(_first_twelve_steps(tmp_path), "h100-80gb-hbm3", registry.REPO_ROOT)
    assert all(c.in_repo for c in hist.commits), "the climb's commits must be in this repository's history"
    assert len(hist.commits) == 12
    data = report_data.payload(hist, config.load().gate, [], None)
    events = [e for e in data["events"] if e["kind"] != "environment"]
    mma = [(e["index"], e["shape"], e["kind"], e["cause"]) for e in events if e["variant"] != "wgmma_fused"]
    assert mma == [(10, "(4,16,2048,64,causal)", "latency", "code")], mma
    headlined = {(e["index"], e["shape"]) for e in events if e["headline"]}
    assert {(1, "(1,8,512,64)"), (2, "(4,16,2048,64)"), (3, "(1,8,512,64)"), (4, "(4,16,2048,128)"),
            (8, "(4,16,2048,128)"), (10, "(4,16,2048,64,causal)"), (11, "(4,16,2048,64)")} <= headlined
    slower = {(e["index"], e["shape"]) for e in events if e["headline"] and e["ratio"] > 1}
    assert slower == {(1, "(1,8,512,64)"), (4, "(4,16,2048,128)"), (8, "(1,8,512,64)")}
    assert all(c in (None, "noise", "environment", "unexplained") for r in data["rows"]
               if r["variant"] not in ("wgmma_fused", "mma_fused") for c in r["cause"])
    # mma_fused's code changed at commit 11 alone (every row says so there; only the causal row's
    # move is an event); before and after it, its rows moved with the machine.
    mma_rows = [r for r in data["rows"] if r["variant"] == "mma_fused"]
    assert mma_rows and all(r["cause"][10] == "code" for r in mma_rows)
    assert all(c in (None, "noise", "environment", "unexplained") for r in mma_rows
               for i, c in enumerate(r["cause"]) if i != 10)


def test_on_the_real_h100_wgmma_climb_a_shared_header_change_is_every_kernels_code():
    # v10.19 (commit 13) changed launch.cuh: every kernel's rows there are code, the SDPA peers'
    # never are. Its events: wgmma_fused's (4,16,2048,128) x0.971 and (1,8,512,64) x0.984 (both
    # headlined; the gate's interleaved compare gave x0.962 and x0.964) and wmma_unfused's causal
    # row x0.992 (x0.986 net of the machine), which the header change cannot rule out; the
    # recorded gate's wmma_fused_cpasync x1.033 is no event.
    from fcbench import registry

    hist = report_data.load_history(registry.REPO_ROOT / H100_WGMMA_CLIMB / "climb-history/results", "h100-80gb-hbm3",
                                    registry.REPO_ROOT)
    assert all(c.in_repo for c in hist.commits) and len(hist.commits) == 13
    assert hist.commits[12].sha.startswith(H100_WGMMA_STEP_13)
    data = report_data.payload(hist, config.load().gate, [], None)
    kernels = {v.name for v in registry.VARIANTS if v.is_kernel}
    assert {r["cause"][12] for r in data["rows"] if r["variant"] in kernels} == {"code"}
    assert "code" not in {r["cause"][12] for r in data["rows"] if r["variant"] not in kernels}
    latency = {(e["variant"], e["shape"], e["headline"]) for e in data["events"]
               if e["index"] == 12 and e["kind"] == "latency"}
    assert latency == {("wgmma_fused", "(4,16,2048,128)", True), ("wgmma_fused", "(1,8,512,64)", True),
                       ("wmma_unfused", "(4,16,2048,64,causal)", False)}, latency


def test_without_the_repository_code_is_unknown_and_said(held_out):
    hist = report_data.load_history(held_out["results"], held_out["machine"], None)
    data = report_data.payload(hist, config.load().gate, [], None)
    assert data["code_known"] == 0
    assert not {c for r in data["rows"] for c in r["cause"]} & {"code"}
    # The 3% step can't be ruled out as code: shown as unknown, still headlined.
    assert {(e["index"], e["cause"]) for e in data["events"] if e["headline"] and e["kind"] == "latency"} == {(50, "unknown")}


@needs_chromium
def test_the_front_page_headlines_the_step_and_the_creep_and_draws_the_driver_change(held_out, browser):
    out = held_out["root"] / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(held_out["root"] / "repo")
        assert main(["report", "--results-dir", str(held_out["results"]), "--out", str(out)]) == 0
    browser.errors.clear()
    browser.goto((out / held_out["machine"] / "index.html").as_uri(), ready=READY)
    text = lambda selector: browser.eval(f"document.querySelector('{selector}').innerText")  # noqa: E731
    events = text("#events-table")
    assert events.count("net of the machine") == 4 and "registers 230 \u2192 252 (ceiling 255)" in events
    assert "driver 580.159.04 \u2192 590.10.01" in events
    assert text("#moved-latest").startswith("What moved at the latest commit (80,")
    assert "nothing that matters" in text("#moved-latest")
    assert "wmma_qk D=64 registers 252 of 255" in text("#near-ceiling")
    # Every event once the box is ticked: the creep's earlier steps and the no-effect edits' rows too.
    browser.eval("document.getElementById('all-events').click()")
    assert text("#events-table").count("registers") == 3
    largest = text("#largest").splitlines()
    assert len(largest) == 5 and all("wmma_fused" in line for line in largest[1:])  # the step's 4 rows, largest first
    assert browser.errors == []


@needs_chromium
def test_since_the_baseline_lists_only_rows_whose_code_changed(tmp_path, browser):
    # The H100 wgmma climb's default baseline is ten commits back of its first twelve: commit 2. The
    # kernels whose code changed since are wgmma_fused and mma_fused (v9.5, commit 11); the line
    # lists their rows alone and counts the others (moved with unchanged code); the table keeps
    # every verdict.
    from fcbench import registry

    root = registry.REPO_ROOT / H100_WGMMA_CLIMB
    out = tmp_path / "site"
    assert main(["report", "--results-dir", str(_first_twelve_steps(tmp_path)), "--out", str(out),
                 "--gate-json", str(root / "call8/gate-0ad989cf-8769f05.json")]) == 0
    browser.errors.clear()
    browser.goto((out / "h100-80gb-hbm3" / "index.html").as_uri(), ready=READY)
    line = browser.eval("[...document.querySelectorAll('p.moved')].map(p => p.innerText)"
                        ".find(t => t.startsWith('Since the baseline'))")
    assert line.startswith("Since the baseline (commit 2, 6b926dd7):"), line
    listed = re.findall(r"(?:FAIL-LATENCY|NOISY|SLOWER|FASTER)\s+(\w+) \(", line)
    assert listed and set(listed) == {"wgmma_fused", "mma_fused"}, line
    assert re.search(r"\((\d+) other kernel row\(s\) moved with unchanged code", line), line
    assert browser.errors == []


# ---- static SVGs, for where JavaScript can't run (issue 24 item 6) ------------------------------

def _svg(path) -> ET.Element:
    """A static SVG's tree, after checking that it runs and fetches nothing: no script, no event
    handler, no link or reference to another file, no URL but the SVG namespace."""
    text = path.read_text()
    assert "<script" not in text.lower(), path  # escaped text holds no '<'
    root = ET.fromstring(text.encode())  # valid XML
    for el in root.iter():
        assert el.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject", "a", "image", "use"), (path, el.tag)
        assert not [a for a in el.attrib if a.rsplit("}", 1)[-1].lower().startswith("on") or a.endswith("href")], (path, el.attrib)
    for style in root.iter("{http://www.w3.org/2000/svg}style"):
        assert not re.search(r"@import|url\(", style.text or ""), path
    assert re.findall(r"https?://[^\s\"'<>]+", text) == ["http://www.w3.org/2000/svg"], path  # its namespace only
    return root


def test_static_svgs_for_every_variant_and_shape_fetch_and_run_nothing(site):
    from fcbench import registry, report_static

    for machine in ("ci-cpu", "ci-other"):
        data = _data(site, machine)
        assert data["rows"]
        for r in data["rows"]:
            root = _svg(site / report_static.chart_path(machine, r["variant"], r["shape"]))
            assert f"{r['variant']} {r['shape']}: latency on {machine}" in "".join(root.itertext())
        kernels = [v["name"] for v in data["variants"] if registry.is_kernel_name(v["name"])]
        assert kernels == ["wmma_qk"]
        for name in kernels:  # on CPU: no latency of its own (resource-counted only), so no ratio
            assert "".join(_svg(site / report_static.badge_path(machine, name)).itertext()).startswith(name)
        assert not (site / report_static.badge_path(machine, "sdpa_math")).exists()  # peers get no badge


def _badge(hist, variant="mma_fused") -> tuple[list[str], str, str]:
    """A badge's two texts, its message's colour and its title, from report_static."""
    from fcbench import report_static

    previous, _, _ = report_data.verdicts(hist, config.GateConfig())
    root = ET.fromstring(report_static.badge_svg(report_static.badge_facts(hist, variant, previous)).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    return ([t.text for t in root.findall(".//s:text", ns)], root.findall("s:rect", ns)[1].get("fill"),
            root.find("s:title", ns).text)


def test_a_badge_names_variant_ratio_and_peer_and_takes_its_latest_verdicts_colour():
    from fcbench import report_static

    big = "(4,16,2048,64)"
    peers = {("sdpa_flash", SHAPE): [16, 16, 16], ("sdpa_cudnn", SHAPE): [15, 15, 15],
             ("sdpa_cudnn", big): [100, 100, 100]}
    texts, color, title = _badge(_history({("mma_fused", SHAPE): [10, 10, 12], ("mma_fused", big): [90, 90, 90], **peers}))
    assert texts == ["mma_fused", "0.8\u00d7 sdpa_cudnn (1,8,512,64)"] and color == report_static.FAIL_COLOR
    assert "12 us at (1,8,512,64), 0.8\u00d7 the fastest SDPA peer sdpa_cudnn (15 us) at commit 3 of 3" in title
    assert "FAIL-LATENCY at (1,8,512,64)" in title
    texts, color, title = _badge(_history({("mma_fused", SHAPE): [10, 10, 10], ("mma_fused", big): [90, 90, 90], **peers}))
    assert texts == ["mma_fused", "0.667\u00d7 sdpa_cudnn (1,8,512,64)"] and color == report_static.PASS_COLOR
    assert "no failing verdict over 2 shape(s)" in title
    # A failing verdict at any shape makes the badge red, and its title names the shape.
    texts, color, title = _badge(_history({("mma_fused", SHAPE): [10, 10, 10], ("mma_fused", big): [90, 90, 120], **peers}))
    assert texts[1] == "0.667\u00d7 sdpa_cudnn (1,8,512,64)" and color == report_static.FAIL_COLOR
    assert "FAIL-LATENCY at (4,16,2048,64)" in title
    texts, color, _ = _badge(_history({("mma_fused", SHAPE): [10], ("sdpa_cudnn", SHAPE): [20]}))  # one commit
    assert texts[1] == "0.5\u00d7 sdpa_cudnn (1,8,512,64)" and color == report_static.NONE_COLOR
    texts, color, _ = _badge(_history({("mma_fused", big): [90, 91], ("sdpa_flash", big): [100, 100]}))
    assert texts[1] == "0.91\u00d7 sdpa_flash (4,16,2048,64)" and color == report_static.PASS_COLOR  # no headline


def test_a_static_chart_marks_the_commits_the_gate_fails(tmp_path):
    from fcbench import report_static

    key = ("mma_fused", SHAPE)
    hist = _history({key: [10, 10, 12, 12], ("sdpa_cudnn", SHAPE): [15] * 4})
    previous, _, _ = report_data.verdicts(hist, config.GateConfig())
    written = report_static.write(tmp_path, hist, previous)
    assert set(written["charts"]) == {key, ("sdpa_cudnn", SHAPE)} and set(written["badges"]) == {"mma_fused"}
    root = _svg(tmp_path / written["charts"][key])
    ns = {"s": "http://www.w3.org/2000/svg"}
    series = root.findall(".//s:g[@class='plot overlay']/s:g", ns)  # per series: its dots (and IQR bars)
    median, marks = ([d.find("s:desc[@class='label']", ns).text for d in s.findall(".//s:g[@class='dots']", ns)]
                     for s in series)
    assert median == [f"commit {i + 1}: {i:040x}"[:18] + f" commit {i}" for i in range(4)]
    assert marks == [f"FAIL-LATENCY vs commit 2: commit 3: {2:040x}"[:44] + " commit 2"]
    assert len(root.findall(".//s:g[@class='plot overlay']//s:path[@class='nofill reactive']", ns)) == 4  # IQR bars
    assert report_data.variant_color("mma_fused").lower() in root.find(".//s:style", ns).text.lower()
    assert report_static.FAIL_COLOR in root.find(".//s:style", ns).text.lower()


def test_crafted_text_is_escaped_in_static_svgs(tmp_path, crafted):
    from fcbench import report_static

    subject = END + "\x07" + IMG  # a control character XML cannot hold, too
    hist = _history({(IMG, SHAPE): [10, 12], ("sdpa_cudnn", SHAPE): [15, 15]})
    hist.machine = END
    hist.commits[1].subject = subject
    previous, _, _ = report_data.verdicts(hist, config.GateConfig())
    report_static.write(tmp_path, hist, previous)
    files = [*tmp_path.rglob("*.svg"), *crafted.glob("static/**/*.svg"), *crafted.glob("badges/**/*.svg")]
    assert len(files) > 4
    for path in files:
        text = path.read_text()
        assert IMG not in text and END not in text and "<b id=" not in text, path
        _svg(path)
    said = "".join(_svg(tmp_path / report_static.chart_path(END, IMG, SHAPE)).itertext())
    assert f"{IMG} {SHAPE}: latency on {END}" in said  # read as written
    assert f"commit 2: {1:040x}"[:18] + " " + subject.replace("\x07", "\ufffd") in said
    badge = _svg(tmp_path / report_static.badge_path(END, IMG))
    assert badge.get("aria-label") == f"{IMG}: 0.8\u00d7 sdpa_cudnn (1,8,512,64)"


def _noscript_images(page) -> list[str]:
    [view] = re.findall(r"<noscript>(.*?)</noscript>", page.read_text(), re.S)
    return re.findall(r'<img [^>]*src="([^"]+)"', view)


def test_the_noscript_view_shows_the_static_svgs(site):
    from fcbench import report_static

    data = _data(site)
    front = _noscript_images(site / "ci-cpu" / "index.html")
    charts = [f"../{report_static.chart_path('ci-cpu', r['variant'], r['shape'])}" for r in data["rows"]]
    assert front == [f"../{report_static.badge_path('ci-cpu', 'wmma_qk')}", *charts]
    for v in data["variants"]:
        own = _noscript_images(site / "ci-cpu" / v["page"])
        assert [s for s in own if "/static/" in s] == [c for c in charts if f"/{v['name']}/" in c]
        assert all((site / "ci-cpu" / s).resolve().is_file() for s in own)
    assert _noscript_images(site / "index.html") == []  # the machines' list: no charts of its own


@needs_chromium
def test_a_browser_without_javascript_sees_the_static_charts(site, browser):
    browser.send("Emulation.setScriptExecutionDisabled", value=True)
    try:
        for page in (site / "ci-cpu" / "index.html", site / "ci-cpu" / "variant-sdpa_math.html"):
            browser.goto(page.as_uri())
            browser.wait_for("[...document.images].every(i => i.complete)")
            sizes = browser.eval("[...document.images].map(i => i.naturalWidth)")
            assert sizes and all(w > 0 for w in sizes), (page, sizes)  # every SVG loaded and drew
            assert browser.eval("document.body.dataset.ready") is None  # report.js did not run
    finally:
        browser.send("Emulation.setScriptExecutionDisabled", value=False)


def _lab(color: str) -> tuple[float, float, float]:
    """sRGB #rrggbb -> CIELAB (D65)."""
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(color[i:i + 2], 16) / 255) for i in (1, 3, 5))
    x, y, z = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
               (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_palette_kernels_and_peers_in_two_families_clear_of_the_verdict_colours():
    import math

    from fcbench import registry

    css = (registry.REPO_ROOT / "fcbench" / "report_assets" / "report.css").read_text()
    fail = re.search(r"\.verdict\.v-fail \{ background: (#[0-9a-f]{6})", css).group(1)
    passed = re.search(r"\.verdict\.v-faster \{ background: (#[0-9a-f]{6})", css).group(1)
    script = (registry.REPO_ROOT / "fcbench" / "report_assets" / "report.js").read_text()
    dims = re.findall(r"#[0-9A-Fa-f]{6}", re.search(r"const dimColors = \[([^\]]*)\]", script).group(1))
    kernels = [report_data.variant_color(v.name) for v in registry.VARIANTS if registry.is_kernel_name(v.name)]
    peers = [report_data.variant_color(v.name) for v in registry.VARIANTS if not registry.is_kernel_name(v.name)]
    assert len(set(kernels)) == len(kernels) == 7 and len(set(peers)) == len(peers) == 4

    def distance(a, b):  # CIE76: about 2.3 is just noticeable; over 30, plainly other colours
        return math.dist(_lab(a), _lab(b))

    def hue(c):
        _, a, b = _lab(c)
        return math.degrees(math.atan2(b, a)) % 360

    assert all(hue(c) >= 315 or hue(c) < 90 for c in kernels), [round(hue(c)) for c in kernels]  # warm
    assert all(180 <= hue(c) < 300 for c in peers), [round(hue(c)) for c in peers]  # cool
    assert min(distance(k, p) for k in kernels for p in peers) > 25
    for a, b in [(a, b) for family in (kernels, peers) for a in family for b in family if a < b]:
        assert distance(a, b) > 18, (a, b)
    for color in kernels + peers + dims:
        assert min(distance(color, fail), distance(color, passed)) > 35, color
    # The chart markers: clear of every series and verdict colour and of each other, and nested
    # (rings outside, each size 4 px or more from the next, drawn largest first) so that markers on
    # one commit never hide each other: an asv step, the gate's FAIL and a gate JSON's verdict.
    block = re.search(r"const MARKERS = \{(.*?)\n  \};", script, re.S).group(1)
    markers = {k: (c, int(z), r == "true") for k, c, z, r in
               re.findall(r"(\w+): \{color: \"(#[0-9A-Fa-f]{6})\", size: (\d+)(?:, ring: (true))?\}", block)}
    assert set(markers) == {"asvStep", "code", "fail", "gateJson"}, block
    colors = [c for c, _, _ in markers.values()]
    for color in colors:
        assert min(distance(color, s) for s in kernels + peers + dims) > 25, color
        assert min(distance(color, fail), distance(color, passed)) > 35, color
    assert min(distance(a, b) for a in colors for b in colors if a != b) > 40
    sizes = sorted((z for _, z, _ in markers.values()), reverse=True)
    assert all(a - b >= 4 for a, b in zip(sizes, sizes[1:], strict=False)), sizes
    assert min(z for _, z, ring in markers.values() if ring) > max(z for _, z, ring in markers.values() if not ring)
    pushed = re.findall(r'ms\.push\(\{label: "[^"]+", kind: "(\w+)"', script)
    assert pushed == sorted(pushed, key=lambda k: -markers[k][1]) and len(pushed) == 3, pushed
    assert report_data.variant_color("an_old_kernel") in report_data.KERNEL_PALETTE  # unknown: gated, a kernel
    # A name the registry no longer has keeps its colour from one report build to the next (Python's
    # str hash is salted per process, so it must not pick the colour).
    code = "from fcbench import report_data; print(report_data.variant_color('an_old_kernel'))"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2", "3")}
    assert seen == {report_data.variant_color("an_old_kernel")}, seen


def test_the_readme_badge_and_chart_are_the_real_h200_historys():
    # docs/ holds what scripts/static_charts.py makes from the H200 climb's results; the badge
    # (no commit subject in it) is rebuilt here from the results alone, byte for byte.
    from fcbench import registry, report_static

    results = registry.REPO_ROOT / "docs" / "validation" / "2026-12-03-h200" / "climb-history" / "results"
    hist = report_data.load_history(results, "h200")
    previous, _, _ = report_data.verdicts(hist, config.load(registry.REPO_ROOT / "pyproject.toml").gate)
    facts = report_static.badge_facts(hist, "mma_fused", previous)
    assert (facts["message"], facts["state"]) == ("0.81\u00d7 sdpa_cudnn (1,8,512,64)", "pass")
    assert report_static.badge_svg(facts) == (registry.REPO_ROOT / "docs" / "badge-h200-mma_fused.svg").read_text()
    chart = _svg(registry.REPO_ROOT / "docs" / "static-h200-mma_fused-1-8-512-64.svg")
    ns = {"s": "http://www.w3.org/2000/svg"}
    [mark] = chart.findall(".//s:g[@class='plot overlay']/s:g[2]//s:desc[@class='label']", ns)
    assert mark.text.startswith("FAIL-LATENCY vs commit 2: commit 3: cf8d05ff ")
    readme = (registry.REPO_ROOT / "README.md").read_text()
    assert "8.896 us at (1,8,512,64)" in facts["title"] and "sdpa_cudnn (10.98 us)" in facts["title"]
    assert "takes 8.896 us at (1,8,512,64) against sdpa_cudnn's 10.98 us" in " ".join(readme.split())


def test_the_atom_feed_lists_the_regressions_by_code_alone(held_out, tmp_path):
    from fcbench import report_pages

    feed = report_pages.write_feed(tmp_path, held_out["data"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(feed.read_text())
    titles = [e.find("a:title", ns).text for e in root.findall("a:entry", ns)]
    # Newest first: the register creep's last step, then the 3% step at its 4 shapes; not the
    # driver change, not noise, not a speed-up.
    assert titles[0] == "wmma_qk D=64: registers 230 -> 252 (ceiling 255)", titles
    assert len(titles) == 5 and all(t.startswith("wmma_fused (") and "net of the machine x1.0" in t for t in titles[1:])
    links = {e.find("a:link", ns).get("href") for e in root.findall("a:entry", ns)}
    assert links == {"variant-wmma_qk.html", "variant-wmma_fused.html"}
    crafted = {**held_out["data"], "machine": "<m>", "events": [
        {**held_out["data"]["events"][-1], "headline": True, "kind": "latency", "variant": "<img src=x>", "shape": "(1)",
         "before": 1.0, "after": 2.0, "ratio": 2.0, "net": 2.0}]}
    text = report_pages.write_feed(tmp_path, crafted).read_text()
    assert "<img" not in text and "&lt;img src=x&gt;" in text
    ET.fromstring(text)  # still well-formed


def test_a_row_recorded_after_the_baseline_is_compared_from_its_first_recording():
    # A kernel added at commit 2 of 5: against a baseline at commit 0 it was NEW, and left out of
    # "Since the baseline"; now its verdict is its latest against its first recording.
    hist = _history({("k_old", SHAPE): [100, 100, 100, 100, 100], ("k_new", SHAPE): [100, 100, 100, 100, 110]})
    for i in (0, 1):  # not recorded at the first two commits
        hist.entries[i]["latency"].pop(("k_new", SHAPE))
        hist.series["latency"][("k_new", SHAPE)][i] = report_data.Point(None)
    previous, from_baseline, _ = report_data.verdicts(hist, config.GateConfig())
    assert report_data.first_recorded(hist)[("k_new", SHAPE)] == 2
    assert from_baseline[("k_new", SHAPE)][:4] == ["FAIL-LATENCY"] * 4  # x1.10 since commit 2, whatever the baseline
    assert from_baseline[("k_old", SHAPE)][:4] == ["SAME"] * 4


@pytest.mark.parametrize("text, says", [
    (b"\xff\xfe", "not UTF-8 text"),
    (b"{", "not valid JSON"),
    (b'{"machine": "m", "rows": []}', "base, head missing or not a string"),
    (b'{"machine": "m", "base": "a", "head": "b", "rows": ["x"]}', "row 0 is not an object with variant, shape and verdict"),
    (b'{"machine": "m", "base": "a", "head": "b", "rows": [{"variant": "v", "shape": "s"}]}', "row 0 is not an object"),
    (b'{"machine": "m", "base": "a", "head": "b", "rows": [{"variant": "v", "shape": "s", "verdict": ["FAIL"]}]}',
     "row 0 is not an object"),
])
def test_a_gate_json_the_report_cannot_read_is_named(tmp_path, text, says):
    # Each of these raised a KeyError or TypeError traceback (or a decode error naming no file).
    from fcbench import report

    path = tmp_path / "gate.json"
    path.write_bytes(text)
    with pytest.raises(ValueError, match=re.escape(f"--gate-json {path}: ") + ".*" + re.escape(says)):
        report._gate_json(path)
    assert report._gate_json(_write_gate(tmp_path))["rows"][0]["verdict"] == "SAME"


def _write_gate(tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps({"machine": "m", "base": "a", "head": "b",
                                "rows": [{"variant": "v", "shape": "s", "verdict": "SAME"}]}))
    return path


def test_an_environment_key_one_commit_did_not_record_is_not_a_change():
    # asv's own `asv run` records no device: unknown there, not "driver 580 -> None" and back.
    envs = [{"driver": "580", "torch": "2.11"}, {"python": "3.12"}, {"driver": "580", "torch": "2.11"},
            {"driver": "590", "torch": "2.11"}]
    assert attribution.env_changes(envs) == [{}, {}, {}, {"driver": ["580", "590"]}]


def test_a_torch_change_moves_the_peers_alone_and_the_kernels_that_did_not_move_are_noise():
    # As many kernels and peers as the registry has (7 and 4): the kernels are the common offset.
    from fcbench import registry

    kernels = [(v.name, SHAPE) for v in registry.VARIANTS if v.is_kernel]
    peers = [(v.name, SHAPE) for v in registry.VARIANTS if not v.is_kernel]
    assert len(kernels) > len(peers)
    hist = _history({**{k: [100.0] * 12 for k in kernels}, **{k: [100.0] * 8 + [94.0] * 4 for k in peers}})
    hist.envs = [{"torch": "2.11"}] * 8 + [{"torch": "2.12"}] * 4
    att = attribution.attribute(hist, config.GateConfig(), [{v: "same" for v, _ in kernels}] * 12)
    assert {att.cause[k][8] for k in peers} == {"environment"}  # torch is the environment's
    assert {att.cause[k][8] for k in kernels} == {"noise"}  # they did not move


def test_a_header_is_code_only_for_the_units_that_include_it(tmp_path):
    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, text=True, check=True).stdout

    kernels = tmp_path / "csrc" / "kernels"
    kernels.mkdir(parents=True)
    (kernels / "tile.cuh").write_text('#include "common.cuh"\n')
    (kernels / "common.cuh").write_text("// common\n")
    (kernels / "fused.cu").write_text('#include "tile.cuh"\n')
    (kernels / "plain.cu").write_text("// no includes\n")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a")
    (kernels / "common.cuh").write_text("// common, edited\n")  # reached from fused.cu through tile.cuh
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "b")
    shas = git("rev-list", "--reverse", "HEAD").split()
    digests = attribution.kernel_digests(tmp_path, shas)
    assert attribution.code_changes(digests, ["fused", "plain"])[1] == {"fused": True, "plain": False}


def test_a_change_across_a_failed_commit_is_judged_against_the_last_measured_one():
    # wmma_fused edited at commit 6, which failed (no latency), and 20% slower from commit 7 on:
    # commit 7 is code, x1.20 against commit 5, and headlined; never lost between two steps.
    key = ("wmma_fused", SHAPE)
    peers = [(v, SHAPE) for v in ("sdpa_flash", "sdpa_cudnn", "sdpa_math")]
    levels = {key: [100.0] * 6 + [None] + [120.0] * 5, **{k: [100.0] * 12 for k in peers}}
    hist = _history({k: [v if v is not None else 1.0 for v in values] for k, values in levels.items()})
    hist.series["latency"][key][6] = report_data.Point(None)
    digests = [{"wmma_fused": "a"}] * 6 + [{"wmma_fused": "b"}] + [{"wmma_fused": "c"}] * 5
    att = attribution.attribute(hist, config.GateConfig(), digests)
    assert att.cause[key][6] is None and att.cause[key][7] == "code" and abs(math.exp(att.net[key][7]) - 1.2) < 1e-3
    (event,) = [e for e in att.events if e.get("variant") == "wmma_fused"]
    assert (event["index"], event["before"], event["after"], event["headline"]) == (7, 100.0, 120.0, True)
