"""GPU tests: every variant on the check cases, bad inputs at the C++ boundary, timer sanity."""

import time

import pytest
import torch

from fcbench import attention, bench, check, registry
from fcbench.shapes import Shape
from fcbench.timer import CallSynchronises, CudaTimer

pytestmark = pytest.mark.gpu


def test_every_variant_passes_the_quick_check():
    report = check.run(registry.VARIANTS, quick=True, progress=None)
    assert not report.failed, [(r.variant, r.case.name, r.error, r.bound, r.note) for r in report.failed]
    for v in registry.kernel_variants():  # a FlashCore kernel must actually run, not be skipped
        assert any(r.variant == v.name and r.verdict == "PASS" for r in report.results), v.name


@pytest.mark.parametrize("name, edit", [
    # The softmax scale 10% off: every output row wrong, far over the fp16-sized bound.
    ("scale", ("const float q_scale = p.softmax_scale * kLog2e;", "const float q_scale = p.softmax_scale * kLog2e * 1.1f;")),
])
def test_the_check_fails_a_planted_wrong_kernel(tmp_path, name, edit):
    # The check's FAIL path on the GPU: a copy of this checkout whose scalar_tiled is wrong, built
    # and checked from that root; it must FAIL there and nowhere else.
    import shutil

    root = tmp_path / "checkout"
    shutil.copytree(registry.REPO_ROOT / "csrc", root / "csrc")
    unit = root / "csrc" / "kernels" / "scalar_tiled.cu"
    old, new = edit
    assert old in unit.read_text()
    unit.write_text(unit.read_text().replace(old, new, 1))
    variants = tuple(v for v in registry.VARIANTS if v.name in ("scalar_tiled", "wmma_fused", "sdpa_math"))
    report = check.run(variants, quick=True, progress=None, root=root)
    failed = {r.variant for r in report.failed}
    assert failed == {"scalar_tiled"}, [(r.variant, r.case.name, r.error, r.bound, r.note) for r in report.failed]
    assert all(r.verdict == "FAIL" and r.error > r.bound for r in report.failed)


def _qkv(shape=(1, 2, 97, 64)):
    return [torch.randn(shape, device="cuda", dtype=torch.float16) for _ in range(3)]


@pytest.mark.parametrize("variant", [v.name for v in registry.kernel_variants()])
def test_kernel_rejects_misaligned_and_unsupported_inputs(variant):
    q, k, v = _qkv()
    storage = torch.randn(1 * 2 * 97 * 64 + 1, device="cuda", dtype=torch.float16)
    misaligned = storage[1:].view(1, 2, 97, 64)
    with pytest.raises(ValueError, match="q: rows must start on 16-byte boundaries"):
        attention(misaligned, k, v, variant=variant)
    with pytest.raises(ValueError, match="q: head_dim 96 is not supported.*64, 128"):
        attention(*_qkv((1, 2, 97, 96)), variant=variant)
    with pytest.raises(ValueError, match="k: is on cpu"):
        attention(q, k.cpu(), v, variant=variant)
    with pytest.raises(ValueError, match="v: shape"):
        attention(q, k, v[:, :, :50], variant=variant)


def test_cpp_boundary_validates_on_its_own():
    from fcbench.build import load

    load()
    q, k, v = _qkv()
    out = torch.empty_like(q)
    with pytest.raises(RuntimeError, match="k: dtype"):
        torch.ops.fcbench.forward("wmma_fused", q, k.float(), v, out, False, 0.125, 0)
    with pytest.raises(RuntimeError, match="variant: unknown FlashCore kernel 'nope'"):
        torch.ops.fcbench.forward("nope", q, k, v, out, False, 0.125, 0)
    with pytest.raises(RuntimeError, match="wmma_unfused: this shape needs 196608 bytes of scratch .* limit of 1024 bytes"):
        torch.ops.fcbench.forward("wmma_unfused", q, k, v, out, False, 0.125, 1024)
    for scale in (0.0, -0.125, float("nan")):
        with pytest.raises(RuntimeError, match="scale: expected a finite positive value"):
            torch.ops.fcbench.forward("mma_fused", q, k, v, out, False, scale, 0)


def test_extension_links_the_shared_libstdcxx():
    import subprocess

    from fcbench.build import load

    symbols = subprocess.run(["nm", "--defined-only", str(load())], capture_output=True, text=True).stdout
    assert "_ZNSt7codecvt" not in symbols


def test_strided_bshd_view_matches_contiguous():
    q, k, v = (torch.randn(2, 97, 3, 64, device="cuda", dtype=torch.float16).transpose(1, 2) for _ in range(3))
    for variant in registry.kernel_variants():
        strided = attention(q, k, v, variant=variant.name)
        contiguous = attention(q.contiguous(), k.contiguous(), v.contiguous(), variant=variant.name)
        assert torch.equal(strided, contiguous), variant.name


def sleep_cycles_per_us() -> float:
    """torch.cuda._sleep's cycles per microsecond on this GPU (its SM clock), from CUDA events."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda._sleep(1_000_000)
    start.record()
    torch.cuda._sleep(2_000_000)
    end.record()
    end.synchronize()
    return 2_000_000 / (start.elapsed_time(end) * 1e3)


def test_timer_measures_gpu_time_not_host_time():
    timer = CudaTimer()
    cycles = int(50 * sleep_cycles_per_us())  # ~50 us of GPU work, ~10 us of host launch
    short = timer.time(lambda: torch.cuda._sleep(cycles), min_samples=30, budget_s=0.2)
    long = timer.time(lambda: torch.cuda._sleep(2 * cycles), min_samples=30, budget_s=0.2)
    assert short.summary.n >= 30 and all(s > 0 for s in short.samples_us)
    assert 40 < short.summary.median < 70, short.summary
    assert 1.8 < long.summary.median / short.summary.median < 2.2


def test_a_slow_host_is_not_timed():
    # The host takes 2 ms to queue 20 us of GPU work (descheduled, or a slow dispatcher): the GPU
    # waits behind the hold until all of it is queued, so no sample holds the host's 2 ms.
    timer = CudaTimer()
    cycles = int(20 * sleep_cycles_per_us())

    def fn():
        time.sleep(0.002)
        torch.cuda._sleep(cycles)

    timer.warm_up(fn)
    samples = [timer.sample(fn) for _ in range(10)]
    assert max(samples) < 40, samples
    batched = timer.time(fn, min_samples=40, max_samples=40, budget_s=0.0)  # queued 32 at a time
    assert max(batched.samples_us) < 40, batched.samples_us


def test_a_call_that_synchronises_is_an_error_not_a_hang():
    timer = CudaTimer(hold_timeout_s=0.05)
    started = time.perf_counter()
    with pytest.raises(CallSynchronises, match="synchronises with the GPU"):
        timer.sample(lambda: torch.cuda.synchronize())  # waits for the hold, which waits for the host
    assert time.perf_counter() - started < 1.0
    assert 0 < timer.sample(lambda: torch.cuda._sleep(1000)) < 100  # and the timer still works after


def test_bench_reports_tflops_and_sdpa_ratio():
    results = bench.run([registry.get("wmma_fused"), registry.get("sdpa_math")], [Shape(1, 2, 256, 64)],
                        progress=None, min_samples=5, budget_s=0.05)
    by_name = {r.variant: r for r in results}
    assert by_name["wmma_fused"].status == "ok" and by_name["wmma_fused"].tflops > 0
    assert by_name["wmma_fused"].best_sdpa == "sdpa_math"


FAULTS = {
    "trap": "__trap();",
    "illegal address": "p[1ll << 40] = 1;",
    "misaligned address": "*reinterpret_cast<int*>(reinterpret_cast<char*>(p) + 1) = 1;",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_real_cuda_fault_is_recognised_as_a_dead_context(fault):
    # In a process of its own: the fault kills the CUDA context, which this test process needs.
    import subprocess
    import sys

    source = 'extern "C" __global__ void fault(int* p) { ' + FAULTS[fault] + " }"
    program = f"""
import torch
from fcbench.supervise import context_dead
kernel = torch.cuda._compile_kernel({source!r}, "fault")
x = torch.zeros(4, dtype=torch.int32, device="cuda")
try:
    kernel(grid=(1, 1, 1), block=(1, 1, 1), args=[x])
    torch.cuda.synchronize()
    print("no fault")
except Exception as exc:
    print("dead" if context_dead(exc) else "alive", type(exc).__name__, str(exc).splitlines()[0])
"""
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("dead"), (out.stdout, out.stderr[-2000:])


def test_a_python_error_is_not_a_dead_context():
    from fcbench.supervise import context_dead

    with pytest.raises(RuntimeError) as caught:
        torch.ones(3, device="cuda") @ torch.ones(4, device="cuda")
    assert not context_dead(caught.value)
