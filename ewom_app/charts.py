"""The KPI charts, as SVG the browser draws: sharp on a projector at any size, and cheap.

Five KPIs over time (reach, penetration, revenue, dream value, dilution) and each brand's path
in the reach-against-dilution plane, one colour per brand. Titles, units and tick formats come
from the KPI registry (``model/metrics.py``). Earlier runs of the session are drawn faded and
numbered in every panel, so before and after can be seen together.

Drawing an SVG is a few thousand characters of text per step: no raster, no image encoding,
and the axes can follow the data. They grow to a nice bound when a line would leave them
(never shrink while a run goes on, so the picture does not jump) and start again from the
earlier runs when a new run starts.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ewom_abm.app.draw import brand_color
from ewom_abm.model.metrics import kpi

SERIES = ("reach", "penetration", "revenue", "dream_value", "dilution")  # KPIs over time
PLANE = ("reach", "dilution")  # each brand's path: x, y
FADED = 0.32  # opacity of earlier runs' lines
WIDTH, HEIGHT = 480, 630  # the SVG's own units (it scales to its box, about 1:1)
LEGEND = 28
COLUMNS, ROWS = 2, 3
FONT = "Roboto, Helvetica, Arial, sans-serif"
_MIN_SPAN = {"share": 0.05, "money": 1.0, "count": 5.0, "index": 0.1}


def nice_ceiling(x: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= x."""
    if not math.isfinite(x) or x <= 0:
        return 0.0
    scale = 10.0 ** math.floor(math.log10(x))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * scale >= x * (1 - 1e-9):
            return float(f"{m * scale:.12g}")  # 0.15, not 0.15000000000000002
    return float(f"{10 * scale:.12g}")


def axis_range(kind: str, lo: float, hi: float) -> tuple[float, float]:
    """Y limits for data in [lo, hi]: from zero (or a nice negative bound) to a nice bound
    with room above, never narrower than the KPI kind's minimum span; shares stop at 100%."""
    top = max(nice_ceiling(hi * 1.15), _MIN_SPAN.get(kind, 0.1))
    if kind == "share" and hi <= 1.0:
        top = min(top, 1.0)
    bottom = -nice_ceiling(-lo * 1.15) if lo < 0 else 0.0
    return bottom, top


def ticks(lo: float, hi: float, most: int = 4, integer: bool = False) -> list[float]:
    """Round tick values within [lo, hi]."""
    values = MaxNLocator(nbins=most, steps=[1, 2, 2.5, 5, 10], integer=integer).tick_values(lo, hi)
    span = hi - lo
    return [float(v) for v in values if lo - 1e-9 * span <= v <= hi + 1e-9 * span]


def decimals_for(step: float) -> int:
    """Decimals that show a tick spacing exactly (0.025 needs 3, 5 needs 0)."""
    if not step > 0:
        return 0
    for d in range(max(0, -math.floor(math.log10(step) + 1e-9)), 10):
        if abs(round(step, d) - step) <= 1e-9 * step:
            return d
    return 10


def tick_text(kind: str, value: float, step: float) -> str:
    """A tick label in the KPI's format, with as many decimals as the tick spacing needs."""
    if kind == "share":
        return f"{value * 100:.{decimals_for(step * 100)}f}%"
    return f"{value:,.{decimals_for(step)}f}"


@dataclass(frozen=True)
class Box:
    """A plot area in SVG units, and the data ranges it shows."""

    left: float
    top: float
    width: float
    height: float
    x: tuple[float, float]
    y: tuple[float, float]

    def px(self, v: np.ndarray) -> np.ndarray:
        lo, hi = self.x
        return self.left + (np.asarray(v, dtype=float) - lo) / (hi - lo or 1) * self.width

    def py(self, v: np.ndarray) -> np.ndarray:
        lo, hi = self.y
        return self.top + self.height - (np.asarray(v, dtype=float) - lo) / (hi - lo or 1) \
            * self.height


def _points(box: Box, x: np.ndarray, y: np.ndarray) -> str:
    keep = np.isfinite(x) & np.isfinite(y)
    xs, ys = box.px(x[keep]), box.py(y[keep])
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))


def _text(x: float, y: float, text: str, size: float = 10, anchor: str = "start",
          fill: str = "#374151", weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}"{extra}>{html.escape(text)}</text>')


Lines = dict[str, np.ndarray]  # one brand's series: step and each KPI, by name


class Charts:
    """One tab's charts: its brands, its horizon, its earlier runs and its axes.

    A frame is built from numpy arrays per brand (pandas is touched once per frame); what
    depends only on the axes (panel frames, earlier runs' faded lines) is kept until the axes
    change."""

    def __init__(self, brands: list[str], horizon: int) -> None:
        self.brands = list(brands)
        self.horizon = max(int(horizon), 1)
        self.earlier: list[list[Lines]] = []
        self.limits: dict[str, tuple[float, float]] = {}
        self._static: tuple[tuple, list[str]] | None = None  # (limits, background parts)
        self._fit(self._extent([]), grow=False)

    def split(self, ts: pd.DataFrame) -> list[Lines]:
        """A timeseries table as arrays per brand (in the charts' brand order)."""
        brand = ts["brand"].to_numpy()
        cols = {c: ts[c].to_numpy(dtype=float) for c in ("step", *SERIES)}
        return [{c: v[brand == name] for c, v in cols.items()} for name in self.brands]

    # ------------------------------------------------------------------ axes

    @staticmethod
    def _extent(runs: list[list[Lines]]) -> dict[str, tuple[float, float]]:
        """Data range per KPI over these runs."""
        out = {}
        for col in SERIES:
            vals = [v[np.isfinite(v)] for lines in runs for brand in lines
                    for v in (brand[col],)]
            vals = [v for v in vals if v.size]
            out[col] = ((min(float(v.min()) for v in vals), max(float(v.max()) for v in vals))
                        if vals else (0.0, 0.0))
        return out

    def _fit(self, extent: dict[str, tuple[float, float]], grow: bool = True) -> None:
        for col, (lo, hi) in extent.items():
            want = axis_range(kpi(col).kind, lo, hi)
            have = self.limits.get(col)
            if grow and have is not None:
                if lo >= have[0] and hi <= have[1]:
                    continue
                want = (min(want[0], have[0]), max(want[1], have[1]))
            self.limits[col] = want

    def set_earlier(self, runs: list[pd.DataFrame]) -> None:
        """Draw these earlier runs (oldest first, numbered from 1) faded in every panel; the
        axes start again from them."""
        self.earlier = [self.split(ts) for ts in runs]
        self.limits = {}
        self._static = None
        self._fit(self._extent(self.earlier), grow=False)

    # ------------------------------------------------------------------ drawing

    def _cell(self, k: int) -> tuple[float, float, float, float]:
        w = WIDTH / COLUMNS
        h = (HEIGHT - LEGEND) / ROWS
        return (k % COLUMNS) * w, LEGEND + (k // COLUMNS) * h, w, h

    def _box(self, k: int) -> Box:
        cx, cy, cw, ch = self._cell(k)
        if k < len(SERIES):
            return Box(cx + 44, cy + 40, cw - 56, ch - 74, (0.0, float(self.horizon)),
                       self.limits[SERIES[k]])
        return Box(cx + 44, cy + 40, cw - 56, ch - 74, self.limits[PLANE[0]],
                   self.limits[PLANE[1]])

    def _frame(self, k: int) -> list[str]:
        """The frame of one panel: title, unit, grid, ticks and their labels."""
        box = self._box(k)
        cx, cy, _cw, _ch = self._cell(k)
        if k < len(SERIES):
            info = kpi(SERIES[k])
            title, unit, x_kind, y_kind = info.label, info.unit, None, info.kind
            x_label = "step (week)"
        else:
            xi, yi = kpi(PLANE[0]), kpi(PLANE[1])
            title, unit = f"{xi.label} against {yi.label.lower()}", f"{yi.label}, {yi.unit}"
            x_kind, y_kind, x_label = xi.kind, yi.kind, f"{xi.label}, {xi.unit}"
        x, y = box.x, box.y
        out = [_text(cx + 8, cy + 15, title, 13, weight="bold", fill="#111827"),
               _text(cx + 8, cy + 29, unit, 10, fill="#6b7280")]
        right, bottom = box.left + box.width, box.top + box.height
        yt = ticks(*y)
        ystep = (yt[1] - yt[0]) if len(yt) > 1 else (y[1] - y[0])
        for v in yt:
            py = float(box.py(v))
            out.append(f'<line x1="{box.left:.1f}" y1="{py:.1f}" x2="{right:.1f}" '
                       f'y2="{py:.1f}" stroke="#e5e7eb" stroke-width="1"/>')
            out.append(_text(box.left - 4, py + 3.5, tick_text(y_kind, v, ystep), 10, "end"))
        xt = ticks(*x, most=5, integer=x_kind is None)
        xstep = (xt[1] - xt[0]) if len(xt) > 1 else (x[1] - x[0])
        for v in xt:
            px = float(box.px(v))
            out.append(f'<line x1="{px:.1f}" y1="{box.top:.1f}" x2="{px:.1f}" '
                       f'y2="{bottom:.1f}" stroke="#f0f1f3" stroke-width="1"/>')
            label = f"{v:g}" if x_kind is None else tick_text(x_kind, v, xstep)
            out.append(_text(px, bottom + 13, label, 10, "middle"))
        if y[0] < 0 < y[1]:
            py = float(box.py(0.0))
            out.append(f'<line x1="{box.left:.1f}" y1="{py:.1f}" x2="{right:.1f}" '
                       f'y2="{py:.1f}" stroke="#9ca3af" stroke-width="1"/>')
        out.append(f'<rect x="{box.left:.1f}" y="{box.top:.1f}" width="{box.width:.1f}" '
                   f'height="{box.height:.1f}" fill="none" stroke="#9ca3af" '
                   f'stroke-width="1"/>')
        out.append(_text(right, bottom + 26, x_label, 10, "end", "#6b7280"))
        if k == len(SERIES):
            out += [_text(box.left + 5, box.top + 12, "costly reach", 9, fill="#9ca3af"),
                    _text(right - 5, bottom - 6, "reach that keeps the dream", 9, "end",
                          "#9ca3af")]
        return out

    @staticmethod
    def _xy(k: int, lines: Lines) -> tuple[np.ndarray, np.ndarray]:
        """What panel ``k`` draws of one brand's series: (x, y)."""
        if k < len(SERIES):
            return lines["step"], lines[SERIES[k]]
        return lines[PLANE[0]], lines[PLANE[1]]

    def _faded(self, box: Box, x: np.ndarray, y: np.ndarray, brand: int, number: int
               ) -> list[str]:
        color = brand_color(brand)
        if len(x) == 0:
            return []
        ex, ey = float(box.px(x[-1])), float(box.py(y[-1]))
        return [f'<polyline points="{_points(box, x, y)}" fill="none" stroke="{color}" '
                f'stroke-width="1.6" stroke-opacity="{FADED}" stroke-linejoin="round"/>',
                f'<circle cx="{ex + 7:.1f}" cy="{ey:.1f}" r="6" fill="white" stroke="{color}" '
                f'stroke-width="0.8" class="ewom-earlier-mark"/>',
                _text(ex + 7, ey + 3.2, str(number), 8.5, "middle", color)]

    def _background(self) -> list[str]:
        """Per panel, what only the axes decide: its frame and the earlier runs, faded."""
        key = tuple(sorted(self.limits.items()))
        if self._static is None or self._static[0] != key:
            panels = []
            for k in range(len(SERIES) + 1):
                box = self._box(k)
                part = self._frame(k)
                for number, run in enumerate(self.earlier, start=1):
                    for i, lines in enumerate(run):
                        part += self._faded(box, *self._xy(k, lines), i, number)
                panels.append("".join(part))
            self._static = (key, panels)
        return self._static[1]

    def svg(self, ts: pd.DataFrame, step: int | None = None) -> str:
        """The charts for a model's ``timeseries()`` (``step`` marks the SVG with it)."""
        now = self.split(ts)
        self._fit(self._extent([now]))
        background = self._background()
        mark = f' data-step="{step}"' if step is not None else ""
        out = [f'<svg class="ewom-charts-svg"{mark} viewBox="0 0 {WIDTH} {HEIGHT}" '
               f'xmlns="http://www.w3.org/2000/svg" role="img" font-family="{FONT}" '
               'preserveAspectRatio="xMidYMin meet" width="100%">',
               f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>', *self._legend()]
        names = [*SERIES, f"{PLANE[0]}-{PLANE[1]}"]
        for k, name in enumerate(names):
            box = self._box(k)
            out += [f'<g class="ewom-panel" data-kpi="{name}">', background[k]]
            for i, lines in enumerate(now):
                x, y = self._xy(k, lines)
                out.append(f'<polyline points="{_points(box, x, y)}" fill="none" '
                           f'stroke="{brand_color(i)}" stroke-width="2.4" '
                           'stroke-linejoin="round" stroke-linecap="round"/>')
                if k == len(SERIES) and len(x):
                    out.append(f'<circle cx="{float(box.px(x[-1])):.1f}" '
                               f'cy="{float(box.py(y[-1])):.1f}" r="4.5" '
                               f'fill="{brand_color(i)}" stroke="white" stroke-width="1.5"/>')
            out.append("</g>")
        out.append("</svg>")
        return "".join(out)

    def _legend(self) -> list[str]:
        out = []
        x = 8.0
        for i, name in enumerate(self.brands):
            out.append(f'<rect x="{x:.1f}" y="9" width="18" height="4" rx="1" '
                       f'fill="{brand_color(i)}"/>')
            out.append(_text(x + 23, 15, name, 11.5, fill="#111827"))
            x += 23 + 7.2 * len(name) + 18
        if self.earlier:
            out.append(f'<line x1="{x:.1f}" y1="11" x2="{x + 18:.1f}" y2="11" stroke="#6b7280" '
                       f'stroke-width="1.6" stroke-opacity="{FADED + 0.1}"/>')
            out.append(_text(x + 23, 15, "earlier runs (numbered)", 10.5, fill="#6b7280"))
        return out
