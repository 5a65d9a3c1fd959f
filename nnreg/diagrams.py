"""Network diagrams drawn with matplotlib (used from chapter 3 on).

``draw_network`` draws a fully connected network as circles and edges; ``draw_cnn`` draws a
convolutional network as a row of feature-map blocks. Both return the matplotlib ``Axes``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, Polygon, Rectangle

NodeId = tuple[int, int]  # (layer index, unit index), both from 0


def _layer_colour(index: int, n_layers: int) -> str:
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    if index == 0:
        return palette[0]
    if index == n_layers - 1:
        return palette[2 % len(palette)]
    return palette[1 % len(palette)]


def draw_network(
    layer_sizes: Sequence[int],
    *,
    ax=None,
    node_labels: Mapping[NodeId, str] | None = None,
    edge_labels: Mapping[tuple[NodeId, NodeId], str] | None = None,
    layer_names: Sequence[str] | None = None,
    max_drawn: int = 12,
    radius: float = 0.22,
):
    """Draw a fully connected feed-forward network.

    ``layer_sizes`` lists the units per layer, input first (e.g. ``(16, 10, 6, 1)``). Layers wider
    than ``max_drawn`` are drawn with their first and last units and a vertical ellipsis.
    ``node_labels`` maps ``(layer, unit)`` to text (LaTeX allowed); ``edge_labels`` maps a pair of
    such nodes to the weight's label, written near the edge's middle.
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least two layers of at least one unit each; got {layer_sizes!r}.")
    node_labels = dict(node_labels or {})
    edge_labels = dict(edge_labels or {})
    if layer_names is not None and len(layer_names) != len(sizes):
        raise ValueError(f"layer_names has {len(layer_names)} names for {len(sizes)} layers.")

    if ax is None:
        _, ax = plt.subplots(figsize=(1.9 * len(sizes) + 1, 0.42 * min(max(sizes), max_drawn) + 1.8))
    x_gap, y_gap = 2.2, 0.62

    positions: dict[NodeId, tuple[float, float]] = {}
    for layer, size in enumerate(sizes):
        shown = list(range(size)) if size <= max_drawn else list(range(max_drawn // 2)) + list(range(size - max_drawn // 2, size))
        slots = len(shown) + (1 if size > max_drawn else 0)
        top = (slots - 1) * y_gap / 2
        slot = 0
        for unit in shown:
            if size > max_drawn and unit == size - max_drawn // 2:
                ax.text(layer * x_gap, top - slot * y_gap, r"$\vdots$", ha="center", va="center", fontsize=14)
                slot += 1
            positions[(layer, unit)] = (layer * x_gap, top - slot * y_gap)
            slot += 1

    for (l0, u0), (x0, y0) in positions.items():
        for (l1, u1), (x1, y1) in positions.items():
            if l1 == l0 + 1:
                ax.plot([x0, x1], [y0, y1], color="0.55", lw=0.8, zorder=1)
    for ((l0, u0), (l1, u1)), label in edge_labels.items():
        (x0, y0), (x1, y1) = positions[(l0, u0)], positions[(l1, u1)]
        t = 0.5
        xm, ym = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        above = ym >= 0  # labels of edges in the upper half go above the line, the others below
        ax.text(xm, ym + (0.06 if above else -0.06), label, ha="center", va="bottom" if above else "top", fontsize=12,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9), zorder=4)
    for (layer, unit), (x, y) in positions.items():
        ax.add_patch(Circle((x, y), radius, fc=_layer_colour(layer, len(sizes)), ec="0.2", lw=1, zorder=2))
        if (layer, unit) in node_labels:
            ax.text(x, y, node_labels[(layer, unit)], ha="center", va="center", fontsize=12, color="white", zorder=3)

    names = layer_names or (["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"])
    bottom = min(y for _, y in positions.values()) - 0.75
    for layer, (name, size) in enumerate(zip(names, sizes)):
        ax.text(layer * x_gap, bottom, f"{name}\n({size})", ha="center", va="top", fontsize=10)

    ax.set_aspect("equal")
    ax.axis("off")
    ax.autoscale_view()
    ax.margins(0.08)
    return ax


def draw_cnn(stages: Sequence[tuple[str, Sequence[int] | int]], *, ax=None, depth_scale: float = 0.08):
    """Draw a CNN as a row of blocks, one per stage, each labelled with its output shape.

    ``stages`` is a list of ``(label, shape)``: ``shape`` is ``(channels, height, width)`` for a
    feature map, drawn as a slab whose thickness grows with the channels, or an integer for a dense
    layer, drawn as a thin bar whose height grows with the number of units.
    """
    if not stages:
        raise ValueError("draw_cnn needs at least one (label, shape) stage.")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.55 * len(stages) + 1, 3.6))
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    x = 0.0
    centres = []
    for i, (label, shape) in enumerate(stages):
        if isinstance(shape, int):
            h = 0.45 + 0.55 * math.log10(1 + min(shape, 10_000))  # 1 unit: 0.6, 64: 1.4, 784: 2.0
            w = 0.18
            ax.add_patch(Rectangle((x, -h / 2), w, h, fc=palette[2], ec="0.2", lw=1))
            text, right = f"{shape}", x + w
        else:
            c, hh, ww = (int(v) for v in shape)
            side = 0.5 + 1.6 * hh / max(int(s[1][1]) if not isinstance(s[1], int) else 1 for s in stages)
            thick = 0.12 + depth_scale * c ** 0.5 * 1.6
            colour = palette[0] if i == 0 else palette[1] if "conv" in label.lower() else palette[4 % len(palette)]
            # front face, then a skewed top and side for depth
            ax.add_patch(Rectangle((x, -side / 2), thick, side, fc=colour, ec="0.2", lw=1, alpha=0.9))
            d = 0.18
            ax.add_patch(Polygon([(x, side / 2), (x + d, side / 2 + d), (x + thick + d, side / 2 + d), (x + thick, side / 2)],
                                 closed=True, fc=colour, ec="0.2", lw=1, alpha=0.6))
            ax.add_patch(Polygon([(x + thick, -side / 2), (x + thick + d, -side / 2 + d), (x + thick + d, side / 2 + d), (x + thick, side / 2)],
                                 closed=True, fc=colour, ec="0.2", lw=1, alpha=0.45))
            text, right = f"{c}×{hh}×{ww}", x + thick + d
        centres.append((x, right))
        ax.text((x + right) / 2, -1.35, label, ha="center", va="top", fontsize=10, fontweight="bold")
        ax.text((x + right) / 2, -1.72, text, ha="center", va="top", fontsize=9)
        x = right + 0.75
    for (_, r0), (l1, _) in zip(centres, centres[1:]):
        ax.add_patch(FancyArrowPatch((r0 + 0.08, 0), (l1 - 0.08, 0), arrowstyle="-|>", mutation_scale=12, color="0.3"))
    ax.set_xlim(-0.3, x - 0.4)
    ax.set_ylim(-2.2, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
