"""fcbench: build, check, time and resource-count FlashCore's fused-attention kernels."""

from .registry import Variant, variants

__all__ = ["Variant", "attention", "variants"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # `fcbench.attention` imports torch on first use only: the report (fcbench report, the gate)
    # runs where torch is not installed (main.yml's report job, deploy/report-requirements.txt).
    if name == "attention":
        from .api import attention

        return attention
    raise AttributeError(f"module 'fcbench' has no attribute {name!r}")
