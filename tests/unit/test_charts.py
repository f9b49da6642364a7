"""The charts' geometry: every axis label inside the drawing, none running into the next, the last
(today) always labelled, and a drawing for phones whose text is drawn at its size there."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from apprenticeships.services.charts import (
    NARROW_LABEL_SIZE,
    NARROW_WIDTH,
    line_chart,
    line_charts,
    text_width,
)

months = st.integers(min_value=1, max_value=48)
tops = st.floats(min_value=0, max_value=5000, allow_nan=False)


def labels_for(count: int) -> list[str]:
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return [f"{names[(8 + i) % 12]} {25 + (8 + i) // 12}" for i in range(count)]


def extent(tick, font_size: int) -> tuple[float, float]:
    width = text_width(tick.label, font_size)
    start = {"start": tick.position, "middle": tick.position - width / 2, "end": tick.position - width}[tick.anchor]
    return start, start + width


@given(months, tops)
def test_axis_labels_stay_inside_and_apart_and_today_is_labelled(count, top):
    labels = labels_for(count)
    series = {"logged": [top * i / count for i in range(count)], "expected": [top] * count}
    for chart in (line_chart(labels, series),
                  line_chart(labels, series, width=NARROW_WIDTH, height=240, font_size=NARROW_LABEL_SIZE)):
        spans = [extent(tick, chart.font_size) for tick in chart.x_ticks]
        assert chart.x_ticks[-1].label == labels[-1]
        for start, end in spans:
            assert 0 <= start and end <= chart.width
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert end < start
        for tick in chart.y_ticks:  # right-aligned 8 units before the plot
            assert text_width(tick.label, chart.font_size) <= chart.plot_left - 8


def test_the_phone_drawing_is_drawn_at_a_phones_width():
    labels = labels_for(15)
    charts = line_charts(labels, {"logged": [float(i) for i in range(15)]})
    assert charts.wide.width == 640 and charts.narrow.width == NARROW_WIDTH == 345  # 375 px less the margins
    assert charts.narrow.font_size >= 14
    assert 3 <= len(charts.narrow.x_ticks) < len(charts.wide.x_ticks)
