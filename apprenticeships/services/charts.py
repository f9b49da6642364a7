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


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def bar_chart(items: list[tuple[str, int | None, str]], *, label_width: int = 260) -> BarChart:
    """Horizontal bars; an item with no value (not published) gets no bar, only its text."""
    bar_height, gap, width = 22, 10, WIDTH
    top = max([v for _, v, _ in items if v] + [1])
    room = width - label_width - 60
    bars = [Bar(label, i * (bar_height + gap), (room * v / top) if v else 0, text)
            for i, (label, v, text) in enumerate(items)]
    return BarChart(width, max(1, len(items)) * (bar_height + gap), label_width, bar_height, bars)
