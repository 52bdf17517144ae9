"""Axis ticks for charts of counts, shared by the CLI's and the TUI's plotext charts.

plotext spreads its ticks evenly between the data's limits, which for counts gives labels
such as 8.8 and 53.0; a count axis should read 0, 10, 20 … with a step people count in.
"""

from __future__ import annotations


def count_ticks(top: int, most: int = 6) -> list[int]:
    """At most ``most`` whole ticks from 0 covering ``top``, stepping 1, 2 or 5 times a power
    of ten (0, 1, 2 … for small counts; 0, 200, 400 … for large ones)."""
    top = max(int(top), 1)
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if -(-top // step) + 1 <= most:  # ticks 0, step, … up to the first ≥ top
                return list(range(0, -(-top // step) * step + 1, step))
        magnitude *= 10
