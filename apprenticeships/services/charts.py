"""Charts drawn on the server as SVG: the geometry here, the markup in templates/components/charts.html.

Every chart is shown with the same figures in a table beside it, so nothing is only visual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: dict[str, str]  # name -> SVG polyline points
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


def nice_step(top: float, steps: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) so that `steps` of them reach `top`."""
    if top <= 0:
        return 1
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def line_chart(labels: list[str], series: dict[str, list[float]], *, every: int = 1) -> LineChart:
    """Lines over evenly spaced points; `labels` name the x positions, every `every`th is shown."""
    count = max(len(labels), 2)
    top = max([v for values in series.values() for v in values] + [1])
    step = nice_step(top)
    y_max = step * math.ceil(top / step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / y_max)

    lines = {name: " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
             for name, values in series.items()}
    y_ticks = [Tick(y(n * step), f"{n * step:g}") for n in range(int(round(y_max / step)) + 1)]
    x_ticks = [Tick(x(i), label) for i, label in enumerate(labels) if i % every == 0 or i == len(labels) - 1]
    return LineChart(WIDTH, HEIGHT, lines, y_ticks, x_ticks, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM)
