"""The report's HTML: a page listing the machines (and any damaged result file), and per machine
a front page and one page per variant. The pages are skeletons; report_assets/report.js draws
them from the machine's data.js (report_data.payload), loaded as a plain script so that they work
from file:// (where a page may not fetch JSON) as from GitHub Pages.

Everything a page shows comes from the results branch (result files, benchmarks.json,
machine.json) or from git (subjects, authors, tags), and anyone who can push a result can write
it: Python escapes every value it puts in HTML, data.js is a script file of its own (no value
reaches the page's markup as script), report.js puts values in the page as text, never as
markup, and every page carries a Content-Security-Policy that runs the site's own script files
only (no inline script, no event-handler attribute), the second line of defence."""

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


# The site's own script and style files only: no inline script or event handler, no eval, nothing
# from the network. Chromium matches 'self' against file:// URLs, so the pages work from disk.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "base-uri 'none'; form-action 'none'")


def csp_meta(policy: str = CSP) -> str:
    assert '"' not in policy
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=False)}">'


def variant_file(name: str) -> str:
    """The page of a variant: variant-<name>.html, a slug where the name (from a result file) is
    not a plain file name."""
    slug = re.sub(r"[^a-zA-Z0-9_.-]+", "-", name).strip("-.") or "x"
    return f"variant-{slug if slug == name else slug + '-' + hashlib.sha1(name.encode()).hexdigest()[:8]}.html"


def js_data(name: str, data) -> str:
    """A script file setting window.<name> to the JSON of data. No '<' is left in it (each is
    \\u003c in its strings), so even where the text ends up inside a <script> element, no
    '</script>' or '<!--' in the data can end it."""
    text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    return f"window.{name} = {text};\n"


def _page(title: str, body: str, *, depth: int, scripts: bool = False) -> str:
    up = "../" * depth
    tags = (f'<script src="{up}assets/uplot/uPlot.iife.min.js"></script>\n<script src="data.js"></script>\n'
            f'<script src="{up}assets/report.js"></script>') if scripts else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
{csp_meta()}
<title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{up}assets/uplot/uPlot.min.css">
<link rel="stylesheet" href="{up}assets/report.css">
</head><body>
{body}
<noscript>These pages draw their tables and charts with JavaScript (nothing is fetched from the network).</noscript>
{tags}
</body></html>
"""


def write_assets(out: Path) -> None:
    shutil.copytree(ASSETS, out / "assets", dirs_exist_ok=True)


def write_machine(out: Path, data: dict) -> Path:
    """data.js, the front page and a page per variant; returns the front page. report.js draws
    the page that its <main id="page"> names (data-page, and data-variant's name)."""
    folder = out / machine_slug(data["machine"])
    folder.mkdir(parents=True, exist_ok=True)
    for v in data["variants"]:
        v["page"] = variant_file(v["name"])
    (folder / "data.js").write_text(js_data("FCBENCH_DATA", data))
    front = folder / "index.html"
    front.write_text(_page(f"fcbench: {data['machine']}", '<main id="page" data-page="front"></main>', depth=1,
                           scripts=True))
    for v in data["variants"]:
        (folder / v["page"]).write_text(
            _page(f"{v['name']} on {data['machine']}",
                  f'<main id="page" data-page="variant" data-variant="{html.escape(v["name"])}"></main>', depth=1,
                  scripts=True))
    return front


def write_index(out: Path, results_dir: Path, machines: list[dict], damaged: list[tuple[Path, str]], *,
                notes: list[str] = (), asv_site: bool = True) -> Path:
    """The site's first page: each machine with its latest commit and what fails there; `notes`:
    what the build could not do (no repository, commits it lacks), first."""
    def text(value) -> str:
        return html.escape(str(value))

    rows = "".join(
        f"<tr><td><a href='{text(machine_slug(m['machine']))}/index.html'>{text(m['machine'])}</a></td>"
        f"<td>{text(m['info'].get('name', ''))}</td><td class='num'>{len(m['commits'])}</td>"
        f"<td><code>{text(m['commits'][-1]['sha'][:8])}</code> {text(m['commits'][-1]['subject'])}</td>"
        f"<td class='num'>{sum(r['previous'][-1] in FAILING for r in m['rows'])}</td></tr>"
        for m in machines)
    parts = ["<h1>fcbench report</h1>",
             f"<p>FlashCore kernels and their SDPA peers over commits, from the asv results in "
             f"<code>{html.escape(str(results_dir))}</code>: one front page per machine (GPUs never mix), "
             "a page per variant. Nothing is fetched from the network."
             + (" asv's own site is in <a href='asv/index.html'>asv/</a>; it needs a static server "
                "(<code>python3 -m http.server</code>), as its pages load JSON." if asv_site else "") + "</p>",
             *(f"<p class='note build-note'>{html.escape(note)}</p>" for note in notes),
             "<table id='machines'><tr><th>machine</th><th>device</th><th>commits</th><th>latest commit</th>"
             f"<th>failing vs previous</th></tr>{rows}</table>" if machines else "<p>no machine has results</p>"]
    if damaged:
        items = "".join(f"<tr><td>{html.escape(str(p))}</td><td>{html.escape(why)}</td></tr>" for p, why in damaged)
        parts.append(f"<section class='damaged' id='damaged-results'><h2>Damaged result files ({len(damaged)}), "
                     f"left out of every page</h2><table><tr><th>file</th><th>why</th></tr>{items}</table></section>")
    index = out / "index.html"
    index.write_text(_page("fcbench report", "\n".join(parts), depth=0))
    return index

