"""fcbench report: its data (the gate's verdicts over a history, asv's steps and why they differ,
ratios to the fastest peer, commits from git) on small in-memory histories, and its pages on a
real recorded history (CPU: sdpa_math timed, wmma_qk resource-counted), opened from file:// in
a real headless Chromium driven through the DevTools protocol (CI installs Debian's)."""

import functools
import http.server
import json
import re
import subprocess
import threading

import pytest

from fcbench import config, gate, report_data
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

@pytest.fixture(scope="module")
def site(repo, tmp_path_factory):
    results = tmp_path_factory.mktemp("history")
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


def test_asv_site_loads_nothing_from_the_network(site):
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


@needs_chromium
def test_hovering_a_chart_point_shows_its_commit(site, browser):
    browser.goto((site / "ci-cpu" / "variant-sdpa_math.html").as_uri(), ready=READY)
    x, y = browser.eval("""(() => { const u = FC.charts[0]; u.root.scrollIntoView();
        const r = u.over.getBoundingClientRect();
        return [r.left + u.valToPos(1, 'x'), r.top + u.valToPos(u.data[3][1], 'y')]; })()""")
    browser.mouse("mouseMoved", 1, 1)  # from outside the chart onto the point, as a hand would
    browser.mouse("mouseMoved", x, y)
    browser.wait_for("document.getElementById('tip') && !document.getElementById('tip').hidden")
    text = browser.eval("document.getElementById('tip').innerText")
    assert "docs: a README newline" in text and "fcbench-ci" in text and "sdpa_math" in text
    browser.click(x, y)  # pinned: its commit link can be followed
    assert browser.eval("document.querySelector('#tip.pinned a').href").startswith("https://example.invalid/commit/")
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
    assert label == "What moved since the previous commit (3d64da92)", first
    rows = moved.split("; ")
    assert rows[0] == "FAIL-LATENCY mma_fused (1,8,512,64) x1.138", rows
    assert rows[1:3] == ["FASTER mma_fused (4,16,2048,128) x0.805", "FASTER mma_fused (4,16,2048,64) x0.881"], rows
    assert not any(r.split()[1].startswith("sdpa_") for r in rows)  # peers are never gated
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
        server.shutdown()
    # asv's page fills its benchmark list from the JSON; its failure page says "Failed to load".
    assert "Failed to load" not in dom
    assert not [e for e in browser.errors if e.startswith("uncaught")]
