#!/usr/bin/env bash
# Adds this machine's new asv result files to the results branch without losing anyone's:
# result files are one per (machine, commit), so concurrent runners only ever add files; the
# push is a fast-forward, retried on top of the latest branch when another runner got there first.
# Usage: scripts/push-results.sh RESULTS_DIR [BRANCH=asv-results] [REMOTE=origin]
set -euo pipefail
results=$(realpath "$1"); branch=${2:-asv-results}; remote=${3:-origin}
work=$(mktemp -d)
trap 'git worktree remove --force "$work" >/dev/null 2>&1 || true' EXIT
for attempt in 1 2 3 4 5; do
  if git fetch -q "$remote" "$branch" 2>/dev/null; then
    git worktree add -q --detach "$work" FETCH_HEAD
  else  # first results ever: an orphan branch
    git worktree add -q --detach "$work" HEAD && git -C "$work" checkout -q --orphan "$branch" && git -C "$work" rm -rqf .
  fi
  mkdir -p "$work/results"
  # cp -n: a result file already on the branch is never overwritten. benchmarks.json is the
  # suite's current metadata and is replaced; *.failures say why a kernel crashed or hung; the
  # workers' logs stay behind.
  (cd "$results" && find . \( -name '*.json' -o -name '*.failures' \) ! -name benchmarks.json \
    -exec cp -n --parents {} "$work/results/" \;)
  if [ -f "$results/benchmarks.json" ]; then cp "$results/benchmarks.json" "$work/results/"; fi
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
