"""The timer's decisions that need no GPU: the spin's size and the retake of late samples
(tests/test_gpu.py times real calls)."""

import pytest

from fcbench.timer import HostTooSlow, in_time, steady_host_seconds


def test_spin_follows_the_steady_host_time_not_the_first_call():
    # A first call that builds a cuDNN graph must not set every later sample's spin.
    assert steady_host_seconds([0.7, 1.0e-4, 1.2e-4, 1.0e-4, 0.9e-4]) == pytest.approx(1.0e-4)
    assert steady_host_seconds([2e-5]) == 2e-5


def late_for(n):
    """An enqueue whose host is late for the first n samples; records the spins it was given."""
    spins = []

    def enqueue(spin):
        spins.append(spin)
        return f"start{len(spins)}", f"end{len(spins)}", len(spins) <= n

    return enqueue, spins


def test_a_sample_queued_in_time_is_kept():
    enqueue, spins = late_for(0)
    assert in_time(enqueue, 1000) == ("start1", "end1", 0) and spins == [1000]


def test_a_late_sample_is_retaken_behind_twice_the_spin():
    enqueue, spins = late_for(2)
    assert in_time(enqueue, 1000) == ("start3", "end3", 2) and spins == [1000, 2000, 4000]


def test_a_call_that_is_always_late_is_an_error_not_a_number():
    enqueue, spins = late_for(100)
    with pytest.raises(HostTooSlow, match="6 samples in a row, the last behind a spin of 32000 cycles"):
        in_time(enqueue, 1000, retakes=5)
    assert len(spins) == 6
