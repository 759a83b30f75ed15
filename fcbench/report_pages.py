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


def file_stem(name: str) -> str:
    """name as a file name: itself where it is a plain one, else a slug with a hash of the name
    (a variant's name comes from a result file), so distinct names stay distinct files."""
    slug = re.sub(r"[^a-zA-Z0-9_.-]+", "-", name).strip("-.") or "x"
    return slug if slug == name else slug + "-" + hashlib.sha1(name.encode()).hexdigest()[:8]


def variant_file(name: str) -> str:
    """The page of a variant: variant-<name>.html (file_stem)."""
    return f"variant-{file_stem(name)}.html"


def js_data(name: str, data) -> str:
    """A script file setting window.<name> to the JSON of data. No '<' is left in it (each is
    \\u003c in its strings), so even where the text ends up inside a <script> element, no
    '</script>' or '<!--' in the data can end it."""
    text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    return f"window.{name} = {text};\n"


def _page(title: str, body: str, *, depth: int, scripts: bool = False, noscript: str = "") -> str:
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
<noscript>{noscript or "These pages draw their tables and charts with JavaScript (nothing is fetched from the network)."}</noscript>
{tags}
</body></html>
"""


def write_assets(out: Path) -> None:
    shutil.copytree(ASSETS, out / "assets", dirs_exist_ok=True)


def _img(path: str, alt: str, cls: str) -> str:
    return f'<img class="{cls}" src="../{html.escape(path)}" alt="{html.escape(alt)}" loading="lazy">'


def static_view(data: dict, static: dict | None, variant: str | None = None) -> str:
    """A machine's page without JavaScript (inside <noscript>): the kernels' badges and the static
    latency charts (report_static), of every variant on the front page or of one on its page."""
    if not static:
        return ""
    names = [v["name"] for v in data["variants"] if variant is None or v["name"] == variant]
    badges = " ".join(_img(b["path"], f"{b['label']}: {b['message']}", "badge")
                      for name, b in static["badges"].items() if name in names)
    parts = ["<section class='static-view'>",
             "<p class='note'>JavaScript is off: static charts, drawn when the report was built (pygal), stand in "
             "for the interactive tables and charts. Each is one variant and shape's latency per commit (median, "
             "IQR bar), a red mark where the gate's verdict against the previous commit fails. Badges: a kernel's "
             "latest latency over the fastest SDPA peer's, coloured by its latest verdicts.</p>"]
    if badges:
        parts.append(f"<p class='badges'>{badges}</p>")
    for v in data["variants"]:
        if v["name"] not in names:
            continue
        charts = [(shape, path) for (name, shape), path in static["charts"].items() if name == v["name"]]
        if variant is None:
            parts.append(f"<h2><a href='{html.escape(v['page'])}'>{html.escape(v['name'])}</a></h2>")
        parts.append("<div class='static-charts'>" + "".join(
            _img(path, f"{v['name']} {shape}: latency per commit", "chart") for shape, path in charts) + "</div>")
    return "\n".join(parts) + "</section>"


def _without_js(title: str, links: str, view: str) -> str:
    return f"<h1>{html.escape(title)}</h1>{links}{view}" if view else ""


def write_machine(out: Path, data: dict, static: dict | None = None) -> Path:
    """data.js, the front page and a page per variant; returns the front page. report.js draws
    the page that its <main id="page"> names (data-page, and data-variant's name); `static`:
    report_static.write's SVGs, shown in each page's <noscript> view."""
    folder = out / machine_slug(data["machine"])
    folder.mkdir(parents=True, exist_ok=True)
    for v in data["variants"]:
        v["page"] = variant_file(v["name"])
    (folder / "data.js").write_text(js_data("FCBENCH_DATA", data))
    front = folder / "index.html"
    front.write_text(_page(f"fcbench: {data['machine']}", '<main id="page" data-page="front"></main>', depth=1,
                           scripts=True, noscript=_without_js(f"fcbench: {data['machine']}", "", static_view(data, static))))
    for v in data["variants"]:
        (folder / v["page"]).write_text(
            _page(f"{v['name']} on {data['machine']}",
                  f'<main id="page" data-page="variant" data-variant="{html.escape(v["name"])}"></main>', depth=1,
                  scripts=True, noscript=_without_js(f"{v['name']} on {data['machine']}",
                                                     "<p><a href='index.html'>front page</a></p>",
                                                     static_view(data, static, v["name"]))))
    return front


def write_feed(out: Path, data: dict, site_url: str | None = None) -> Path:
    """<machine>/regressions.atom: an Atom feed of the regressions attributed to code (headlined
    latency slowdowns, net of the machine, and resources of changed code reaching a ceiling),
    newest first, for a feed reader or a chat hook. Every string from the results is escaped."""
    from datetime import UTC, datetime
    from xml.sax.saxutils import escape

    folder = out / machine_slug(data["machine"])
    folder.mkdir(parents=True, exist_ok=True)
    # Links relative to the feed itself (it sits beside the pages), or absolute under the site's URL.
    base = (site_url.rstrip("/") + "/" + machine_slug(data["machine"]) + "/") if site_url else ""
    stamp = lambda ms: datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    entries = []
    for e in sorted(data["events"], key=lambda e: -e["index"]):
        if not e["headline"] or e["kind"] == "environment" or (e["kind"] == "latency" and e["net"] <= 1):
            continue
        c = data["commits"][e["index"]]
        if e["kind"] == "latency":
            title = (f"{e['variant']} {e['shape']}: {e['before']:.4g} -> {e['after']:.4g} us "
                     f"(x{e['ratio']:.3f}, net of the machine x{e['net']:.3f})")
        else:
            title = f"{e['variant']} {e['shape']}: {e['kind']} {e['before']:g} -> {e['after']:g} (ceiling {e['ceiling']:g})"
        page = base + variant_file(e["variant"])
        summary = f"commit {e['index'] + 1} {c['sha'][:8]}: {c['subject']}"
        entries.append(
            f"<entry><id>urn:fcbench:{escape(data['machine'])}:{escape(c['sha'])}:{escape(e['kind'])}:"
            f"{escape(e['variant'])}:{escape(e['shape'])}</id><title>{escape(title)}</title>"
            f"<updated>{stamp(c['date'])}</updated><link href=\"{escape(page)}\"/>"
            f"<summary>{escape(summary)}</summary>"
            "</entry>")
    updated = stamp(data["commits"][-1]["date"]) if data["commits"] else "1970-01-01T00:00:00Z"
    feed = folder / "regressions.atom"
    feed.write_text('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                    f"<id>urn:fcbench:{escape(data['machine'])}:regressions</id>"
                    f"<title>fcbench: regressions by code on {escape(data['machine'])}</title>"
                    f"<updated>{updated}</updated><author><name>fcbench report</name></author>"
                    + "".join(entries) + "</feed>\n")
    return feed


def _shown_path(path: Path) -> str:
    """The results directory as a reader of the published site should see it: relative to where
    the report was built, never the builder's absolute path (a home directory, a runner's work dir)."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return "/".join(path.parts[-2:])


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
             f"<code>{html.escape(_shown_path(results_dir))}</code>: one front page per machine (GPUs never mix), "
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

