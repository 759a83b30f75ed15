"""fcbench report: a static site from the asv results directory.

- `asv/`: asv's own published site (`asv publish`), for asv users, with the jQuery, flot and
  Bootstrap files its pages would load from CDNs served from a vendored copy (asv_vendor/).
- `index.html` + `charts/*.svg`: fcbench's pages, one section per machine (GPUs never mix):
  latency over commits per shape (one series per variant, SDPA peers included; a median-and-IQR
  chart per variant shows the spread), TFLOP/s, error / bound and resources over commits, the
  latest commit's variants relative to the fastest SDPA peer, latency steps found by asv's own
  step detection and the gate's failing verdicts (from `fcbench gate --json` files), each naming
  (and, given a URL template, linking to) its commits.
The SVGs are static (pygal with no JavaScript): the site opens from the file system (fcbench's
pages) or any static host (asv's pages load JSON) with nothing fetched at view time.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import measure, registry, store
from .history import BENCHMARKS, ENV_NAME, CouldNotRun, asv_config, ran, read_benchmark

METRICS = {  # metric -> (chart title, y axis title, logarithmic)
    "latency": ("Latency over commits", "median {clock} per call (us)", True),
    "tflops": ("Throughput over commits", "TFLOP/s", False),
    "error_over_bound": ("Error / bound over commits (> 1 fails)", "max |out - ref| / bound", False),
    "registers": ("Registers over commits", "registers per thread (largest kernel)", False),
    "smem_bytes": ("Shared memory over commits", "bytes per block (static + dynamic)", False),
    "spill_bytes": ("Register spills over commits", "spill bytes (stores + loads)", False),
}


@dataclass
class Point:
    value: float | None
    q25: float | None = None
    q75: float | None = None


@dataclass
class History:
    """One machine's history: commits oldest first, and metric -> (variant, shape) -> [Point per commit]."""

    machine: str
    commits: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)
    series: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))


def machines(results_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in results_dir.glob("*/machine.json"))


def load_history(results_dir: Path, machine: str) -> History:
    from asv.results import iter_results_for_machine

    # One result file per commit: fcbench record's, else one that asv's own commands wrote
    # (`asv run` through the fcbench-layered environment).
    by_commit: dict = {}
    for r in iter_results_for_machine(str(results_dir), machine):
        if r.commit_hash not in by_commit or r.env_name == ENV_NAME:
            by_commit[r.commit_hash] = r
    found = sorted(by_commit.values(), key=lambda r: r.date)
    hist = History(machine, [r.commit_hash for r in found], found[-1].params if found else {})
    for i, results in enumerate(found):
        for metric, name in BENCHMARKS.items():
            for key, (value, st, _) in read_benchmark(results, name).items():
                ok = ran(value)
                scale = 1e6 if metric == "latency" else 1.0
                points = hist.series[metric][key]
                points.extend([Point(None)] * (i - len(points)))  # absent at earlier commits
                points.append(Point(value * scale if ok else None,
                                    st["q_25"] * scale if ok and st and "q_25" in st else None,
                                    st["q_75"] * scale if ok and st and "q_75" in st else None))
    for metric in hist.series.values():
        for points in metric.values():
            points.extend([Point(None)] * (len(hist.commits) - len(points)))
    # TFLOP/s at each commit's median latency: derived here, not stored (asv reads every stored
    # metric as lower-is-better, and would call a faster kernel's higher TFLOP/s a regression).
    for (variant, shape), points in hist.series["latency"].items():
        flops = measure.shape_from_label(shape).flops
        hist.series["tflops"][(variant, shape)] = [Point(flops / (p.value * 1e-6) / 1e12 if p.value else None)
                                                   for p in points]
    return hist


ASV_VENDOR = Path(__file__).resolve().parent / "asv_vendor"
# The CDN files asv 0.6.6's pages load, and the vendored copy that replaces each (asv_vendor/README.md).
ASV_CDN_ASSETS = {
    "https://code.jquery.com/jquery-3.3.1.min.js": "jquery-3.3.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": "flot-0.8.3-jquery.flot.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": "flot-0.8.3-jquery.flot.time.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js":
        "flot-0.8.3-jquery.flot.selection.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js":
        "flot-0.8.3-jquery.flot.categories.js",
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js":
        "flot-orderbars-1.0.0-jquery.flot.orderBars.js",
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js": "stupidtable-1.1.3.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": "blueimp-md5-2.19.0.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js": "bootstrap-3.1.1.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css": "css/bootstrap-3.1.1.min.css",
}
_ASSET_TAG = re.compile(r"<(script|link)\b[^>]*>")
_ASSET_URL = re.compile(r'\b(src|href)="(https?://[^"]+)"')


def localize_asv_site(site: Path) -> None:
    """Points asv's pages at the vendored assets (copied to site/vendor). The tags' SRI hashes
    name the CDN's bytes, so they go with the CDN URL. Any other CDN asset is an error: the
    report must not fetch anything at view time."""
    shutil.copytree(ASV_VENDOR, site / "vendor", dirs_exist_ok=True)
    unknown = set()

    def local(tag: re.Match) -> str:
        text = tag.group(0)
        url = _ASSET_URL.search(text)
        if url is None:
            return text
        if url.group(2) not in ASV_CDN_ASSETS:
            unknown.add(url.group(2))
            return text
        text = text.replace(url.group(0), f'{url.group(1)}="vendor/{ASV_CDN_ASSETS[url.group(2)]}"')
        return re.sub(r'\s(integrity|crossorigin|referrerpolicy)="[^"]*"', "", text)

    for page in site.glob("*.html"):
        page.write_text(_ASSET_TAG.sub(local, page.read_text()))
    if unknown:
        raise RuntimeError(f"asv's site loads assets fcbench does not vendor: {', '.join(sorted(unknown))}")


# Tableau 10 (its grey darkened to show on white): the FlashCore kernels warm and earthy, the SDPA
# peers cool or grey (and dashed).
# pygal colours series by position, so each chart gets its variants' colours in its own order:
# a variant keeps its colour on every chart, whichever variants a machine ran.
PALETTE = ("#9C755F", "#B07AA1", "#76B7B2", "#59A14F", "#E15759", "#4E79A7", "#F28E2B", "#EDC948", "#79706E",
           "#FF9DA7")
PEER_STROKE = {"dasharray": "8, 4", "width": 2}


def _registry_position(name: str) -> int:
    """The variant's place in the registry; a name it doesn't know (an old result) comes last."""
    names = [v.name for v in registry.VARIANTS]
    return names.index(name) if name in names else len(names)


def variant_color(name: str) -> str:
    return PALETTE[_registry_position(name) % len(PALETTE)]


def _chart(kind: str, title: str, y_title: str, x_labels: list[str], *, logarithmic=False, colors=None):
    import pygal
    from pygal.style import DefaultStyle

    style = DefaultStyle(font_family="DejaVu Sans, sans-serif", label_font_size=13, major_label_font_size=13,
                         legend_font_size=13, title_font_size=18, value_font_size=11, tooltip_font_size=12,
                         **({"colors": tuple(colors)} if colors else {}))
    chart_cls = {"line": pygal.Line, "bar": pygal.HorizontalBar}[kind]
    chart = chart_cls(title=title, y_title=y_title, x_title="commit" if kind == "line" else None,
                      logarithmic=logarithmic, js=[],  # no JavaScript: nothing is fetched at view time
                      style=style, width=1100, height=520, legend_at_bottom=False, legend_box_size=14,
                      truncate_legend=-1, x_label_rotation=30, show_minor_x_labels=True, dots_size=3,
                      allow_interruptions=True,
                      # Linear axes from 0, so the smallest series is not drawn on the frame; bars
                      # carry their value (no JavaScript tooltips to read it from).
                      include_x_axis=not logarithmic and kind == "line", print_values=kind == "bar",
                      **({"value_formatter": lambda x: f"x{x:.2f}"} if kind == "bar" else {}))
    if x_labels:
        chart.x_labels = x_labels
    return chart


def _log_range(values) -> tuple[float, float]:
    """A log axis from the 1-2-5 step below the smallest value to the one above the largest: pygal
    otherwise ends the axis at the extreme values, so the fastest and slowest series lie on the
    frame with no labelled guide beyond them (on the H100 report, sdpa_cudnn sat on the x axis)."""
    positive = [v for v in values if v is not None and v > 0]
    lo, hi = min(positive), max(positive)
    steps = [m * 10.0 ** e for e in range(math.floor(math.log10(lo)), math.floor(math.log10(hi)) + 2)
             for m in (1, 2, 5)]
    return max(s for s in steps if s <= lo), min(s for s in steps if s > hi)


def _slug(*parts: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", "-".join(parts)).strip("-").lower()


def _machine_slug(name: str) -> str:
    """A page id and chart folder per machine, distinct for distinct names ('gpu two', 'gpu-two')."""
    slug = _slug(name)
    return slug if slug == name else f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _shapes(hist: History) -> list[str]:
    return sorted({shape for metric in hist.series.values() for (_, shape) in metric},
                  key=lambda s: [int(x) if x.isdigit() else x for x in s.strip("()").split(",")])


def _variant_order(names):
    return sorted(names, key=_registry_position)


def write_charts(hist: History, out: Path) -> list[dict]:
    """Writes this machine's SVGs; returns [{section, title, file}] in page order."""
    labels = [c[:8] for c in hist.commits]
    made = []
    # What the samples are: CUDA events on a GPU; host wall-clock on a machine without one.
    clock = "GPU time" if hist.info.get("timer") == "cuda-events" else "host wall time"

    def save(chart, section: str, title: str, *parts: str):
        path = out / "charts" / _machine_slug(hist.machine) / f"{_slug(*parts)}.svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(chart.render())
        made.append({"section": section, "title": title, "file": path.relative_to(out).as_posix()})

    for metric, (title, y_title, log) in METRICS.items():
        if metric == "latency" or metric == "tflops" or metric == "error_over_bound":
            groups = [(shape, [k for k in hist.series[metric] if k[1] == shape]) for shape in _shapes(hist)]
        else:  # resources depend on the head dim only
            groups = []
            for shape in _shapes(hist):
                d = shape.strip("()").split(",")[3]
                if all(g[0] != f"D={d}" for g in groups):
                    groups.append((f"D={d}", [k for k in hist.series[metric] if k[1] == shape]))
        for group, keys in groups:
            keys = [k for k in keys if any(p.value is not None for p in hist.series[metric][k])]
            if not keys:
                continue
            variants = _variant_order({k[0] for k in keys})
            chart = _chart("line", f"{title}: {group}", y_title.format(clock=clock), labels, logarithmic=log,
                           colors=[variant_color(v) for v in variants])
            if log:
                chart.range = _log_range([p.value for k in keys for p in hist.series[metric][k]])
            for variant in variants:
                key = next(k for k in keys if k[0] == variant)
                chart.add(variant, [p.value for p in hist.series[metric][key]],
                          **({} if registry.is_kernel_name(variant) else {"stroke_style": PEER_STROKE}))
            save(chart, METRICS[metric][0], f"{title}: {group}", metric, group)
    for (variant, shape), points in sorted(hist.series["latency"].items()):
        if any(p.value is not None for p in points):
            chart = _chart("line", f"{variant} {shape}: median and IQR", f"{clock} per call (us)", labels,
                           colors=[variant_color(variant)] * 3)
            chart.add("75th percentile", [p.q75 for p in points], stroke_style={"dasharray": "4, 4"})
            chart.add("median", [p.value for p in points])
            chart.add("25th percentile", [p.q25 for p in points], stroke_style={"dasharray": "4, 4"})
            save(chart, "Spread of each variant's latency", f"{variant} {shape}", "spread", variant, shape)
    for shape in _shapes(hist):
        latest = {k[0]: pts[-1].value for k, pts in hist.series["latency"].items() if k[1] == shape and pts}
        peers = {n: v for n, v in latest.items() if v is not None and not registry.is_kernel_name(n)}
        if not peers:
            continue
        best = min(peers, key=peers.get)
        variants = _variant_order([n for n, v in latest.items() if v is not None])
        chart = _chart("bar", f"Latest commit {labels[-1]}, {shape}: time relative to {best}",
                       f"x {best} (lower is faster)", [], colors=[variant_color(v) for v in variants])
        for variant in variants:
            chart.add(variant, [latest[variant] / peers[best]])
        save(chart, "Latest commit, relative to the fastest SDPA peer", shape, "latest", shape)
    return made


def regressions(hist: History, threshold: float) -> list[dict]:
    """Upward latency steps found by asv's step detection: where they start, and by how much."""
    from asv.step_detect import detect_regressions, detect_steps

    found = []
    for (variant, shape), points in sorted(hist.series["latency"].items()):
        values = [p.value for p in points]
        if sum(v is not None for v in values) < 2:
            continue
        _, _, positions = detect_regressions(detect_steps(values), threshold=threshold)
        for before, after, value_before, value_after in positions or []:
            found.append({"variant": variant, "shape": shape, "before": hist.commits[before],
                          "after": hist.commits[after], "value_before_us": value_before,
                          "value_after_us": value_after, "ratio": value_after / value_before})
    return found


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fcbench report</title>
<style>
body {{ font-family: DejaVu Sans, sans-serif; margin: 2em; max-width: 1200px; color: #222; }}
h1 {{ margin-bottom: 0.2em; }} h2 {{ border-bottom: 2px solid #ccc; margin-top: 2em; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 0.3em 0.6em; }}
code {{ background: #f4f4f4; padding: 0 0.2em; }}
</style></head><body>
<h1>fcbench report</h1>
<p>FlashCore kernels and their SDPA peers over commits, from the asv results in <code>{results}</code>,
one section per machine. Nothing here is fetched from the network. asv's own site is in
<a href="asv/index.html">asv/</a>; it needs a static server (<code>python3 -m http.server</code>), as its
pages load JSON.</p>
{sections}
<p id="render-check">charts rendered: checking</p>
<script>
// Shows (and lets a test read) whether every chart image loaded.
window.addEventListener("load", () => {{
  const imgs = [...document.querySelectorAll("img")];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0).length;
  document.getElementById("render-check").textContent = `charts rendered: ${{ok}}/${{imgs.length}}`;
}});
</script>
</body></html>
"""


def _commit(sha: str, commit_url: str | None) -> str:
    code = f"<code>{html.escape(sha[:8])}</code>"
    return f"<a href='{html.escape(commit_url.format(sha=sha))}'>{code}</a>" if commit_url else code


def _gate_section(verdicts: list[dict], commit_url: str | None) -> str:
    """The gate's failing verdicts (from `fcbench gate --json` files) for this machine."""
    if not verdicts:
        return ""
    rows = []
    for v in verdicts:
        for r in v["rows"]:
            if r["verdict"].startswith("FAIL") or r["verdict"] == "MISSING":
                change = f"x{r['ratio']:.3f}" if r.get("ratio") else html.escape(r.get("note") or "")
                rows.append(f"<tr><td>{_commit(v['base'], commit_url)} &rarr; {_commit(v['head'], commit_url)}</td>"
                            f"<td>{html.escape(r['variant'])}</td><td>{html.escape(r['shape'])}</td>"
                            f"<td>{html.escape(r['verdict'])}</td><td>{change}</td></tr>")
    body = ("<table><tr><th>base &rarr; head</th><th>variant</th><th>shape</th><th>verdict</th><th>change</th></tr>"
            + "".join(rows) + "</table>") if rows else "<p>no failing verdicts</p>"
    return f"<h3>Gate verdicts ({len(verdicts)} comparison(s))</h3>{body}"


def _section(hist: History, charts: list[dict], found: list[dict], verdicts: list[dict],
             commit_url: str | None) -> str:
    info = ", ".join(f"{k} {v}" for k, v in hist.info.items() if k in ("name", "capability", "driver", "cuda", "torch"))
    parts = [f"<h2 id='{_machine_slug(hist.machine)}'>Machine {html.escape(hist.machine)}</h2>",
             f"<p>{html.escape(info)}; {len(hist.commits)} commit(s), oldest first: "
             + ", ".join(_commit(c, commit_url) for c in hist.commits) + "</p>"]
    parts.append("<h3>Regressions (asv step detection on latency)</h3>")
    if found:
        rows = "".join(f"<tr><td>{html.escape(r['variant'])}</td><td>{html.escape(r['shape'])}</td>"
                       f"<td>{_commit(r['before'], commit_url)} &rarr; {_commit(r['after'], commit_url)}</td>"
                       f"<td>{r['value_before_us']:.1f} &rarr; {r['value_after_us']:.1f} us (x{r['ratio']:.3f})</td></tr>"
                       for r in found)
        parts.append(f"<table><tr><th>variant</th><th>shape</th><th>starts at</th><th>change</th></tr>{rows}</table>")
    else:
        parts.append("<p>none found</p>")
    parts.append(_gate_section(verdicts, commit_url))
    for section, items in itertools.groupby(charts, key=lambda c: c["section"]):
        parts.append(f"<h3>{html.escape(section)}</h3>")
        parts += [f"<figure><img src='{c['file']}' alt='{html.escape(c['title'])}'></figure>" for c in items]
    return "\n".join(parts)


def build(results_dir: Path, out: Path, *, repo: Path, threshold: float, gate_json: list[Path] = (),
          commit_url: str | None = None, run_asv_publish: bool = True) -> Path:
    """Writes the site into `out`; returns the path of index.html. `gate_json`: `fcbench gate --json`
    files to list; `commit_url`: a link template such as https://github.com/ORG/REPO/commit/{sha}."""
    results_dir, out = Path(results_dir).resolve(), Path(out).resolve()
    if out == results_dir or results_dir in out.parents:
        raise ValueError(f"--out {out}: inside the results directory {results_dir}, which holds results only")
    names = machines(results_dir)
    if not names:
        raise FileNotFoundError(f"no asv results in {results_dir} (run `fcbench record` first)")
    gates = [_gate_json(Path(p)) for p in gate_json]
    damaged = store.damaged_files(results_dir)
    for path, why in damaged:
        print(f"fcbench report: skipping damaged result file {path}: {why}", file=sys.stderr)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    with _readable_view(results_dir, {p for p, _ in damaged}) as readable:
        if run_asv_publish:
            with asv_config(readable, repo, html_dir=out / "asv") as conf:
                proc = subprocess.run([sys.executable, "-m", "asv", "publish", "--config", str(conf)],
                                      capture_output=True, text=True)
            if proc.returncode != 0:
                raise CouldNotRun(f"asv publish failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            localize_asv_site(out / "asv")
        sections = [_damaged_section(damaged)] if damaged else []
        for machine in names:
            hist = load_history(readable, machine)
            if not hist.commits:
                continue
            verdicts = [v for v in gates if v.get("machine") == machine]
            sections.append(_section(hist, write_charts(hist, out), regressions(hist, threshold), verdicts,
                                     commit_url))
    index = out / "index.html"
    index.write_text(PAGE.format(results=html.escape(str(results_dir)), sections="\n".join(sections)))
    return index


def _gate_json(path: Path) -> dict:
    """An `fcbench gate --json` file, or a ValueError naming it and what is wrong."""
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"--gate-json {path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list) or "machine" not in data:
        raise ValueError(f"--gate-json {path}: not an `fcbench gate --json` file (an object with machine and rows)")
    return data


@contextlib.contextmanager
def _readable_view(results_dir: Path, damaged: set[Path]):
    """results_dir itself, or where some files are damaged, a temporary tree of links to every
    other file: asv's readers then neither skip a commit silently nor stop on a damaged file."""
    if not damaged:
        yield results_dir
        return
    with tempfile.TemporaryDirectory(prefix="fcbench-report-results-") as tmp:
        for path in results_dir.rglob("*"):
            if path.is_file() and path not in damaged:
                link = Path(tmp) / path.relative_to(results_dir)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path)
        yield Path(tmp)


def _damaged_section(damaged) -> str:
    rows = "".join(f"<tr><td>{html.escape(str(p))}</td><td>{html.escape(why)}</td></tr>" for p, why in damaged)
    return (f"<h2 id='damaged-results'>Damaged result files ({len(damaged)}), left out of every chart</h2>"
            f"<table><tr><th>file</th><th>why</th></tr>{rows}</table>")
