"""Charts drawn on the server as SVG: the geometry here, the markup in templates/components/charts.html.

Every chart is shown with the same figures in a table beside it, so nothing is only visual.

An SVG scales with the width it is given, text and all: a chart drawn 640 units wide and shown
on a phone 345 pixels wide would have its 13-unit labels 7 pixels high. So each chart is drawn
twice, wide and narrow, and the page shows the one that fits (the narrow one below the GOV.UK
tablet breakpoint), each at close to its own size, so that its labels are read at their size.
Labels are placed from an estimate of their width, so none runs off the edge or into the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 280
# A 375 px phone leaves 345 px inside GOV.UK's 15 px page margins; 320 px phones see it at 0.85.
NARROW_WIDTH, NARROW_HEIGHT = 345, 240
LABEL_SIZE = 13  # the wide chart's text, in px, which is its size on a screen wide enough for it
NARROW_LABEL_SIZE = 14
CHARACTER_WIDTH = 0.6  # Arial's characters average a little under 0.6 of their size across
LABEL_GAP = 12  # at least this much space between two axis labels side by side


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: "start" or "end" keeps a label at the edge inside


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    font_size: int
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


def text_width(text: str, font_size: int) -> float:
    """An estimate, generous rather than short, of how wide `text` is drawn."""
    return len(text) * font_size * CHARACTER_WIDTH


def _x_ticks(labels: list[str], x, width: int, font_size: int) -> list[Tick]:
    """Labels for the x positions: the last always (it is "now"), then every so many back from it,
    as many as fit side by side. A label near an edge is anchored to stay inside the chart."""
    if not labels:
        return []
    room = x(len(labels) - 1) - x(0)
    widest = max(text_width(label, font_size) for label in labels) + LABEL_GAP
    # Two labels `every` positions apart are room * every / (n - 1) apart: at least the widest.
    every = max(1, math.ceil(widest * (len(labels) - 1) / room)) if len(labels) > 1 and room > 0 else 1
    ticks = []
    for i in range(len(labels) - 1, -1, -every):
        position, half = x(i), text_width(labels[i], font_size) / 2
        anchor = "end" if position + half > width else "start" if position - half < 0 else "middle"
        ticks.append(Tick(position, labels[i], anchor))
    return ticks[::-1]


def line_chart(labels: list[str], series: dict[str, list[float]], *, width: int = WIDTH, height: int = HEIGHT,
               font_size: int = LABEL_SIZE) -> LineChart:
    """Lines over evenly spaced points; `labels` name the x positions, as many shown as fit."""
    count = max(len(labels), 2)
    top = max([v for values in series.values() for v in values] + [1])
    step = nice_step(top)
    y_max = step * math.ceil(top / step)
    y_labels = [f"{n * step:g}" for n in range(int(round(y_max / step)) + 1)]
    # Room on the left for the widest value, and at each end for half of the label centred under
    # the first point and under the last (today).
    half = [math.ceil(text_width(label, font_size) / 2) + 2 for label in (labels[:1] + labels[-1:])] or [0, 0]
    left = max(math.ceil(max(text_width(label, font_size) for label in y_labels)) + 12, half[0])
    right = max(8, half[-1])
    top_margin, bottom = 12, font_size * 2 + 8
    plot_w, plot_h = width - left - right, height - top_margin - bottom

    def x(i: int) -> float:
        return left + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return top_margin + plot_h * (1 - v / y_max)

    lines = {name: " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
             for name, values in series.items()}
    y_ticks = [Tick(y(n * step), label) for n, label in enumerate(y_labels)]
    return LineChart(width, height, font_size, lines, y_ticks, _x_ticks(labels, x, width, font_size),
                     left, width - right, top_margin, height - bottom)


@dataclass(frozen=True)
class Sized:
    """One chart drawn for wide screens and again for narrow ones (see the module's docstring)."""

    wide: LineChart | BarChart
    narrow: LineChart | BarChart


def line_charts(labels: list[str], series: dict[str, list[float]]) -> Sized:
    return Sized(line_chart(labels, series),
                 line_chart(labels, series, width=NARROW_WIDTH, height=NARROW_HEIGHT, font_size=NARROW_LABEL_SIZE))


@dataclass(frozen=True)
class Bar:
    label: str
    y: float  # the top of the bar
    width: float
    text: str
    label_y: float  # the baseline of the label


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    font_size: int
    label_width: int  # where the bars start: labels are right-aligned before it, or above the bars
    bar_height: int
    bars: list[Bar]
    labels_above: bool


def bar_chart(items: list[tuple[str, int | None, str]], *, label_width: int = 260, width: int = WIDTH,
              font_size: int = LABEL_SIZE, labels_above: bool = False) -> BarChart:
    """Horizontal bars; an item with no value (not published) gets no bar, only its text.

    With `labels_above` each label has a line of its own over its bar, as a narrow screen needs."""
    bar_height, gap = 22, 10
    top = max([v for _, v, _ in items if v] + [1])
    start = 0 if labels_above else label_width
    room = width - start - max((text_width(text, font_size) for _, _, text in items), default=0) - 12
    line = font_size + 6 if labels_above else 0
    step = line + bar_height + gap
    bars = [Bar(label, i * step + line, (room * v / top) if v else 0, text,
                i * step + font_size if labels_above else i * step + bar_height * 0.72)
            for i, (label, v, text) in enumerate(items)]
    return BarChart(width, max(1, len(items)) * step, font_size, start, bar_height, bars, labels_above)


def bar_charts(items: list[tuple[str, int | None, str]]) -> Sized:
    return Sized(bar_chart(items),
                 bar_chart(items, width=NARROW_WIDTH, font_size=NARROW_LABEL_SIZE, labels_above=True))
