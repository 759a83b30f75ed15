"""Plain-text tables for people."""

from __future__ import annotations


def format_table(headers: list[str], rows: list[list[str]], align_right: set[int] | None = None) -> str:
    align_right = align_right or set()
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]

    def fmt(row):
        return "  ".join(str(x).rjust(w) if i in align_right else str(x).ljust(w)
                         for i, (x, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def progress(stream, done: int, total: int, text: str) -> None:
    """One status line: rewritten in place on a terminal, every 10% in a log file."""
    if stream is None:
        return
    line = f"[{done}/{total}] {text}"
    if stream.isatty():
        print("\r" + line.ljust(100), end="\n" if done == total else "", file=stream, flush=True)
    elif done == total or done % max(total // 10, 1) == 0:
        print(line, file=stream, flush=True)
