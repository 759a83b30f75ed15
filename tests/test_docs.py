"""The documents stand alone: README.md and docs/*.md link to and name only files of this
repository that exist, so a clone has everything they point to (issue 26).

Checked, outside fenced code blocks: every relative markdown link (inline, image, reference
definition, HTML href/src), resolved from the document's own folder, and every word of an inline
code span that starts with one of the repository's top folders (`docs/`, `scripts/`, ...),
resolved from the repository root. `#anchors`, pytest's `::node` ids and `:line` suffixes are
stripped; `<placeholder>`, `*` and `{a,b}` match as globs (at least one file). Everywhere, fences
included: nothing starts with `../` (the repository's parent is not in a clone)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP_FOLDERS = ("docs/", "scripts/", "fcbench/", "tests/", "benchmarks/", "csrc/", "deploy/", ".github/")
EXTERNAL = ("http://", "https://", "mailto:")

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[`~]*[ \t]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?", re.M)
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
PARENT = re.compile(r"(?<![\w./])\.\./")  # not inside a URL or a longer path
GLOB = re.compile(r"<[^>/]*>|\{[^}/]*\}")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _blank(match: re.Match) -> str:
    """The match with everything but newlines blanked, so positions (line numbers) stay."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _exists(path: str, base: Path) -> bool:
    """Whether `path` (from `base`; from the repository root when it starts with /) names a file
    or folder; with a placeholder or glob, whether it matches one."""
    if path.startswith("/"):
        base, path = ROOT, path.lstrip("/")
    path = GLOB.sub("*", path)
    if any(c in path for c in "*?["):
        return any(base.glob(path))
    return (base / path).exists()


def _target(raw: str) -> str:
    """A path as written, without its #anchor, pytest ::node id, :line suffix or trailing punctuation."""
    path = raw.split("#", 1)[0].split("::", 1)[0]
    path = re.sub(r":\d+(-\d+)?$", "", path)
    return path.rstrip(".,;:)")


def problems(text: str, document: Path) -> list[str]:
    """Every link or path mention in `text` (the contents of `document`) that leaves the
    repository or names nothing in it, as 'line N: ...'."""
    found = [f"line {_line(text, m.start())}: {text[m.start():m.start() + 40].splitlines()[0]!r} starts with ../ "
             "(outside the repository: not in a clone)" for m in PARENT.finditer(text)]
    prose = FENCE.sub(_blank, text)
    for pattern in (INLINE_LINK, REFERENCE_DEFINITION, HTML_LINK):
        for m in pattern.finditer(CODE_SPAN.sub(_blank, prose)):
            link = m.group(1)
            if not link or link.startswith(("#", *EXTERNAL)) or PARENT.match(link):
                continue
            path = _target(link)
            resolved = (ROOT / path.lstrip("/") if path.startswith("/") else document.parent / path).resolve()
            if not resolved.is_relative_to(ROOT):
                found.append(f"line {_line(prose, m.start())}: link {link!r} leaves the repository")
            elif not _exists(path, document.parent):
                found.append(f"line {_line(prose, m.start())}: link {link!r}: no such file in the repository")
    for m in CODE_SPAN.finditer(prose):
        for word in m.group(2).split():
            word = word.strip("\"'(")
            if not word.startswith(TOP_FOLDERS):
                continue
            if not (ROOT / _target(word)).resolve().is_relative_to(ROOT):
                found.append(f"line {_line(prose, m.start())}: `{word}` leaves the repository")
            elif not _exists(_target(word), ROOT):
                found.append(f"line {_line(prose, m.start())}: `{word}`: no such file or folder in the repository")
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=[str(d.relative_to(ROOT)) for d in DOCUMENTS])
def test_links_and_paths_stay_in_the_repository_and_exist(document):
    found = problems(document.read_text(), document)
    assert not found, f"{document.relative_to(ROOT)}:\n  " + "\n  ".join(found)


def test_readme_points_to_the_design_notes_inside_the_repository():
    assert (ROOT / "docs" / "design.md").is_file()
    assert "`docs/design.md`" in (ROOT / "README.md").read_text().split("\n\n")[1]


@pytest.mark.parametrize("text", [
    "architecture and measurement rules: `../shared/DESIGN.md`.",
    "see [the design](../shared/DESIGN.md)",
    "see ../shared/CONTEXT.md for the background",
    "[design]: ../shared/DESIGN.md",
    "```sh\ncat ../shared/DESIGN.md\n```",
    "the notes: `docs/no-such-notes.md`",
    "run `python3 scripts/no_such_script.py VARIANT`",
    "see [results](no-such-file.md#device)",
    "see [results](/docs/no-such-file.md)",
    "see [the logs](/docs/validation/*-no-such-gpu/)",
    "logs: `docs/validation/<date>-no-such-gpu/`",
])
def test_the_check_finds_what_leaves_or_is_missing(text):
    assert problems(text, ROOT / "README.md")


@pytest.mark.parametrize("text", [
    "notes: `docs/design.md#gate-verdicts-and-exit-codes`, `tests/test_docs.py::test_the_check_finds_what_leaves_or_is_missing`",
    "see [results](docs/RESULTS.md#device) and [runner](https://example.com/../x), `scripts/gate-validate.sh full 585`",
    "kernels: `csrc/kernels/<name>.cu`, `docs/validation/*/`, `fcbench/report_assets/`",
    "[design](/docs/design.md), [logs](/docs/validation/*-h200/), [screenshot](docs/report-h100.png)",
    "an ellipsis... / and `git show e5ca409^:scripts/tune_cpasync.py` (a path in another commit)",
])
def test_the_check_passes_what_is_in_the_repository(text):
    assert problems(text, ROOT / "README.md") == []
