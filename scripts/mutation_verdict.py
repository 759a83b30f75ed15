"""One mutation test's result from its `fcbench ci pr --json` file (scripts/mutation-test.sh), as a
tab-separated line; with --table, reads such lines on stdin and prints the table and the score.

A plant is caught when the exit code is one of the allowed ones, the planted variant gets every
required verdict, and no other variant gets a failing one."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fcbench.gate import FAILING
from fcbench.table import format_table

COLUMNS = ["plant", "class", "variant", "expected exit", "got", "its verdicts", "others blamed", "seconds", "result"]


def line(gate_json, name, klass, variant, codes, verdicts, rc, secs) -> str:
    path = Path(gate_json)
    # No file, an empty one or one without rows (ci pr could not run): no verdicts, so MISSED.
    rows = json.loads(path.read_text()).get("rows", []) if path.exists() and path.stat().st_size else []
    failing = [r for r in rows if r["verdict"] in FAILING]
    mine = sorted({r["verdict"] for r in failing if r["variant"] == variant})
    others = sorted({f"{r['variant']}:{r['verdict']}" for r in failing if r["variant"] != variant})
    required = {v for v in verdicts.split(",") if v}
    caught = int(rc) in {int(c) for c in codes.split(",")} and required <= set(mine) and not others
    return "\t".join([name, klass, variant, codes, rc, ",".join(mine) or "-", ",".join(others) or "-", secs,
                      "caught" if caught else "MISSED"])


def table(lines) -> None:
    rows = [entry.rstrip("\n").split("\t") for entry in lines if entry.strip()]
    if bad := [r for r in rows if len(r) != len(COLUMNS)]:
        print(f"mutation_verdict --table: a line is not {len(COLUMNS)} tab-separated fields: {bad[0]}",
              file=sys.stderr)
        sys.exit(2)
    print(format_table(COLUMNS, rows, align_right={7}))
    caught = sum(r[-1] == "caught" for r in rows)
    print(f"\nmutation score: {caught} of {len(rows)} plants caught as expected")
    sys.exit(0 if caught == len(rows) else 1)


if __name__ == "__main__":
    if sys.argv[1:] == ["--table"]:
        table(sys.stdin.readlines())
    elif len(sys.argv) != 9 or not sys.argv[7].lstrip("-").isdigit() or not sys.argv[8].isdigit():
        print("usage: scripts/mutation_verdict.py JSON PLANT CLASS VARIANT CODES VERDICTS RC SECONDS "
              "(as scripts/mutation-test.sh calls it), or --table with its lines on stdin", file=sys.stderr)
        sys.exit(2)
    else:
        print(line(*sys.argv[1:]))
