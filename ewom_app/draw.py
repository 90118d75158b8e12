"""The network picture of a running model, every consumer coloured by funnel stage.

The painter draws what never changes (the friendships, as a density image) once into a
background; on every step it stamps the consumers' markers on a copy with numpy and encodes a
JPEG with Pillow: a few milliseconds at thousands of consumers. The KPI charts are SVG drawn in
the browser (charts.py).
"""

from __future__ import annotations

import io

import matplotlib.colors
import numpy as np
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


def stamp(shape: str, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (dy, dx) of a marker ``size`` pixels across, centred on a pixel: a
    ``circle``, a ``square`` or a ``diamond`` (a square on its corner). A pixel belongs to the
    marker when at least half of it is covered (sampled 4 x 4), as a rasteriser would draw it."""
    r = max(size, 1.0) / 2
    reach = int(np.ceil(r + 0.5))
    sub = (np.arange(4) + 0.5) / 4 - 0.5  # sub-pixel sample points
    dy, dx = np.mgrid[-reach:reach + 1, -reach:reach + 1]
    y = dy[..., None, None] + sub[:, None]
    x = dx[..., None, None] + sub[None, :]
    if shape == "circle":
        inside = y * y + x * x <= r * r
    elif shape == "diamond":
        inside = np.abs(y) + np.abs(x) <= r * 1.25
    else:
        inside = (np.abs(y) <= r) & (np.abs(x) <= r)
    covered = inside.mean(axis=(2, 3)) >= 0.5
    covered[reach, reach] = True  # at least the centre
    return dy[covered], dx[covered]


# how each kind of consumer is drawn: shape and size factor on a network, in the mixing grid
_MARKS = {"other": ("circle", 1.0, "square", 1.0), "core": ("square", 1.07, "square", 1.07),
          "leader": ("diamond", 1.79, "square", 1.0)}
_OUTLINE = np.array([17, 17, 17], dtype=np.uint8)  # opinion leaders' dark edge


class NetworkPainter:
    """The network (or, for global mixing, a grid of consumers) coloured by funnel stage.

    Core-segment consumers are squares, everyone else dots; opinion leaders are drawn larger as
    diamonds with a dark outline. Consumers further along the funnel are drawn on top. The
    painter depends only on the picture (graph and layout), so resets and sessions share it.

    The friendships are drawn once into a background image; each frame copies it and stamps
    every shown consumer's marker into it with numpy (one fancy assignment per kind of
    consumer, later stages last so they land on top), then encodes a JPEG: a few milliseconds
    for thousands of consumers, where a matplotlib scatter of the same markers costs tens.
    """

    def __init__(self, pic: Picture, *, size_px: int = 620) -> None:
        self.pic = pic
        self.size = size_px
        k = pic.nodes.size
        self.grid = pic.key.startswith("global")
        # marker areas in points^2 as a scatter plot at 100 dpi would size them, then pixels
        area = np.clip(0.55 * (size_px * 0.96 / np.sqrt(max(k, 1))) ** 2, 4, 200) \
            if self.grid else np.clip(40000.0 / max(k, 1), 4.0, 60.0)
        base = float(np.sqrt(area)) * 100 / 72
        self.margin = m = int(np.ceil(base * 2)) + 2
        side = size_px + 2 * m
        background = np.full((side, side, 3), 255.0)
        if len(pic.edges):
            shade = edge_image(pic.pos, pic.edges, size_px)[::-1, :, 3:]  # row 0 at the top
            background[m:m + size_px, m:m + size_px] = 255.0 * (1 - shade) + 112.0 * shade
        self.background = background.astype(np.uint8).reshape(-1, 3)
        x = np.clip(np.rint(pic.pos[:, 0] * size_px), 0, size_px - 1).astype(np.int64)
        y = np.clip(np.rint((1 - pic.pos[:, 1]) * size_px), 0, size_px - 1).astype(np.int64)
        self.centre = (y + m) * side + (x + m)
        self.offsets = {}
        marks = {name: (m[2:] if self.grid else m[:2]) for name, m in _MARKS.items()}
        for name, (shape, factor) in marks.items():
            dy, dx = stamp(shape, base * factor)
            self.offsets[name] = dy * side + dx
        shape, factor = marks["leader"]
        dy, dx = stamp(shape, base * factor + 2.0)  # a dark edge about a pixel wide
        self.outline = dy * side + dx
        self.colors = np.rint(_RGBA[:, :3] * 255).astype(np.uint8)

    def render(self, code: np.ndarray, core: np.ndarray, leader: np.ndarray) -> bytes:
        """JPEG of the picture, each shown consumer coloured by its display category."""
        nodes = self.pic.nodes
        shown, is_core, is_leader = code[nodes], core[nodes], leader[nodes]
        groups = {"other": ~is_core & ~is_leader, "core": is_core & ~is_leader,
                  "leader": is_leader}
        img = self.background.copy()
        for name, mask in groups.items():
            idx = np.flatnonzero(mask)
            order = idx[np.argsort(shown[idx], kind="stable")]  # later funnel stages on top
            centres = self.centre[order]
            if name == "leader":
                img[(centres[:, None] + self.outline).ravel()] = _OUTLINE
            offsets = self.offsets[name]
            img[(centres[:, None] + offsets).ravel()] = np.repeat(
                self.colors[shown[order]], offsets.size, axis=0)
        m, side = self.margin, self.size + 2 * self.margin
        frame = img.reshape(side, side, 3)[m:m + self.size, m:m + self.size]
        return encode(frame, "jpeg")
