"""The report's HTML: a page listing the machines (and any damaged result file), and per machine
a front page and one page per variant. The pages are skeletons; report_assets/report.js draws
them from the machine's data.js (report_data.payload), loaded as a plain script so that they work
from file:// (where a page may not fetch JSON) as from GitHub Pages."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

from .gate import FAILING

ASSETS = Path(__file__).resolve().parent / "report_assets"


def machine_slug(name: str) -> str:
    """A folder per machine, distinct for distinct names ('gpu two', 'gpu-two')."""
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", name).strip("-").lower()
    return slug if slug == name else f"{slug}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _page(title: str, body: str, *, depth: int, script: str = "") -> str:
    up = "../" * depth
    scripts = (f'<script src="{up}assets/uplot/uPlot.iife.min.js"></script>\n<script src="data.js"></script>\n'
               f'<script src="{up}assets/report.js"></script>\n<script>{script}</script>') if script else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{up}assets/uplot/uPlot.min.css">
<link rel="stylesheet" href="{up}assets/report.css">
</head><body>
{body}
<noscript>These pages draw their tables and charts with JavaScript (nothing is fetched from the network).</noscript>
{scripts}
</body></html>
"""


def write_assets(out: Path) -> None:
    shutil.copytree(ASSETS, out / "assets", dirs_exist_ok=True)


def write_machine(out: Path, data: dict) -> Path:
    """data.js, the front page and a page per variant; returns the front page."""
    folder = out / machine_slug(data["machine"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.js").write_text("window.FCBENCH_DATA = " + json.dumps(data, separators=(",", ":")) + ";\n")
    front = folder / "index.html"
    front.write_text(_page(f"fcbench: {data['machine']}", '<main id="page"></main>', depth=1,
                           script='FC.frontPage(document.getElementById("page"));'))
    for v in data["variants"]:
        (folder / f"variant-{v['name']}.html").write_text(
            _page(f"{v['name']} on {data['machine']}", '<main id="page"></main>', depth=1,
                  script=f'FC.variantPage(document.getElementById("page"), {json.dumps(v["name"])});'))
    return front


def write_index(out: Path, results_dir: Path, machines: list[dict], damaged: list[tuple[Path, str]]) -> Path:
    """The site's first page: each machine with its latest commit and what fails there."""
    rows = "".join(
        f"<tr><td><a href='{machine_slug(m['machine'])}/index.html'>{html.escape(m['machine'])}</a></td>"
        f"<td>{html.escape(m['info'].get('name', ''))}</td><td class='num'>{len(m['commits'])}</td>"
        f"<td><code>{m['commits'][-1]['sha'][:8]}</code> {html.escape(m['commits'][-1]['subject'])}</td>"
        f"<td class='num'>{sum(r['previous'][-1] in FAILING for r in m['rows'])}</td></tr>"
        for m in machines)
    parts = ["<h1>fcbench report</h1>",
             f"<p>FlashCore kernels and their SDPA peers over commits, from the asv results in "
             f"<code>{html.escape(str(results_dir))}</code>: one front page per machine (GPUs never mix), "
             "a page per variant. Nothing is fetched from the network. asv's own site is in "
             "<a href='asv/index.html'>asv/</a>; it needs a static server (<code>python3 -m http.server</code>), "
             "as its pages load JSON.</p>",
             "<table id='machines'><tr><th>machine</th><th>device</th><th>commits</th><th>latest commit</th>"
             f"<th>failing vs previous</th></tr>{rows}</table>" if machines else "<p>no machine has results</p>"]
    if damaged:
        items = "".join(f"<tr><td>{html.escape(str(p))}</td><td>{html.escape(why)}</td></tr>" for p, why in damaged)
        parts.append(f"<section class='damaged' id='damaged-results'><h2>Damaged result files ({len(damaged)}), "
                     f"left out of every page</h2><table><tr><th>file</th><th>why</th></tr>{items}</table></section>")
    index = out / "index.html"
    index.write_text(_page("fcbench report", "\n".join(parts), depth=0))
    return index

