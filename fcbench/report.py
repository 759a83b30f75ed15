"""fcbench report: a static site from the asv results directory.

- `index.html`: the machines (GPUs never mix) and any damaged result file (left out, named).
- `<machine>/index.html`, the front page: every variant x tracked shape with its latest latency,
  the change against the previous commit and against a baseline the reader picks (N commits
  back, a tag, a date, a commit), each with the gate's verdict under the gate's own budgets, a
  sparkline per row, sortable and filterable; asv's step detection and the gate's verdicts (also
  from `fcbench gate --json` files), and where they disagree, why; each variant relative to the
  fastest SDPA peer on the same commit.
- `<machine>/variant-<name>.html`: every metric of one variant over commits (latency with its
  IQR band and regression markers, relative to the baseline and to the fastest peer, TFLOP/s,
  error / bound, registers, shared memory, spills, stack).
- `static/<machine>/<variant>/latency-<shape>.svg` and `badges/<machine>/<variant>.svg`: static
  SVGs (report_static: pygal charts, shields-style badges) for readers without JavaScript; the
  machine's pages show them in a <noscript> view.
- `asv/`: asv's own published site (`asv publish`), its CDN assets served from asv_vendor/.
  asv's pages put benchmarks.json's and machine.json's strings (a pretty_name, a benchmark's
  code, a machine's fields) and git's tag names into the page as markup: asv publishes from a
  copy of the results with the markup taken out of every string (`asv_inputs`; the results
  themselves are never changed), its index.json's tags are cleaned the same way, and its pages
  get a Content-Security-Policy (`harden_asv_site`).
Commits are shown as people know them (subject, author, date, links from --commit-url), read
from the git repository of the results. Interactive charts (uPlot, vendored in report_assets/);
nothing is fetched at view time, so the site opens from file:// and from GitHub Pages.

What is computed lives in report_data, how it is laid out in report_pages and report_assets/.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import config, report_data, report_pages, report_static, store
from .history import CouldNotRun, asv_config

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


# What asv's pages may hold where its JavaScript builds markup from strings ('<a href="#' + name
# + '">' + pretty_name, tooltips with html: true): no tag, no end of a double-quoted attribute.
# Look-alikes keep the text readable.
_DEFANG = str.maketrans({"<": "\u2039", ">": "\u203a", '"': "'"})


def defang(value, *, code_key: str | None = "code"):
    """value with every string in it (keys too) made markup-free: a benchmark's `code` (shown by
    asv only inside HTML, as its tooltip) is HTML-escaped, so it reads as written; any other
    string has its < > " replaced by look-alikes, as asv shows some of them as text too."""
    if isinstance(value, str):
        return value.translate(_DEFANG)
    if isinstance(value, list):
        return [defang(v, code_key=code_key) for v in value]
    if isinstance(value, dict):
        return {defang(k): html.escape(v) if k == code_key and isinstance(v, str) else defang(v, code_key=code_key)
                for k, v in value.items()}
    return value


def asv_inputs(results_dir: Path, dest: Path) -> Path:
    """The copy of results_dir that asv publishes from: each JSON file (benchmarks.json, a
    machine.json, a result file) with every string defanged; a file that is not valid JSON is
    left out (asv reads nothing else, and the damaged ones are left out already)."""
    for path in sorted(Path(results_dir).rglob("*.json")):
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        target = dest / path.relative_to(results_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(defang(data)))
    return dest


# asv's pages: only their own script files run (no inline script, no event-handler attribute, no
# eval); their JSON comes from the site; styles may be inline (asv and flot write style attributes).
ASV_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
           "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'")
# index.html's one inline script and the onerror attributes that call it: they send a reader to
# error.html when a CDN script fails to load; the vendored scripts are the site's own files.
_ASV_LOAD_FAILURE = re.compile(r'<script type="text/javascript">\s*function js_load_failure\(\) \{[^}]*\}\s*</script>\s*')
_ASV_ONERROR = re.compile(r'\s+onerror="js_load_failure\(\)"')


def harden_asv_site(site: Path) -> None:
    """After asv publish: a Content-Security-Policy in each page (no inline script left for it
    to refuse), and the tags of index.json (git's names, which asv writes into its charts as
    markup) defanged like asv_inputs' strings."""
    for page in site.glob("*.html"):
        text = _ASV_ONERROR.sub("", _ASV_LOAD_FAILURE.sub("", page.read_text()))
        if re.search(r"<script\b(?![^>]*\bsrc=)|\son[a-z]+=", text):
            raise RuntimeError(f"asv's {page.name} has an inline script or event handler fcbench does not know")
        text, found = re.subn(r"<head>", f"<head>\n    {report_pages.csp_meta(ASV_CSP)}", text, count=1)
        if not found:
            raise RuntimeError(f"asv's {page.name} has no <head> for its Content-Security-Policy")
        page.write_text(text)
    index = site / "index.json"
    if index.exists():
        data = json.loads(index.read_text())
        data["tags"] = {defang(tag): rev for tag, rev in data.get("tags", {}).items()}
        index.write_text(json.dumps(data, separators=(",", ":")))


def build(results_dir: Path, out: Path, *, repo: Path | None, cfg: config.GateConfig | None = None,
          gate_json: list[Path] = (), commit_url: str | None = None, run_asv_publish: bool = True) -> Path:
    """Writes the site into `out`; returns the path of index.html. `cfg`: the gate's budgets
    ([tool.fcbench.gate] by default); `gate_json`: `fcbench gate --json` files to show; `repo`:
    where the commits' subjects, authors, dates and order come from (None: no repository; the
    pages show each commit's sha and asv's date, and asv's own site, which walks git's history,
    is not built); `commit_url`: a link template such as https://github.com/ORG/REPO/commit/{sha}.
    Results from a repository that lacks some of their commits are built all the same, with a
    warning counting them."""
    results_dir, out = Path(results_dir).resolve(), Path(out).resolve()
    if out == results_dir or results_dir in out.parents:
        raise ValueError(f"--out {out}: inside the results directory {results_dir}, which holds results only")
    cfg = cfg or config.load().gate
    gates = [{**_gate_json(Path(p)), "file": str(p)} for p in gate_json]
    damaged = store.damaged_files(results_dir)
    for path, why in damaged:
        print(f"fcbench report: skipping damaged result file {path}: {why}", file=sys.stderr)
    # A machine whose machine.json is damaged has no results asv can read: it is named above.
    damaged_paths = {p for p, _ in damaged}
    names = [m for m in report_data.machines(results_dir) if results_dir / m / "machine.json" not in damaged_paths]
    if not names:
        raise FileNotFoundError(f"no asv results in {results_dir} (run `fcbench record` first)" if not damaged else
                                f"no readable asv results in {results_dir}: every machine's are damaged (named above)")
    out.mkdir(parents=True, exist_ok=True)
    report_pages.write_assets(out)
    notes = []
    if repo is None and run_asv_publish:
        run_asv_publish = False
        notes.append("No git repository: commits are shown by sha and the date asv recorded, in that order, "
                     "and asv's own site (which walks git's history) is not built.")
    charts = report_static.have_pygal()
    if not charts:
        notes.append("pygal is not installed: no static charts for readers without JavaScript (badges only; "
                     "pip install pygal).")
    with _readable_view(results_dir, damaged_paths) as readable:
        if run_asv_publish:
            with tempfile.TemporaryDirectory(prefix="fcbench-report-asv-") as tmp, \
                    asv_config(asv_inputs(readable, Path(tmp)), repo, html_dir=out / "asv") as conf:
                proc = subprocess.run([sys.executable, "-m", "asv", "publish", "--config", str(conf)],
                                      capture_output=True, text=True)
            if proc.returncode != 0:
                raise CouldNotRun(f"asv publish failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            localize_asv_site(out / "asv")
            harden_asv_site(out / "asv")
        shown = []
        for machine in names:
            hist = report_data.load_history(readable, machine, repo)
            if not hist.commits:
                continue
            unknown = sum(not c.in_repo for c in hist.commits)
            if repo is not None and unknown:
                notes.append(f"{machine}: {unknown} of {len(hist.commits)} commits are not in the repository {repo} "
                             "(shown by sha and asv's date; build with --repo naming the repository they come from).")
            data = report_data.payload(hist, cfg, [g for g in gates if g.get("machine") == machine], commit_url)
            static = report_static.write(out, hist, {(r["variant"], r["shape"]): r["previous"] for r in data["rows"]},
                                         charts=charts)
            report_pages.write_machine(out, data, static)
            report_pages.write_feed(out, data)
            shown.append(data)
    for note in notes:
        print(f"fcbench report: {note}", file=sys.stderr)
    return report_pages.write_index(out, results_dir, shown, damaged, notes=notes, asv_site=run_asv_publish)


def _gate_json(path: Path) -> dict:
    """An `fcbench gate --json` file, or a ValueError naming it and what is wrong: the fields the
    report reads (machine, base, head; each row's variant, shape and verdict as strings)."""
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError as exc:
        raise ValueError(f"--gate-json {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"--gate-json {path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list) or "machine" not in data:
        raise ValueError(f"--gate-json {path}: not an `fcbench gate --json` file (an object with machine and rows)")
    missing = [k for k in ("machine", "base", "head") if not isinstance(data.get(k), str)]
    if missing:
        raise ValueError(f"--gate-json {path}: {', '.join(missing)} missing or not a string")
    for i, row in enumerate(data["rows"]):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("variant", "shape", "verdict")):
            raise ValueError(f"--gate-json {path}: row {i} is not an object with variant, shape and verdict strings")
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
