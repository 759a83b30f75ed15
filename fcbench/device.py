"""Fingerprint of the machine a number came from; recorded with every result."""

from __future__ import annotations

import platform
import subprocess

import torch


def _nvml(index: int) -> dict:
    try:
        import pynvml
    except ImportError:
        return {}
    try:
        pynvml.nvmlInit()
        handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        driver = pynvml.nvmlSystemGetDriverVersion()
        return {
            "driver": driver.decode() if isinstance(driver, bytes) else driver,
            "sm_clock_mhz": pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_SM),
            "sm_clock_max_mhz": pynvml.nvmlDeviceGetMaxClockInfo(handle, pynvml.NVML_CLOCK_SM),
            "mem_clock_mhz": pynvml.nvmlDeviceGetClockInfo(handle, pynvml.NVML_CLOCK_MEM),
        }
    except Exception as exc:  # NVML missing or refused: say so instead of guessing
        return {"nvml_error": str(exc)}


def _nvidia_smi(index: int) -> dict:
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--id={index}", "--query-gpu=driver_version,clocks.sm,clocks.max.sm,clocks.mem",
             "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=20, check=True).stdout
        driver, sm, sm_max, mem = (x.strip() for x in out.strip().split(","))
        return {"driver": driver, "sm_clock_mhz": int(sm), "sm_clock_max_mhz": int(sm_max), "mem_clock_mhz": int(mem)}
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}


def fingerprint(device=None) -> dict:
    info = {"torch": torch.__version__, "cuda": torch.version.cuda, "host": platform.node()}
    if not torch.cuda.is_available():
        return {**info, "device": "cpu", "name": platform.processor() or platform.machine()}
    dev = torch.device(device or "cuda")
    index = dev.index if dev.index is not None else torch.cuda.current_device()
    props = torch.cuda.get_device_properties(index)
    info.update(
        device="cuda",
        name=props.name,
        capability=f"sm_{props.major}{props.minor}",
        sm_count=props.multi_processor_count,
        l2_bytes=props.L2_cache_size,
        memory_bytes=props.total_memory,
    )
    clocks = _nvml(index)
    if "sm_clock_mhz" not in clocks:
        clocks = {**clocks, **_nvidia_smi(index)}
    info.update(clocks)
    return info


def describe(info: dict) -> str:
    if info.get("device") != "cuda":
        return f"{info['name']} (no CUDA), torch {info['torch']}"
    clock = f"SM {info.get('sm_clock_mhz', '?')}/{info.get('sm_clock_max_mhz', '?')} MHz"
    return (f"{info['name']} ({info['capability']}, {info['sm_count']} SMs, {clock}), driver {info.get('driver', '?')}, "
            f"CUDA {info['cuda']}, torch {info['torch']}")
