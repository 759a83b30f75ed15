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
results=$(realpath "$1"); branch=${2:-asv-results}; remote=${3:-origin}
odd=$(cd "$results" && find . ! -type f ! -type d)
if [ -n "$odd" ]; then echo "push-results: not a regular file, nothing pushed: $odd" >&2; exit 3; fi
work=$(mktemp -d)
trap 'git worktree remove --force "$work" >/dev/null 2>&1 || true' EXIT
for attempt in 1 2 3 4 5; do
  if git fetch -q "$remote" "$branch" 2>/dev/null; then
    git worktree add -q --detach "$work" FETCH_HEAD
  else  # first results ever: an orphan branch
    git worktree add -q --detach "$work" HEAD && git -C "$work" checkout -q --orphan "$branch" && git -C "$work" rm -rqf .
  fi
  mkdir -p "$work/results"
  # Result files, *.failures (why a kernel crashed or hung) and benchmarks.json (the suite's
  # current metadata); the workers' logs stay behind.
  (cd "$results" && find . -type f \( -name '*.json' -o -name '*.failures' \) -exec cp --parents {} "$work/results/" \;)
  git -C "$work" add -A results
  if git -C "$work" diff --cached --quiet; then echo "push-results: nothing new"; exit 0; fi
  git -C "$work" -c user.name=fcbench-ci -c user.email=fcbench-ci@users.noreply.github.com \
    commit -qm "results of $(git rev-parse --short HEAD)"
  if git -C "$work" push -q "$remote" "HEAD:refs/heads/$branch"; then echo "push-results: pushed"; exit 0; fi
  echo "push-results: $branch moved (attempt $attempt); retrying on top of it" >&2
  git worktree remove --force "$work"; sleep $((attempt * 5))
done
echo "push-results: gave up after 5 attempts; nothing was force-pushed" >&2
exit 1
