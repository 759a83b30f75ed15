"""fcbench report on a real recorded history (CPU: sdpa_math timed, kernels resource-counted),
rendered in a real headless Chromium where one is installed (CI installs Debian's)."""

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading

import pytest

from fcbench import report
from fcbench.cli import main

from .conftest import commit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian package: chromium)")


@pytest.fixture(scope="module")
def site(repo, tmp_path_factory):
    results = tmp_path_factory.mktemp("history")
    out = tmp_path_factory.mktemp("site")
    shas = [subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()]
    shas.append(commit(repo, "docs", lambda r: (r / "README.md").write_text((r / "README.md").read_text() + "\n")))
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


def test_gate_verdicts_and_commit_links(site):
    page = (site / "index.html").read_text()
    assert "Gate verdicts (1 comparison(s))" in page and "FAIL-LATENCY" in page and "x1.080" in page
    assert page.count("Gate verdicts") == 1  # listed under its own machine only
    assert re.search(r"<a href='https://example.invalid/commit/[0-9a-f]{40}'><code>[0-9a-f]{8}</code></a>", page)


def test_one_section_per_machine_and_charts_for_every_metric(site):
    page = (site / "index.html").read_text()
    assert page.count("<h2 id=") == 2 and "Machine ci-cpu" in page and "Machine ci-other" in page
    for title in ("Latency over commits", "Throughput over commits", "Error / bound over commits",
                  "Registers over commits", "Shared memory over commits", "Register spills over commits",
                  "Spread of each variant", "Latest commit, relative to the fastest SDPA peer"):
        assert title in page, title
    charts = re.findall(r"<img src='(charts/[^']+\.svg)'", page)
    assert charts and all((site / c).exists() for c in charts)
    assert all(c.startswith("charts/ci-") for c in charts)  # files named per machine: GPUs never mix
    # Recorded without a GPU: the axes say host wall time, never GPU time.
    latency = [(site / c).read_text() for c in charts if "latency" in c]
    assert latency and all("host wall time per call" in t and "GPU time" not in t for t in latency)


def test_fcbench_pages_work_offline(site):
    for path in [site / "index.html", *(site / "charts").glob("*.svg")]:
        text = re.sub(r"<!--.*?-->", "", path.read_text(), flags=re.S)  # pygal's credit comment is never fetched
        text = re.sub(r"<a\s[^>]*>", "<a>", text)  # links to commits are navigation, not fetched at view time
        urls = set(re.findall(r"https?://[^\s\"'<>)]+", text)) - {"http://www.w3.org/2000/svg",
                                                                  "http://www.w3.org/1999/xlink"}
        assert not urls, (path.name, urls)
        # pygal's inline config script fetches nothing; its tooltip JS (from a CDN) must not be referenced.
        assert not re.search(r"<script[^>]*(xlink:href|src)=", text), path.name


def test_asv_step_detection_names_the_commit():
    hist = report.History("m", [f"c{i}" * 8 for i in range(6)])
    hist.series["latency"][("wmma_fused", "(1,8,512,64)")] = [report.Point(v) for v in (100, 101, 100, 130, 131, 130)]
    hist.series["latency"][("wmma_qk", "(1,8,512,64)")] = [report.Point(v) for v in (100, 101, 100, 100, 99, 100)]
    found = report.regressions(hist, threshold=0.03)
    assert [(r["variant"], r["before"][:2], r["after"][:2]) for r in found] == [("wmma_fused", "c2", "c3")]
    assert found[0]["ratio"] == pytest.approx(1.3, abs=0.02)


def test_results_asv_cannot_publish_are_a_could_not_run_error(repo, tmp_path, monkeypatch, capsys):
    (tmp_path / "results" / "h100").mkdir(parents=True)  # a machine, but no benchmarks.json
    (tmp_path / "results" / "h100" / "machine.json").write_text('{"machine": "h100", "version": 1}')
    monkeypatch.chdir(repo)
    assert main(["report", "--results-dir", str(tmp_path / "results"), "--out", str(tmp_path / "site")]) == 3
    assert "fcbench report: could not run: asv publish failed" in capsys.readouterr().err


def test_latency_axes_say_gpu_time_for_cuda_event_results(tmp_path):
    hist = report.History("h100", ["a" * 40, "b" * 40], {"timer": "cuda-events"})
    hist.series["latency"][("wmma_fused", "(1,8,512,64)")] = [report.Point(48.9, 48.5, 49.3), report.Point(49.1)]
    (tmp_path / "charts").mkdir()  # report.build makes it
    made = report.write_charts(hist, tmp_path)
    texts = [(tmp_path / m["file"]).read_text() for m in made]
    assert texts and all("GPU time per call" in t and "wall time" not in t for t in texts)


def test_log_axes_have_a_labelled_guide_beyond_the_fastest_and_slowest_series(tmp_path):
    # The H100 report's values (us): pygal's own range ended at them, sdpa_cudnn lay on the x axis.
    hist = report.History("h100", ["a" * 40, "b" * 40], {"timer": "cuda-events"})
    for variant, us in (("sdpa_cudnn", 11.36), ("wmma_fused_cpasync", 20.4), ("sdpa_math", 86.2)):
        hist.series["latency"][(variant, "(1,8,512,64)")] = [report.Point(us), report.Point(us * 1.01)]
    (tmp_path / "charts").mkdir()
    made = report.write_charts(hist, tmp_path)
    svg = next((tmp_path / m["file"]).read_text() for m in made if m["title"].startswith("Latency over"))
    guides = [float(g) for g in re.findall(r'class="logarithmic guides">.*?<title>([0-9.e+]+)</title>', svg)]
    values = [float(v) for v in re.findall(r'<desc class="value">([0-9.e+-]+)</desc>', svg)]
    assert len(values) == 6 and min(guides) < min(values) and max(values) < max(guides)


def test_a_variant_keeps_its_colour_and_peers_are_dashed(tmp_path):
    hist = report.History("l4", ["a" * 40], {"timer": "cuda-events"})
    hist.series["latency"][("wmma_fused", "(1,8,512,64)")] = [report.Point(48.9)]
    hist.series["latency"][("sdpa_math", "(1,8,512,64)")] = [report.Point(86.0)]
    hist.series["latency"][("sdpa_math", "(4,16,2048,128)")] = [report.Point(6040.0)]  # no kernel ran here
    (tmp_path / "charts").mkdir()
    svgs = {m["title"]: (tmp_path / m["file"]).read_text() for m in report.write_charts(hist, tmp_path)}

    def colours(svg):
        return re.findall(r"\.color-(\d+) a:visited\{stroke:(#[0-9A-Fa-f]{6})", svg)

    both, alone = svgs["Latency over commits: (1,8,512,64)"], svgs["Latency over commits: (4,16,2048,128)"]
    math_colour = report.variant_color("sdpa_math")
    assert colours(both) == [("0", report.variant_color("wmma_fused")), ("1", math_colour)]
    assert colours(alone) == [("0", math_colour)]  # first series here, same colour
    assert math_colour != report.variant_color("wmma_fused")
    assert "serie-1{stroke-width:2;stroke-dasharray:8,4}" in both and "serie-0{stroke-width:2" not in both


def chromium(*args):
    proc = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--enable-logging=stderr", "--v=0", f"--user-data-dir={_profile()}", *args],
                          capture_output=True, text=True, timeout=120)
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    return proc.stdout, console


@functools.cache
def _profile():
    import tempfile

    return tempfile.mkdtemp(prefix="fcbench-chromium-")


@needs_chromium
def test_pages_render_in_chromium_from_the_file_system(site, tmp_path):
    dom, console = chromium("--dump-dom", f"file://{site}/index.html")
    images = len(re.findall(r"<img ", (site / "index.html").read_text()))
    assert f"charts rendered: {images}/{images}" in dom
    assert not [line for line in console if "Uncaught" in line or "Failed to load" in line or ":ERROR:" in line]
    chromium("--window-size=1280,1600", f"--screenshot={tmp_path / 'page.png'}", f"file://{site}/index.html")
    assert (tmp_path / "page.png").stat().st_size > 20_000  # a rendered page, not a blank one


def test_asv_site_loads_nothing_from_the_network(site):
    for page in (site / "asv").glob("*.html"):
        assets = re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"([^\"]+)\"", page.read_text())
        assert assets and not [a for a in assets if re.match(r"https?://", a)], (page.name, assets)
        assert all((site / "asv" / a).exists() for a in assets), page.name


@needs_chromium
def test_asv_site_renders_offline_when_served(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dom, console = chromium("--virtual-time-budget=5000", "--dump-dom",
                                f"http://127.0.0.1:{server.server_address[1]}/asv/index.html")
    finally:
        server.shutdown()
    # asv's page fills its benchmark list from the JSON; its failure page says "Failed to load".
    assert "time_attention" in dom and "Failed to load" not in dom
    assert not [line for line in console if "Uncaught" in line]
