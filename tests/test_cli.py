import argparse
import json
import subprocess
import sys

import pytest
import torch

from fcbench import bench, registry
from fcbench.cli import EXIT_CANNOT_RUN, EXIT_OK, EXIT_USAGE, main


def test_help_explains_every_command():
    out = subprocess.run([sys.executable, "-m", "fcbench", "--help"], capture_output=True, text=True, check=True).stdout
    for cmd in ("run", "list", "build", "resources", "check", "bench"):
        assert cmd in out
    assert "exit codes" in out


def test_list_json(capsys):
    assert main(["list", "--json"]) == EXIT_OK
    names = [v["name"] for v in json.loads(capsys.readouterr().out)]
    assert names[0] == "scalar_tiled" and "sdpa_math" in names


def test_unknown_variant_is_a_usage_error(capsys):
    assert main(["check", "--variant", "nope"]) == EXIT_USAGE
    assert "unknown variant 'nope'" in capsys.readouterr().err


def test_variant_takes_a_kind_and_a_bad_one_lists_the_kinds(capsys):
    from fcbench.cli import _variants

    assert _variants(argparse.Namespace(variant=["sdpa_math", "flashcore"])) == (
        *registry.kernel_variants(), registry.get("sdpa_math"))
    assert main(["check", "--variant", "flashcore,kernel"]) == EXIT_USAGE
    assert "unknown variant 'kernel'" in (err := capsys.readouterr().err) and "or a kind: flashcore" in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path")
def test_bench_without_gpu_says_timing_needs_one(capsys):
    assert main(["bench"]) == EXIT_CANNOT_RUN
    assert "timing needs a CUDA GPU" in capsys.readouterr().err


def test_check_json_on_cpu_runs_sdpa_math(capsys):
    assert main(["check", "--variant", "sdpa_math", "--quick", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["device"]["torch"] == torch.__version__
    assert {r["verdict"] for r in data["results"]} == {"PASS"}


@pytest.mark.parametrize("text, shape", [("1,8,512,64", bench.Shape(1, 8, 512, 64)),
                                         ("4,16,2048,64,causal", bench.Shape(4, 16, 2048, 64, True))])
def test_parse_shape(text, shape):
    assert bench.parse_shape(text) == shape


@pytest.mark.parametrize("text", ["1,8,512", "1,8,0,64", "a,b,c,d", "1,8,512,64,sideways"])
def test_bad_shape_is_named(text):
    with pytest.raises(ValueError, match="--shape: .* is not B,H,S,D"):
        bench.parse_shape(text)


def test_flops_and_stats():
    from fcbench.stats import summarize

    assert bench.Shape(1, 8, 512, 64).flops == 4 * 8 * 512 * 512 * 64
    assert bench.Shape(1, 8, 512, 64, True).flops == 2 * 8 * 512 * 512 * 64
    s = summarize([1.0, 2.0, 3.0, 4.0, 100.0])
    assert (s.median, s.q25, s.q75, s.iqr, s.n, s.min, s.max) == (3.0, 2.0, 4.0, 2.0, 5, 1.0, 100.0)
    with pytest.raises(ValueError, match="samples: need at least one"):
        summarize([])
