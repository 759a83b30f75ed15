#!/usr/bin/env bash
# Puts this machine's result files on the results branch without losing anyone's: result files are
# one per (machine, commit), so runners of different GPU kinds never write the same file; a file
# that is already there comes back from the recording merged with it (scripts/record-main.sh
# starts from the branch's files, and fcbench's store appends), so it replaces the branch's copy,
# whose earlier version stays in the branch's history. main.yml runs one workflow at a time
# (concurrency: main-gpu), so a recording always starts from the branch as the last push left it.
# The push is a fast-forward, retried on top of the latest branch when another runner got there
# first; nothing is ever force-pushed. Only regular files are taken.
# Usage: scripts/push-results.sh RESULTS_DIR [BRANCH=asv-results] [REMOTE=origin]
set -euo pipefail
(( $# >= 1 && $# <= 3 )) || { echo "usage: scripts/push-results.sh RESULTS_DIR [BRANCH=asv-results] [REMOTE=origin]" >&2; exit 2; }
[ -d "$1" ] || { echo "push-results: RESULTS_DIR: $1 is not a directory" >&2; exit 2; }
results=$(realpath "$1"); branch=${2:-asv-results}; remote=${3:-origin}
git ls-remote -q "$remote" >/dev/null 2>&1 || { echo "push-results: REMOTE: cannot reach '$remote'" >&2; exit 3; }
odd=$(cd "$results" && find . ! -type f ! -type d)
if [ -n "$odd" ]; then echo "push-results: not a regular file, nothing pushed: $odd" >&2; exit 3; fi
work=$(mktemp -d)
trap 'git worktree remove --force "$work" >/dev/null 2>&1 || true' EXIT
for attempt in 1 2 3 4 5; do
  # The branch's last commit, or none (first results ever: a root commit). No local branch is
  # made: the commit is built from the index and pushed by its hash, so a retry starts clean.
  parent=()
  if git fetch -q "$remote" "$branch" 2>/dev/null; then
    git worktree add -q --detach "$work" FETCH_HEAD || exit 3
    parent=(-p "$(git rev-parse FETCH_HEAD)")
  else
    { git worktree add -q --detach "$work" HEAD && git -C "$work" rm -rqf --cached . && git -C "$work" clean -qfdx; } \
      || exit 3
  fi
  mkdir -p "$work/results"
  # Result files, *.failures (why a kernel crashed or hung) and benchmarks.json (the suite's
  # current metadata); the workers' logs stay behind.
  (cd "$results" && find . -type f \( -name '*.json' -o -name '*.failures' \) -exec cp --parents {} "$work/results/" \;)
  git -C "$work" add -A results || exit 3
  if { [ ${#parent[@]} -gt 0 ] && git -C "$work" diff --cached --quiet "${parent[1]}"; } \
      || [ -z "$(git -C "$work" ls-files)" ]; then
    echo "push-results: nothing new"; exit 0
  fi
  tree=$(git -C "$work" write-tree) || exit 3
  commit=$(git -C "$work" -c user.name=fcbench-ci -c user.email=fcbench-ci@users.noreply.github.com \
    commit-tree "$tree" "${parent[@]}" -m "results of $(git rev-parse --short HEAD)") || exit 3
  if git -C "$work" push -q "$remote" "$commit:refs/heads/$branch"; then echo "push-results: pushed"; exit 0; fi
  echo "push-results: the push of $branch was refused (attempt $attempt: another runner pushed first?); retrying on top of it" >&2
  git worktree remove --force "$work"; sleep $((attempt * 5))
done
echo "push-results: gave up after 5 attempts; nothing was force-pushed" >&2
exit 1
