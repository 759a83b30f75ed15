# Sourced: `source scripts/scratch-repo.sh DIR` makes DIR a git repository of this tree's files
# (the device tool's copy has no git history) with real commits for validating the pipeline,
# and sets their shas. main: A -> B -> C -> F; D, E and G branch off A.
#   A  the tree under test            B  A + a README newline (A vs B: no code change)
#   C  B + `__nanosleep(370)` per K/V tile in wmma_fused_cpasync (a planted slowdown)
#   F  C with the slowdown removed again (a fix: a history that steps up and back down)
#   D  A + wmma_qk reading K row_major, Q.K instead of Q.K^T (FlashCore's layout bug)
#   E  A + `__launch_bounds__(128, 8)` on wmma_qk (a planted register blow-up)
#   G  A with wmma_unfused taken out of the registry (its kernel file kept: measured at neither commit)
# Fails (status 3) if a planted edit matched nothing, or (before anything is touched) if DIR is
# missing or not a new or empty directory: without one, the commits landed in the caller's own
# repository. Leaves main (F) checked out.
_dir=${1:-}
if [ -z "$_dir" ] || { [ -e "$_dir" ] && [ -n "$(ls -A "$_dir" 2>/dev/null)$( [ -d "$_dir" ] || echo file)" ]; }; then
  echo "scratch-repo: DIR: '${_dir}' must be a new or empty directory (usage: source scripts/scratch-repo.sh DIR)" >&2
  return 3 2>/dev/null || exit 3
fi
# The tree without .git and the big ignored folders (.gitignore's; the device's copy has no .git to ask).
mkdir -p "$_dir" && tar --exclude=./.git --exclude=./.venv --exclude=./.asv --exclude=./.whl --exclude=./gpu-logs \
  --exclude=./build -cf - . | tar -xf - -C "$_dir"
cd "$_dir" || return 3
G="git -c user.email=v@fcbench -c user.name=validate"
_t0=$(( $(date +%s) - 86400 )) _n=0
_commit() {  # an hour apart from the previous one, so the history has an unambiguous order
  _n=$((_n + 1))
  GIT_AUTHOR_DATE="@$((_t0 + 3600 * _n)) +0000" GIT_COMMITTER_DATE="@$((_t0 + 3600 * _n)) +0000" $G commit "$@"
}
git init -qb main && git add -A && _commit -qm "A: the tree under test" || return 3
A=$(git rev-parse HEAD)
echo >> README.md; _commit -qam "A/A: docs only"; B=$(git rev-parse HEAD)
sed -i 's|      state.accumulate_pv(v_tiles + buf \* kTileN \* kLd, kLd);|&\n      __nanosleep(370);  // planted regression|' csrc/kernels/wmma_fused_cpasync.cu
_commit -qam "planted: wmma_fused_cpasync sleeps 370 ns per K/V tile"; C=$(git rev-parse HEAD)
git revert --no-commit HEAD && _commit -qm "fix: wmma_fused_cpasync no longer sleeps"; F=$(git rev-parse HEAD)
git checkout -qb plant-qk-layout "$A"
sed -i 's|wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> bt;|wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::row_major> bt;|' csrc/kernels/wmma_qk.cu
_commit -qam "planted: wmma_qk reads K row_major (Q.K instead of Q.K^T)"; D=$(git rev-parse HEAD)
git checkout -qb plant-blowup "$A"
sed -i 's|WmmaQkConfig<kHeadDim>::kThreads, 2)|WmmaQkConfig<kHeadDim>::kThreads, 8)|' csrc/kernels/wmma_qk.cu
_commit -qam "planted: wmma_qk asks for 8 blocks per SM"; E=$(git rev-parse HEAD)
git checkout -qb plant-dropped "$A"
python3 -c 'import re, sys; p = "fcbench/registry.py"; s = open(p).read()
open(p, "w").write(re.sub(r"\n    Variant\(\n        \"wmma_unfused\",.*?\n    \),", "", s, count=1, flags=re.S))'
_commit -qam "planted: wmma_unfused taken out of the registry"; G=$(git rev-parse HEAD)
git checkout -q main
for _c in B C D E F G; do [[ ${!_c} != "$A" ]] || { echo "commit $_c: its edit matched nothing" >&2; return 3; }; done
[[ $F != "$C" ]] || { echo "commit F: the revert failed" >&2; return 3; }
export A B C D E F G
