"""The network picture of a running model, every consumer coloured by funnel stage.

The painter draws what never changes (the friendships, as a density image) once into a
background and, on every step, only restores that background and draws the consumers on top
(matplotlib blitting on the Agg canvas), then encodes a JPEG with Pillow: a few milliseconds
at thousands of consumers, where re-creating the figure would cost several times more. The
KPI charts are SVG drawn in the browser (charts.py).
"""

from __future__ import annotations

import io
import threading

import matplotlib.colors
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ewom_abm.app.layout import Picture
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
