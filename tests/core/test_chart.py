"""Count axes read in whole, round steps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from iticket.core.chart import count_ticks


def test_examples():
    assert count_ticks(0) == [0, 1]
    assert count_ticks(3) == [0, 1, 2, 3]
    assert count_ticks(53) == [0, 20, 40, 60]
    assert count_ticks(9) == [0, 2, 4, 6, 8, 10]
    assert count_ticks(1_000_000) == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=2, max_value=12))
def test_ticks_are_whole_round_few_and_cover_the_top(top, most):
    ticks = count_ticks(top, most)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= most
    assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert str(step).strip("0") in ("1", "2", "5")
    assert ticks[-1] - step < max(top, 1)  # no tick beyond the first one that covers the top
