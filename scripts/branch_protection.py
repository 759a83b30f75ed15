"""Prints the branch protection the repository owner must set on `main` for the gate to bind
(docs/runner.md, "Branch protection"), derived from the workflows so that the required checks are
the jobs that exist: cpu.yml's `cpu` and pr.yml's `gate (<gpu>)` for each GPU kind, reported by
GitHub Actions; a Code Owners review (.github/CODEOWNERS) of the latest push; no bypass, no force
push. It prints the `gh api` command that applies it; it applies nothing itself.
Usage: python3 scripts/branch_protection.py OWNER/REPO"""

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB_ACTIONS_APP_ID = 15368  # the GitHub Actions app: a check of the same name from elsewhere does not count


def required_checks() -> list[str]:
    workflows = ROOT / ".github" / "workflows"
    cpu = yaml.safe_load((workflows / "cpu.yml").read_text())["jobs"]
    gate = yaml.safe_load((workflows / "pr.yml").read_text())["jobs"]["gate"]
    return [*cpu, *(f"gate ({gpu})" for gpu in gate["strategy"]["matrix"]["gpu"])]


def protection() -> dict:
    return {
        "required_status_checks": {"strict": True, "checks": [{"context": name, "app_id": GITHUB_ACTIONS_APP_ID}
                                                              for name in required_checks()]},
        "enforce_admins": True,
        "required_pull_request_reviews": {"require_code_owner_reviews": True, "require_last_push_approval": True,
                                          "dismiss_stale_reviews": True, "required_approving_review_count": 1},
        "restrictions": None,
        "required_linear_history": False,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }


def main(argv: list[str]) -> int:
    # GitHub's names: letters, digits, '-', '_', '.'; anything else would be pasted into the command.
    if len(argv) != 1 or not re.fullmatch(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+", argv[0]):
        print("usage: python3 scripts/branch_protection.py OWNER/REPO (GitHub names: letters, digits, '-', '_', '.')",
              file=sys.stderr)
        return 2
    body = json.dumps(protection(), indent=2)
    print(f"# main's protection for {argv[0]}; apply with the GitHub CLI as a repository admin:")
    print(f"gh api --method PUT repos/{argv[0]}/branches/main/protection --input - <<'JSON'\n{body}\nJSON")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
