# v10.21's device code is UX's and X's: compiles the kernel unit of 3bc5765 with UX.patch, with X.patch,
# and v10.21's (139f868) for sm_90a with the build's flags, and compares the disassembled cubins.
# Only the host launcher differs (U at D=64 only). CPU only, nvcc and nvdisasm (NVDISASM=path) on PATH.
#   bash docs/validation/2026-12-07-h100-wgmma-15/callB/sass-equal.sh   (from the repository root, with .venv)
set -euo pipefail
P=$PWD/docs/validation/2026-12-07-h100-wgmma-15/callB
F=$(.venv/bin/python -c "from fcbench.build import kernel_flags; print(' '.join(kernel_flags('sm_90a')))")
W=$(mktemp -d); trap 'for c in UX X v10.21; do git worktree remove --force $W/$c 2>/dev/null || true; done; rm -rf $W' EXIT
for c in UX X v10.21; do
  git worktree add -q --detach $W/$c 3bc5765
  if [ $c = v10.21 ]; then git show 139f868:csrc/kernels/wgmma_fused.cu > $W/$c/csrc/kernels/wgmma_fused.cu
  else git -C $W/$c apply $P/$c.patch; fi
  (cd $W/$c && nvcc -cubin $F -I csrc -I csrc/kernels -o $W/$c.cubin csrc/kernels/wgmma_fused.cu)
  ${NVDISASM:-nvdisasm} -c $W/$c.cubin > $W/$c.sass
done
md5sum $W/*.sass | sed "s|$W/||"
cmp $W/UX.sass $W/v10.21.sass && cmp $W/X.sass $W/v10.21.sass && echo "the three kernels' SASS is identical"
