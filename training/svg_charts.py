"""Hand-written SVG charts for the release report: matplotlib is not a dependency, and two
small pictures (a confusion matrix, a reliability diagram) do not justify one.

Each function returns a complete, standalone SVG document (UTF-8 text). Every cell and bar
carries a `<title>` with its exact figures, which browsers show on hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from xml.sax.saxutils import escape

FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"
LIGHT = (247, 251, 255)
DARK = (8, 69, 148)


class ReliabilityBin(Protocol):
    """One confidence bin (eval_yardstick.CalibrationBin fits), so this module needs no model."""

    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def count(self) -> int: ...
    @property
    def confidence(self) -> float: ...
    @property
    def accuracy(self) -> float: ...


def shade(share: float) -> str:
    """A colour from near-white (0) to dark blue (1), so a row's spread reads at a glance."""
    share = min(1.0, max(0.0, share))
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(LIGHT, DARK, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _text(x: float, y: float, content: str, *extra: str) -> str:
    return f"<text x='{x:.1f}' y='{y:.1f}' {' '.join(extra)}>{escape(content)}</text>"


def _document(width: float, height: float, body: list[str], title: str) -> str:
    return "\n".join(
        [
            "<?xml version='1.0' encoding='UTF-8'?>",
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
            f"viewBox='0 0 {width:.0f} {height:.0f}' {FONT} font-size='12'>",
            f"<title>{escape(title)}</title>",
            f"<rect width='{width:.0f}' height='{height:.0f}' fill='white'/>",
            *body,
            "</svg>",
            "",
        ]
    )


def confusion_svg(
    labels: Sequence[str], counts: Sequence[Sequence[int]], title: str, cell: int = 46
) -> str:
    """A confusion matrix heat map: rows gold, columns predicted, counts in the cells, each
    row shaded by its own share so a rare class's mistakes show as clearly as a common one's."""
    size = len(labels)
    if len(counts) != size or any(len(row) != size for row in counts):
        raise ValueError("counts must be a square matrix with one row per label")
    longest = max((len(label) for label in labels), default=0)
    left = 40 + 7.2 * longest + 8  # axis name, then the row labels
    top = 56 + 7.2 * longest * 0.72 + 8  # title, axis name, then slanted column labels
    width = left + cell * (size + 1) + 20  # one extra column: the row's n
    height = top + cell * size + 40
    body = [_text(width / 2, 22, title, "text-anchor='middle'", "font-size='15'")]
    body.append(
        _text(
            left + cell * size / 2, 44, "predicted intent", "text-anchor='middle'", "class='axis'"
        )
    )
    body.append(
        f"<text transform='translate(16 {top + cell * size / 2:.1f}) rotate(-90)' "
        f"text-anchor='middle'>gold intent</text>"
    )
    for j, label in enumerate(labels):
        x = left + cell * j + cell / 2
        body.append(
            f"<text transform='translate({x:.1f} {top - 8:.1f}) rotate(-45)' "
            f"class='column-label'>{escape(label)}</text>"
        )
    body.append(_text(left + cell * size + cell / 2, top - 8, "n", "text-anchor='middle'"))
    for i, (label, row) in enumerate(zip(labels, counts, strict=True)):
        y = top + cell * i
        total = sum(row)
        body.append(
            _text(left - 8, y + cell / 2 + 4, label, "text-anchor='end'", "class='row-label'")
        )
        for j, count in enumerate(row):
            x = left + cell * j
            share = count / total if total else 0.0
            outline = "stroke='#222' stroke-width='2'" if i == j else "stroke='#ddd'"
            tip = f"gold {label}, predicted {labels[j]}: {count} of {total} ({share:.0%})"
            body.append(
                f"<rect class='cell' x='{x:.1f}' y='{y:.1f}' width='{cell}' height='{cell}' "
                f"fill='{shade(share)}' {outline}><title>{escape(tip)}</title></rect>"
            )
            ink = "white" if share > 0.5 else "#999" if count == 0 else "#111"
            body.append(
                _text(
                    x + cell / 2,
                    y + cell / 2 + 4,
                    str(count),
                    "text-anchor='middle'",
                    f"fill='{ink}'",
                    "class='count'",
                )
            )
        body.append(
            _text(
                left + cell * size + cell / 2, y + cell / 2 + 4, str(total), "text-anchor='middle'"
            )
        )
    note = "shading: share of the gold row; outlined: right answers"
    body.append(_text(left, height - 14, note, "font-size='11'", "fill='#555'"))
    return _document(width, height, body, title)


def reliability_svg(bins: Sequence[ReliabilityBin], ece: float, title: str) -> str:
    """A reliability diagram: each confidence bin's accuracy as a bar, its mean confidence as a
    dot, the diagonal where they would agree, and how many posts each bar stands on."""
    left, top, plot = 64.0, 84.0, 360.0
    width, height = left + plot + 40, top + plot + 70

    def px(value: float) -> float:
        return left + value * plot

    def py(value: float) -> float:
        return top + plot - value * plot

    body = [
        _text(width / 2, 22, title, "text-anchor='middle'", "font-size='15'"),
        _text(
            width / 2,
            42,
            f"expected calibration error (ECE) {ece:.3f}",
            "text-anchor='middle'",
            "font-size='13'",
            "class='ece'",
        ),
        f"<rect x='{left}' y='{top}' width='{plot}' height='{plot}' fill='none' stroke='#888'/>",
    ]
    for step in range(6):
        value = step / 5
        body.append(
            f"<line x1='{px(value):.1f}' y1='{py(0):.1f}' x2='{px(value):.1f}' "
            f"y2='{py(0) + 5:.1f}' stroke='#888'/>"
        )
        body.append(_text(px(value), py(0) + 18, f"{value:.1f}", "text-anchor='middle'"))
        body.append(
            f"<line x1='{left - 5}' y1='{py(value):.1f}' x2='{left}' y2='{py(value):.1f}' "
            f"stroke='#888'/>"
        )
        body.append(_text(left - 8, py(value) + 4, f"{value:.1f}", "text-anchor='end'"))
    body.append(
        f"<line class='diagonal' x1='{px(0):.1f}' y1='{py(0):.1f}' x2='{px(1):.1f}' "
        f"y2='{py(1):.1f}' stroke='#c00' stroke-dasharray='5 4'/>"
    )
    for b in bins:
        x, w = px(b.low) + 1, (b.high - b.low) * plot - 2
        if b.count:
            tip = (
                f"confidence {b.low:.1f}-{b.high:.1f}: {b.count} posts, mean confidence "
                f"{b.confidence:.3f}, accuracy {b.accuracy:.3f}"
            )
            body.append(
                f"<rect class='bar' x='{x:.1f}' y='{py(b.accuracy):.1f}' width='{w:.1f}' "
                f"height='{b.accuracy * plot:.1f}' fill='#6baed6' stroke='#2171b5'>"
                f"<title>{escape(tip)}</title></rect>"
            )
            body.append(
                f"<circle class='confidence' cx='{px(b.confidence):.1f}' "
                f"cy='{py(b.confidence):.1f}' r='3.5' fill='#c00'/>"
            )
        body.append(
            _text(
                px((b.low + b.high) / 2),
                top - 6,
                str(b.count),
                "text-anchor='middle'",
                "font-size='11'",
                "fill='#555'",
                "class='bin-count'",
            )
        )
    body.append(_text(left - 4, top - 20, "posts per bin:", "font-size='11'", "fill='#555'"))
    body.append(
        _text(
            left + plot / 2, py(0) + 38, "stated confidence (bins of 0.1)", "text-anchor='middle'"
        )
    )
    body.append(
        f"<text transform='translate(18 {top + plot / 2:.1f}) rotate(-90)' "
        f"text-anchor='middle'>accuracy in the bin</text>"
    )
    legend = "bars: accuracy; red dots: mean confidence; dashed: perfect calibration"
    body.append(_text(left, height - 10, legend, "font-size='11'", "fill='#555'"))
    return _document(width, height, body, f"{title} (ECE {ece:.3f})")
