"""The reports' charts as shapes for the template to draw in SVG: bars, lines, points and text, each
figure a link to the cases behind it when there is a server to list them."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from casetrail.adapters.http.pages.palette import SERIES

WIDTH = 1200


@dataclass(frozen=True)
class Shape:
    kind: str  # rect, circle, text, line
    x: float
    y: float
    width: float = 0.0  # rect; for a line, x2
    height: float = 0.0  # rect; for a line, y2; for a circle, its radius
    colour: str = "#000"
    text: str = ""  # a text's words; for a rect or circle, its title on hover and focus
    link: str | None = None  # where a figure's cases are listed
    css: str = ""
    anchor: str = "start"
    data: str = ""  # what a test or a reader can find the figure by (its category, period or department)


@dataclass
class Chart:
    title: str
    height: float
    shapes: list[Shape] = field(default_factory=list)
    key: list[tuple[str, str]] = field(default_factory=list)  # (colour, what it is)
    width: int = WIDTH


@dataclass(frozen=True)
class Figure:
    """A number of the report, what it is, and where its cases are listed (None in a file on its own)."""

    value: int
    link: str | None


def signed(change: int) -> str:
    return f"▲ +{change}" if change > 0 else f"▼ {change}" if change < 0 else "= 0"


def top_issues(rows: list[tuple[str, Figure, Figure, int]]) -> Chart:
    """A bar per category: this period's count, the previous period's beneath it, and the change."""
    left, right, row = 230.0, 960.0, 40.0
    top = max([1, *(max(now.value, before.value) for _, now, before, _ in rows)])
    chart = Chart("Top issues: cases opened by category, against the previous period", 30 + row * len(rows),
                  key=[(SERIES["opened"], "this period"), (SERIES["previous"], "previous period")])
    for number, (category, now, before, change) in enumerate(rows):
        y = 20 + number * row
        scale = (right - left) / top
        chart.shapes += [
            Shape("text", left - 10, y + 15, text=category, anchor="end", css="label"),
            Shape("rect", left, y, max(now.value * scale, 2), 20, SERIES["opened"], f"{category}: {now.value} cases",
                  now.link, css="bar", data=category),
            Shape("text", left + now.value * scale + 8, y + 15, text=str(now.value), link=now.link, css="value"),
            Shape("rect", left, y + 23, max(before.value * scale, 2), 7, SERIES["previous"],
                  f"{category}, previous period: {before.value} cases", before.link, css="previous", data=category),
            Shape("text", right + 60, y + 15, text=f"{signed(change)} vs {before.value}", css="change",
                  data=category),
        ]
    return chart


def trend(periods: list[tuple[str, Figure, Figure, Figure]], unit: str) -> Chart:
    """Opened and resolved cases per period as bars, and the cases open at each period's end as a line."""
    left, right, base, height = 60.0, WIDTH - 20.0, 300.0, 260.0
    top = max([1, *(max(o.value, r.value, e.value) for _, o, r, e in periods)])
    chart = Chart(f"Cases opened and resolved each {unit}, and open at its end", base + 70,
                  key=[(SERIES["opened"], "opened"), (SERIES["resolved"], "resolved"),
                       (SERIES["open_at_end"], f"open at the {unit}'s end")])
    chart.shapes.append(Shape("line", left, base, right, base, "#555"))
    for fraction in (0.5, 1.0):
        y = base - height * fraction
        chart.shapes += [Shape("line", left, y, right, y, "#ddd"),
                         Shape("text", left - 6, y + 4, text=f"{top * fraction:g}", anchor="end", css="axis")]
    slot = (right - left) / max(len(periods), 1)
    bar = min(slot * 0.35, 40)
    line: list[tuple[float, float]] = []
    for number, (label, opened, resolved, open_at_end) in enumerate(periods):
        x = left + number * slot + slot / 2
        for offset, figure, series in ((-bar, opened, "opened"), (0.0, resolved, "resolved")):
            h = figure.value / top * height
            chart.shapes.append(Shape("rect", x + offset, base - h, bar, max(h, 1), SERIES[series],
                                      f"{label}: {figure.value} {series}", figure.link, css=series, data=label))
            if slot > 28:
                chart.shapes.append(Shape("text", x + offset + bar / 2, base - h - 4, text=str(figure.value),
                                          anchor="middle", css="value"))
        line.append((x, base - open_at_end.value / top * height))
        chart.shapes.append(Shape("text", x, base + 16, text=label, anchor="middle", css="axis"))
    for (x1, y1), (x2, y2) in pairwise(line):
        chart.shapes.append(Shape("line", x1, y1, x2, y2, SERIES["open_at_end"], css="trend"))
    for (x, y), (label, _, _, open_at_end) in zip(line, periods, strict=True):
        chart.shapes.append(Shape("circle", x, y, 0, 6, SERIES["open_at_end"],
                                  f"{label}: {open_at_end.value} open at its end", open_at_end.link,
                                  css="open_at_end", data=label))
    return chart


def departments(rows: list[tuple[str, dict[str, Figure]]]) -> Chart:
    """Per department: the factors naming it, proposed, confirmed and rejected, beside its first contacts."""
    series = ("first_contact", "proposed", "confirmed", "rejected")
    names = {"first_contact": ("first contact", "first contacts"), "proposed": ("factor proposed", "factors proposed"),
             "confirmed": ("factor confirmed", "factors confirmed"), "rejected": ("factor rejected", "factors rejected")}
    left, right, bar = 230.0, 1000.0, 13.0
    group = bar * len(series) + 18
    top = max([1, *(figure.value for _, figures in rows for figure in figures.values())])
    chart = Chart("Where errors come from, beside where first contact happened", 20 + group * len(rows),
                  key=[(SERIES[s], names[s][1]) for s in series])
    for number, (department, figures) in enumerate(rows):
        y = 14 + number * group
        chart.shapes.append(Shape("text", left - 10, y + group / 2 - 4, text=department, anchor="end", css="label"))
        for place, name in enumerate(series):
            figure = figures[name]
            w = figure.value / top * (right - left)
            said = f"{figure.value} {names[name][figure.value != 1]}"
            chart.shapes += [
                Shape("rect", left, y + place * bar, max(w, 1), bar - 2, SERIES[name], f"{department}: {said}",
                      figure.link, css=name, data=department),
                Shape("text", left + w + 6, y + place * bar + bar - 3, text=said, link=figure.link, css="value"),
            ]
    return chart


def outstanding(rows: list[tuple[str, Figure]]) -> Chart:
    """Open cases per priority, most urgent first."""
    left, right, row = 150.0, 1000.0, 30.0
    top = max([1, *(figure.value for _, figure in rows)])
    chart = Chart("Open cases by priority", 20 + row * len(rows), key=[(SERIES["open_at_end"], "open cases")])
    for number, (priority, figure) in enumerate(rows):
        y = 12 + number * row
        w = figure.value / top * (right - left)
        chart.shapes += [
            Shape("text", left - 10, y + 15, text=priority, anchor="end", css="label"),
            Shape("rect", left, y, max(w, 2), 20, SERIES["open_at_end"], f"{priority}: {figure.value} open",
                  figure.link, css="bar", data=priority),
            Shape("text", left + w + 8, y + 15, text=str(figure.value), link=figure.link, css="value"),
        ]
    return chart
