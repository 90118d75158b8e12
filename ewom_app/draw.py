"""Fast pictures of a running model: the network coloured by funnel stage, and the KPI charts.

Both painters draw what never changes (edges, axes, ticks, legends) once into a background
and, on every step, only restore that background and draw the changing artists on top
(matplotlib blitting on the Agg canvas), then encode a PNG with Pillow. That keeps a step plus
redraw well under the 250 ms budget at thousands of consumers; re-creating the figures would
cost several times more.
"""

from __future__ import annotations

import io
import threading

import matplotlib.colors
import matplotlib.lines
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ewom_abm.app.layout import Picture
from ewom_abm.model.metrics import kpi
from ewom_abm.model.state import Stage

# display categories: the five funnel stages plus advocates (adopters who recommend)
CATEGORIES = ("unaware", "aware", "interested", "adopter", "rejecter", "advocate")  # = codes
CATEGORY_LABELS = {
    "unaware": "Unaware",
    "aware": "Aware",
    "interested": "Interested",
    "adopter": "Adopter",
    "rejecter": "Rejecter (negative WOM)",
    "advocate": "Advocate",
}
CATEGORY_COLORS = {
    "unaware": "#d4d4d4",
    "aware": "#a6cee3",
    "interested": "#1f78b4",
    "adopter": "#33a02c",
    "rejecter": "#e31a1c",
    "advocate": "#6a3d9a",
}
ADVOCATE = 5
BRAND_COLORS = ("#e66101", "#5e3c99", "#1b9e77", "#e7298a", "#66a61e", "#a6761d")
_RGBA = np.array([matplotlib.colors.to_rgba(CATEGORY_COLORS[c]) for c in CATEGORIES])


def brand_color(i: int) -> str:
    return BRAND_COLORS[i % len(BRAND_COLORS)]


def categories(stage: np.ndarray, advocate: np.ndarray) -> np.ndarray:
    """Display category per consumer (index into CATEGORIES) for one brand."""
    code = stage.astype(np.int8).copy()
    code[advocate & (stage == Stage.ADOPTER)] = ADVOCATE
    return code


def category_counts(code: np.ndarray) -> dict[str, int]:
    counts = np.bincount(code, minlength=len(CATEGORIES))
    return {c: int(counts[i]) for i, c in enumerate(CATEGORIES)}


def encode(rgba: np.ndarray, fmt: str = "png") -> bytes:
    """PNG (exact, small for flat charts) or JPEG (small for dense network pictures)."""
    out = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    if fmt == "jpeg":
        image.save(out, format="JPEG", quality=90)
    else:
        image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


class _Blitter:
    """An Agg figure whose static part is drawn once; ``frame()`` redraws the animated artists."""

    def __init__(self, fig: Figure, fmt: str = "png") -> None:
        self.fig = fig
        self.fmt = fmt
        self.canvas = FigureCanvasAgg(fig)
        self.animated: list = []
        self._background = None
        self.lock = threading.Lock()

    def freeze(self) -> None:
        for artist in self.animated:
            artist.set_animated(True)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)

    def frame(self) -> bytes:
        self.canvas.restore_region(self._background)
        for artist in self.animated:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        return encode(np.asarray(self.canvas.buffer_rgba()), self.fmt)


def edge_image(pos: np.ndarray, edges: np.ndarray, size_px: int) -> np.ndarray:
    """Friendships drawn as a density image: each edge deposits one sample per pixel of its
    length, and a pixel's grey deepens with the number of edges crossing it, as if each line
    were drawn translucent. Vectorised, so 88,000 edges take a fraction of a second (Agg needs
    close to a second for the same LineCollection)."""
    m = len(edges)
    p0, p1 = pos[edges[:, 0]] * size_px, pos[edges[:, 1]] * size_px
    length = np.ceil(np.hypot(*(p1 - p0).T)).astype(np.int64) + 1
    budget = 12_000_000  # samples: bound memory and time on huge pictures
    if length.sum() > budget:
        length = np.maximum(1, (length * (budget / length.sum())).astype(np.int64))
    edge_of = np.repeat(np.arange(m), length)
    start = np.repeat(np.cumsum(length) - length, length)
    t = (np.arange(edge_of.size) - start) / np.maximum(np.repeat(length, length) - 1, 1)
    xy = p0[edge_of] + (p1 - p0)[edge_of] * t[:, None]
    ij = np.clip(xy.astype(np.int64), 0, size_px - 1)
    density = np.bincount(ij[:, 1] * size_px + ij[:, 0], minlength=size_px * size_px)
    alpha = float(np.clip(14.0 / np.sqrt(m), 0.03, 0.25))
    shade = 1.0 - (1.0 - alpha) ** density.reshape(size_px, size_px)
    img = np.zeros((size_px, size_px, 4))
    img[..., :3] = 0.44  # the grey of #707070
    img[..., 3] = shade
    return img


class NetworkPainter:
    """The network (or, for global mixing, a grid of consumers) coloured by funnel stage.

    Core-segment consumers are squares, everyone else dots; opinion leaders are drawn larger as
    diamonds with a dark outline. Consumers further along the funnel are drawn on top. The
    painter depends only on the picture (graph and layout), so resets and sessions share it.
    """

    def __init__(self, pic: Picture, *, size_px: int = 620, dpi: int = 100) -> None:
        self.pic = pic
        fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi, facecolor="white")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        k = pic.nodes.size
        self.grid = pic.key.startswith("global")
        if len(pic.edges):
            ax.imshow(edge_image(pic.pos, pic.edges, size_px), extent=(0, 1, 0, 1),
                      origin="lower", interpolation="nearest", zorder=1)
        if self.grid:
            self.base = float(np.clip(0.55 * (size_px * 0.96 / np.sqrt(max(k, 1))) ** 2, 4, 200))
        else:
            self.base = float(np.clip(40000.0 / max(k, 1), 4.0, 60.0))
        empty = np.empty((0, 2))
        self.scatter = {
            "other": ax.scatter(empty[:, 0], empty[:, 1], marker="s" if self.grid else "o",
                                linewidths=0, zorder=2),
            "core": ax.scatter(empty[:, 0], empty[:, 1], marker="s", linewidths=0, zorder=3),
            "leader": ax.scatter(empty[:, 0], empty[:, 1], marker="s" if self.grid else "D",
                                 edgecolors="#111111", linewidths=0.7, zorder=4),
        }
        self.scale = {"other": 1.0, "core": 1.15, "leader": 1.0 if self.grid else 3.2}
        self.blit = _Blitter(fig, fmt="jpeg")
        self.blit.animated = list(self.scatter.values())
        self.blit.freeze()

    def render(self, code: np.ndarray, core: np.ndarray, leader: np.ndarray) -> bytes:
        """PNG of the picture, each shown consumer coloured by its display category."""
        nodes = self.pic.nodes
        shown, is_core, is_leader = code[nodes], core[nodes], leader[nodes]
        groups = {"other": ~is_core & ~is_leader, "core": is_core & ~is_leader,
                  "leader": is_leader}
        with self.blit.lock:
            for name, mask in groups.items():
                idx = np.flatnonzero(mask)
                c = shown[idx]
                order = idx[np.argsort(c, kind="stable")]  # later funnel stages on top
                sc = self.scatter[name]
                sc.set_offsets(self.pic.pos[order])
                sc.set_facecolor(_RGBA[shown[order]])
                sc.set_sizes([self.base * self.scale[name]])
            return self.blit.frame()


PANELS = ("reach", "penetration", "dream_value", "dilution")
DILUTION_AXIS = (-0.2, 1.0)  # negative: owners add to the dream (core owners emulated)


class ChartsPainter:
    """Time series per brand (reach, penetration, dream value, dilution) and each brand's
    trajectory in the reach-against-dilution plane. Axes are fixed for the whole run (x: the
    scenario's steps; shares in [0, 1]), so only the lines are redrawn each step."""

    def __init__(self, brands: list[str], horizon: int, dream_max: float, *,
                 width_px: int = 720, height_px: int = 540, dpi: int = 100) -> None:
        self.brands = list(brands)
        fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi, facecolor="white")
        gs = fig.add_gridspec(2, 3, left=0.065, right=0.985, top=0.885, bottom=0.1,
                              wspace=0.38, hspace=0.45, width_ratios=(1, 1, 1.2))
        horizon = max(int(horizon), 1)
        self.lines: dict[str, list] = {}
        for k, col in enumerate(PANELS):
            ax = fig.add_subplot(gs[k // 2, k % 2])
            ax.set_title(kpi(col).label, fontsize=10)
            ax.set_xlim(0, horizon)
            ax.set_ylim(*{"dream_value": (0, dream_max),
                          "dilution": DILUTION_AXIS}.get(col, (0.0, 1.0)))
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=8)
            if k >= 2:
                ax.set_xlabel("step (week)", fontsize=9)
            self.lines[col] = [ax.plot([], [], lw=2, color=brand_color(i))[0]
                               for i in range(len(brands))]
        ax = fig.add_subplot(gs[:, 2])
        ax.set_title("Reach against dilution", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(*DILUTION_AXIS)
        ax.set_xlabel("reach", fontsize=9)
        ax.set_ylabel("dilution", fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.text(0.04, 0.96, "costly reach", transform=ax.transAxes, va="top", fontsize=8,
                color="#888888")
        ax.text(0.96, 0.04, "reach that keeps\nthe dream", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=8, color="#888888")
        self.path = [ax.plot([], [], lw=2, color=brand_color(i))[0] for i in range(len(brands))]
        self.head = [ax.plot([], [], "o", ms=8, color=brand_color(i), mec="white")[0]
                     for i in range(len(brands))]
        handles = [matplotlib.lines.Line2D([], [], lw=3, color=brand_color(i))
                   for i in range(len(brands))]
        fig.legend(handles, self.brands, loc="upper center", ncol=min(len(brands), 6),
                   frameon=False, fontsize=10, bbox_to_anchor=(0.5, 1.0))
        self.blit = _Blitter(fig)
        self.blit.animated = [*(ln for lines in self.lines.values() for ln in lines),
                              *self.path, *self.head]
        self.blit.freeze()

    def render(self, ts: pd.DataFrame) -> bytes:
        """PNG of the charts for a model's ``timeseries()``."""
        with self.blit.lock:
            for i, brand in enumerate(self.brands):
                part = ts[ts["brand"] == brand]
                steps = part["step"].to_numpy()
                for col, lines in self.lines.items():
                    lines[i].set_data(steps, part[col].to_numpy())
                reach, dil = part["reach"].to_numpy(), part["dilution"].to_numpy()
                self.path[i].set_data(reach, dil)
                self.head[i].set_data(reach[-1:], dil[-1:])
            return self.blit.frame()
