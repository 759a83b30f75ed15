"""Static SVGs of the report, for where JavaScript can't run (issue 24 item 6): a README, a pull
request comment, a mail, a browser with scripts off (the pages' <noscript> views show them).

- Per machine, per (variant, shape): the latency history (pygal), the median per commit with its
  interquartile range as a bar, x = the commit's number (oldest first), and a red mark on every
  commit whose gate verdict against the previous commit is failing (report_data.verdicts).
- Per machine, per kernel variant: a badge (hand-written SVG, shields-style), "mma_fused | 0.81x
  sdpa_cudnn (1,8,512,64)": its latest latency over the fastest SDPA peer's on the same commit at
  FlashCore's headline shape (the first of shapes.DEFAULT_SHAPES; another shape where the variant
  or no peer ran there), coloured by its latest verdicts (red: a shape's verdict against the
  previous commit is failing; green: none is; grey: no verdict, as at the first commit).

Everything in an SVG that comes from the results or git (variant, shape, machine, commit
subject) is untrusted text: it reaches the file only as escaped XML text or attribute values
(pygal builds an element tree; the badge escapes by hand), with the characters XML cannot hold
taken out. No script (pygal's JavaScript is off, `js=[]`, and its config <script> removed), no
external stylesheet or font, no link: an SVG here fetches and runs nothing.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

from . import registry, report_data
from .gate import FAILING
from .report_pages import file_stem, machine_slug
from .shapes import DEFAULT_SHAPES

HEADLINE_SHAPE = str(DEFAULT_SHAPES[0])  # "(1,8,512,64)"
# The pages' own verdict colours (report.css: .v-fail, .v-faster), and a neutral grey for no verdict.
FAIL_COLOR, PASS_COLOR, NONE_COLOR = "#d7263d", "#59a14f", "#808080"
FONT = '"DejaVu Sans", Verdana, Geneva, sans-serif'
CHART_SIZE = (720, 360)

# What XML 1.0 cannot hold at all (escaping does not help): C0 controls but tab and newlines,
# lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value) -> str:
    """Untrusted text made fit for an XML tree (escaping is the tree's, or `attr`'s)."""
    return _NOT_XML.sub("\ufffd", str(value))


def attr(value) -> str:
    """Untrusted text escaped for XML text or a double- or single-quoted attribute."""
    return html.escape(text(value), quote=True)


def shape_stem(shape: str) -> str:
    """(4,16,2048,64,causal) -> 4-16-2048-64-causal; a shape that is not one fcbench writes gets
    a hash too, so distinct names stay distinct files."""
    stem = re.sub(r"[^0-9a-z]+", "-", shape).strip("-")
    return stem if re.fullmatch(r"\(\d+(,\d+)*(,causal)?\)", shape) else f"{stem or 'x'}-{hashlib.sha1(shape.encode()).hexdigest()[:8]}"


def chart_path(machine: str, variant: str, shape: str) -> str:
    """The chart's path, relative to the site's root."""
    return f"static/{machine_slug(machine)}/{file_stem(variant)}/latency-{shape_stem(shape)}.svg"


def badge_path(machine: str, variant: str) -> str:
    return f"badges/{machine_slug(machine)}/{file_stem(variant)}.svg"


def _without_scripts(root):
    """pygal's xml filter: every <script> out of the tree (pygal writes one holding its config as
    JSON, with the titles and labels in it, even with js=[]), and its comments (links to its
    site, and the date, which would make each build's files differ), and the <desc> elements its
    tooltips read but a label's (the commit; a point's value and position are what it draws)."""
    for parent in list(root.iter()):
        for child in list(parent):
            name = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else None
            if name in (None, "script") or name == "desc" and child.get("class") != "label":
                parent.remove(child)
    return root


def latency_svg(hist: report_data.History, key: tuple[str, str], previous: list) -> str:
    """The latency history of one (variant, shape) as a static SVG; previous[i]: the gate's
    verdict of commit i against commit i-1 (report_data.verdicts' `previous[key]`)."""
    import pygal
    from pygal.style import Style

    variant, shape = key
    points = hist.series["latency"].get(key) or [report_data.Point(None)] * len(hist.commits)
    previous = list(previous or [None] * len(hist.commits))

    def label(i: int) -> str:
        c = hist.commits[i]
        return text(f"commit {i + 1}: {c.sha[:8]} {c.subject}".rstrip())

    median, failing, last = [], [], None
    for i, p in enumerate(points):
        if p.value is not None:
            point = {"value": p.value, "label": label(i)}
            if p.q25 is not None and p.q75 is not None:
                point["ci"] = {"low": p.q25, "high": p.q75}
            median.append(point)
            last = p.value
        else:
            median.append(None)
        verdict = previous[i] if i < len(previous) else None
        at = p.value if p.value is not None else last
        failing.append({"value": at, "label": text(f"{verdict} vs commit {i}: {label(i)}")}
                       if verdict in FAILING and at is not None else None)
    color = report_data.variant_color(variant)
    style = Style(background="white", plot_background="white", foreground="#222", foreground_strong="#222",
                  foreground_subtle="#ddd", opacity="1", opacity_hover="1", transition="none", font_family=FONT,
                  colors=(color, FAIL_COLOR), title_font_size=15, label_font_size=11, major_label_font_size=11,
                  legend_font_size=12, no_data_font_size=14, guide_stroke_color="#e4e4e4",
                  major_guide_stroke_color="#c8c8c8", guide_stroke_dasharray="0", major_guide_stroke_dasharray="0")
    known = [v for p in points for v in (p.value, p.q25, p.q75) if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    pad = (hi - lo) * 0.06 or abs(hi) * 0.02 or 1.0  # room for the IQR bars and the marks
    n = len(hist.commits)
    chart = pygal.Line(
        width=CHART_SIZE[0], height=CHART_SIZE[1], explicit_size=True, style=style, js=[],
        disable_xml_declaration=False, pretty_print=False,
        title=text(f"{variant} {shape}: latency on {hist.machine}"),
        x_title=f"commit (1 = oldest of {n})", y_title="us per call", stroke_style={"width": 2},
        range=(lo - pad, hi + pad) if known else None,
        x_labels=[str(i + 1) for i in range(n)], x_labels_major_count=min(n, 12), show_minor_x_labels=n <= 24,
        allow_interruptions=True, legend_at_bottom=True, legend_at_bottom_columns=2, truncate_legend=-1,
        truncate_label=-1, no_data_text="no latency recorded", print_values=False, include_x_axis=False,
        dots_size=3, show_x_guides=False)
    chart.uuid = "fcbench-" + hashlib.sha1(f"{hist.machine}\0{variant}\0{shape}".encode()).hexdigest()[:12]
    chart.add_xml_filter(_without_scripts)
    chart.add(text(f"{variant}: median, IQR bar"), median)
    chart.add("gate: failing vs the previous commit", failing, stroke=False, dots_size=6)
    return chart.render(is_unicode=True)


def _ratio(r: float) -> str:
    return f"{r:.3g}\u00d7"


def badge_facts(hist: report_data.History, variant: str, previous: dict) -> dict:
    """What a variant's badge says: message, colour, title (its full sentence); previous: the
    gate's verdicts against the previous commit per (variant, shape) (report_data.verdicts)."""
    n = len(hist.commits)
    shapes = sorted({s for v, s in hist.series["latency"] if v == variant}, key=report_data.shape_order)
    ordered = ([HEADLINE_SHAPE] if HEADLINE_SHAPE in shapes else []) + [s for s in shapes if s != HEADLINE_SHAPE]
    found = None
    for shape in ordered:
        ratios = report_data.peer_ratios(hist, (variant, shape))
        latest = max((i for i, r in enumerate(ratios) if r is not None), default=None)
        if latest is not None:
            peer, peer_us = report_data.fastest_peer(hist, shape, latest)
            found = (shape, latest, ratios[latest], peer, peer_us, hist.series["latency"][(variant, shape)][latest].value)
            break
    latest_verdicts = {s: (previous.get((variant, s)) or [None] * n)[-1] for v, s in
                       {*hist.series["latency"], *previous} if v == variant}
    failing = sorted((s, v) for s, v in latest_verdicts.items() if v in FAILING)
    judged = [v for v in latest_verdicts.values() if v]
    state = "fail" if failing else "pass" if judged else "none"
    color = {"fail": FAIL_COLOR, "pass": PASS_COLOR, "none": NONE_COLOR}[state]
    last = hist.commits[-1]
    said = (f"gate vs the previous commit at the latest ({n}: {last.sha[:8]}): "
            + ("; ".join(f"{v} at {s}" for s, v in failing) if failing else
               f"no failing verdict over {len(judged)} shape(s)" if judged else "no verdict (no previous commit to compare)"))
    if found is None:
        message = "no SDPA peer ratio"
        title = f"{variant} on {hist.machine}: no latency of it and of an SDPA peer on one commit; {said}"
    else:
        shape, i, ratio, peer, peer_us, own_us = found
        message = f"{_ratio(ratio)} {peer} {shape}"
        title = (f"{variant} on {hist.machine}: {own_us:.4g} us at {shape}, {_ratio(ratio)} the fastest SDPA peer "
                 f"{peer} ({peer_us:.4g} us) at commit {i + 1} of {n} ({hist.commits[i].sha[:8]}); {said}")
    return {"label": variant, "message": message, "state": state, "color": color, "title": title,
            "shape": found[0] if found else None, "ratio": found[2] if found else None, "peer": found[3] if found else None}


def _width(s: str) -> float:
    """About how wide s is in 11 px DejaVu Sans / Verdana (the text is then fitted to it)."""
    narrow, wide = set("ijlt.,:;!|()[]' "), set("mwMW@%\u00d7")
    return sum(3.6 if c in narrow else 10.5 if c in wide else 7.2 if c.isupper() or c.isdigit() else 6.6 for c in s)


def badge_svg(facts: dict) -> str:
    """A shields-style badge: the variant on grey, the message on the verdict's colour."""
    label, message = text(facts["label"]), text(facts["message"])
    lw, mw = round(_width(label) + 12), round(_width(message) + 12)
    w = lw + mw
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" viewBox="0 0 {w} 20" role="img" '
            f'aria-label="{attr(label)}: {attr(message)}">'
            f'<title>{attr(facts["title"])}</title>'
            f'<rect width="{lw}" height="20" rx="3" fill="#555"/>'
            f'<rect x="{lw}" width="{mw}" height="20" rx="3" fill="{facts["color"]}"/>'
            f'<rect x="{lw}" width="4" height="20" fill="{facts["color"]}"/>'
            f'<g fill="#fff" font-family="{attr(FONT)}" font-size="11">'
            f'<text x="6" y="14" textLength="{lw - 12}" lengthAdjust="spacingAndGlyphs">{attr(label)}</text>'
            f'<text x="{lw + 6}" y="14" textLength="{mw - 12}" lengthAdjust="spacingAndGlyphs">{attr(message)}</text>'
            f'</g></svg>\n')


def have_pygal() -> bool:
    try:
        import pygal  # noqa: F401
    except ImportError:  # a runner image installed with --no-deps: the badges are still written
        return False
    return True


def write(out: Path, hist: report_data.History, previous: dict, *, charts: bool = True) -> dict:
    """Every chart and badge of one machine under out/static/<machine>/ and out/badges/<machine>/
    (each folder replaced; `charts`: False where pygal is missing, badges only); returns what was
    written, paths relative to out: {"charts": {(variant, shape): path}, "badges": {variant:
    {"path", "label", "message", "state", "title"}}}."""
    out = Path(out)
    for folder in (out / "static" / machine_slug(hist.machine), out / "badges" / machine_slug(hist.machine)):
        shutil.rmtree(folder, ignore_errors=True)
    written = {"charts": {}, "badges": {}}
    for key in hist.keys if charts else ():
        path = chart_path(hist.machine, *key)
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(latency_svg(hist, key, previous.get(key)), encoding="utf-8")
        written["charts"][key] = path
    for variant in sorted({v for v, _ in hist.keys}, key=report_data.variant_position):
        if not registry.is_kernel_name(variant):
            continue
        facts = badge_facts(hist, variant, previous)
        path = badge_path(hist.machine, variant)
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(badge_svg(facts), encoding="utf-8")
        written["badges"][variant] = {"path": path, **{k: facts[k] for k in ("label", "message", "state", "title")}}
    return written
