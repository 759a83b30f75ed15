# Issue 25, session 17 (2026-12-08), call E2, prepared: call E with its probe's bug fixed
# (mkland2.py: one thread polls and writes the landing stamps). When each of the first item's TMA
# copies lands (Q, K0, V0; K1, V1 at two tiles), in the preamble's issue order and reversed (vkq).
#   bash docs/validation/2026-12-08-h100-wgmma-17/callE2/run.sh   (carry .whl; about 1 minute)
exec bash docs/validation/2026-12-08-h100-wgmma-17/callE/run.sh docs/validation/2026-12-08-h100-wgmma-17/callE2/mkland2.py
