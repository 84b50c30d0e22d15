"""Server-drawn SVG bar charts the report pages share: the positions are computed here, the templates draw them."""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Geometry of the server-drawn horizontal bar charts (SVG user units).
CHART_LABEL_WIDTH, CHART_BAR_WIDTH, CHART_VALUE_WIDTH, CHART_ROW_HEIGHT, CHART_BAR_HEIGHT = 150, 190, 80, 26, 18
CHART_LABEL_CHARS = 22


def bar_chart(bars: list[tuple[str, float, str]], maximum: float) -> dict:
    """Positions for a horizontal bar chart of `(label, value, text)` bars scaled to `maximum`, drawn as SVG."""
    maximum = maximum or 1
    return {
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + CHART_VALUE_WIDTH,
        "height": max(len(bars), 1) * CHART_ROW_HEIGHT + 4,
        "label_x": CHART_LABEL_WIDTH - 8,
        "bar_x": CHART_LABEL_WIDTH,
        "bar_height": CHART_BAR_HEIGHT,
        "track_width": CHART_BAR_WIDTH,
        "bars": [
            {
                "label": label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…",
                "title": label,
                "text": text,
                "y": index * CHART_ROW_HEIGHT + 4,
                "text_y": index * CHART_ROW_HEIGHT + 4 + CHART_BAR_HEIGHT * 0.72,
                "width": round(CHART_BAR_WIDTH * min(max(value, 0) / maximum, 1), 1),
                "value_x": CHART_LABEL_WIDTH + round(CHART_BAR_WIDTH * min(max(value, 0) / maximum, 1), 1) + 6,
            }
            for index, (label, value, text) in enumerate(bars)
        ],
    }


# The most marks a chart draws: beyond a few dozen bars a chart is unreadable, and its SVG grows with the data.
MAX_BARS = 25


def top_and_others(
    items: list[T], *, limit: int = MAX_BARS, key: Callable[[T], object], others: Callable[[list[T]], T]
) -> list[T]:
    """The `limit - 1` largest items by `key`, largest first, and one `others(rest)` item summing the rest.

    With `limit` items or fewer, all of them in their own order: a chart of a handful draws each one.
    """
    if len(items) <= limit:
        return list(items)
    ranked = sorted(items, key=key, reverse=True)
    return [*ranked[: limit - 1], others(ranked[limit - 1 :])]
