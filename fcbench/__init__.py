"""fcbench: build, check, time and resource-count FlashCore's fused-attention kernels."""

from .api import attention
from .registry import Variant, variants

__all__ = ["Variant", "attention", "variants"]
__version__ = "0.1.0"
