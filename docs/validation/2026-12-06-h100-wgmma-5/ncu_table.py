"""One line per profiled kernel of each ncu text log named: the figures docs/RESULTS.md quotes.
Usage: python3 ncu_table.py call1/logs/ncu-*.log
"""

import os
import re
import sys

KEYS = ["Duration", "Compute (SM) Throughput", "Issue Slots Busy", "No Eligible", "L2 Cache Throughput",
        "DRAM Throughput", "Warp Cycles Per Issued Instruction", "Achieved Active Warps Per SM",
        "Registers Per Thread", "Cluster Size", "Grid Size", "Block Size"]

for path in sys.argv[1:]:
    name = os.path.basename(path).removeprefix("ncu-").removesuffix(".log")
    # Each kernel's report starts with its signature line: "  void wgmma_fused_kernel<64, 1>(...".
    parts = re.split(r"\n  (?:void )?(\w*mma_fused\w*(?:<[^>]*>)?)\(", open(path).read())
    for kernel, body in zip(parts[1::2], parts[2::2], strict=True):
        values = []
        for key in KEYS:
            m = re.search(r"^\s+" + re.escape(key) + r"\s+\S*\s+([\d.,]+)\s*$", body, re.M)
            values.append(f"{key}={m.group(1) if m else '-'}")
        print(name, kernel, " | ".join(values))
