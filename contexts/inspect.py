"""Looking at a model: a text summary, a Graphviz description, and a PNG of the wiring."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

from .errors import ContextError


def summary(ctx: Any) -> str:
    lines = [f"Context '{ctx.name}': dt={ctx.dt:g} ms, batch_size={ctx.batch_size}, seed={ctx.seed}, "
             f"dtype={ctx.dtype}", "", "components:"]
    for name, comp in ctx._components.items():
        lines.append(f"  {name} ({type(comp).__name__})")
        for cname, c in comp._compartments.items():
            wire = ctx._wires.get(c.path)
            src = f"  << {wire.to_str()}" if wire else ("  (clamped)" if c.path in ctx._clamped else "")
            lines.append(f"    {c.kind:<6} {cname:<14} {c.shape_str():<16}{src}")
    lines += ["", "commands:"] + [f"  {cmd.describe()}" for cmd in ctx._commands.values()]
    return "\n".join(lines)


# -- the graph: components as nodes, one edge per (source component, target component) ------------------
@dataclass
class _Edge:
    src: str
    dst: str
    labels: list[str] = field(default_factory=list)
    delayed: bool = False      # every term of the edge is `.prev`
    back: bool = False         # the source runs after the target in the command order


def _term_label(term: Any, input_name: str, prev: bool = True) -> str:
    """``outputs -> j``, ``-1 * outputs -> j``, ``s.prev -> inputs`` (the wire's own notation)."""
    scale = f"{term.scale:g} * " if term.scale != 1 else ""
    return f"{scale}{term.compartment.name}{'.prev' if prev and term.delayed else ''} -> {input_name}"


def _order(ctx: Any) -> list[str]:
    """Components in execution order: the clock command's order first, then the other commands'."""
    cmds = sorted(ctx._commands.values(), key=lambda c: c.name != ctx.clock_command)
    order = [c.name for cmd in cmds for c in cmd.components]
    order += list(ctx._components)
    return list(dict.fromkeys(order))


def _edges(ctx: Any) -> list[_Edge]:
    pos = {name: i for i, name in enumerate(_order(ctx))}
    edges: dict[tuple[str, str], _Edge] = {}
    for target, src in ctx._wires.items():
        tcomp, tname = target.split(".")
        for term in src.terms:
            s = term.compartment.owner.name
            e = edges.setdefault((s, tcomp), _Edge(s, tcomp, delayed=True))
            e.labels.append(_term_label(term, tname))
            e.delayed = e.delayed and term.delayed
    for e in edges.values():
        # an edge against the execution order (or a one-step delay) is feedback: it does not set the layer
        e.back = e.delayed or pos[e.src] >= pos[e.dst]
    return list(edges.values())


def _layers(ctx: Any, edges: list[_Edge]) -> dict[str, int]:
    """Layer of each component = longest chain of forward (same-step) wires leading into it."""
    order = _order(ctx)
    layer = dict.fromkeys(order, 0)
    for name in order:  # forward edges go from earlier to later in `order`: one pass is a topological sweep
        for e in edges:
            if e.dst == name and not e.back:
                layer[name] = max(layer[name], layer[e.src] + 1)
    # a component fed only by feedback (lateral inhibition from `z.s.prev`) sits just before its readers
    for name in reversed(order):
        if not any(e.dst == name and not e.back for e in edges):
            after = [layer[e.dst] for e in edges if e.src == name and not e.back]
            if after:
                layer[name] = max(layer[name], min(after) - 1)
    return layer


def to_dot(ctx: Any) -> str:
    """The wiring graph in Graphviz ``dot`` syntax (render with ``dot -Tpng``).

    One node per component, one edge per wire term labelled ``output -> input``; one-step delays
    (``.prev``) are dashed, and wires against the execution order do not constrain the layout."""
    out = [f'digraph "{ctx.name}" {{', "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="Helvetica"];',
           '  edge [fontsize=10, fontname="Helvetica"];']
    for name, comp in ctx._components.items():
        out.append(f'  {name} [label="{name}\\n{type(comp).__name__}"];')
    back = {(e.src, e.dst) for e in _edges(ctx) if e.back}
    for target, src in ctx._wires.items():
        tcomp, tname = target.split(".")
        for term in src.terms:
            owner = term.compartment.owner.name
            label = _term_label(term, tname, prev=False)
            extra = (", style=dashed" if term.delayed else "") + (", constraint=false" if (owner, tcomp) in back
                                                                   else "")
            out.append(f'  {owner} -> {tcomp} [label="{label}"{extra}];')
    out.append("}")
    return "\n".join(out)


def draw(ctx: Any, path: str, engine: str = "auto") -> str:
    """Save a PNG of the wiring graph, laid out in layers from left to right along the dependencies.

    ``engine``: ``"graphviz"`` (the ``dot`` program), ``"matplotlib"``, or ``"auto"`` (graphviz when
    ``dot`` is installed). Returns ``path``."""
    if engine not in ("auto", "graphviz", "matplotlib"):
        raise ContextError(f"{ctx.name}.draw(engine={engine!r}): use 'auto', 'graphviz' or 'matplotlib'")
    dot = shutil.which("dot")
    if engine == "graphviz" or (engine == "auto" and dot):
        if not dot:
            raise ContextError(f"{ctx.name}.draw(engine='graphviz') needs Graphviz's `dot` program on the "
                               "PATH (e.g. apt install graphviz); engine='matplotlib' needs nothing")
        proc = subprocess.run([dot, "-Tpng", "-Gdpi=110", "-o", str(path)], input=to_dot(ctx).encode(),
                              capture_output=True)
        if proc.returncode != 0:
            raise ContextError(f"{ctx.name}.draw: `dot` failed ({proc.stderr.decode(errors='replace').strip()}); "
                               "engine='matplotlib' draws without Graphviz")
        return path
    return _draw_matplotlib(ctx, path)


def _draw_matplotlib(ctx: Any, path: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    edges = _edges(ctx)
    layer = _layers(ctx, edges)
    n_layers = max(layer.values(), default=0) + 1
    columns: list[list[str]] = [[n for n in _order(ctx) if layer[n] == k] for k in range(n_layers)]
    # order each column by the mean row of its forward predecessors (fewer crossings), two sweeps
    row: dict[str, float] = {}
    for _ in range(2):
        for col in columns:
            start = {n: i for i, n in enumerate(col)}

            def bary(n: str, start: dict = start) -> float:
                ys = [row[e.src] for e in edges if e.dst == n and not e.back and e.src in row]
                return sum(ys) / len(ys) if ys else row.get(n, start[n])
            col.sort(key=bary)
            for i, n in enumerate(col):
                row[n] = i - (len(col) - 1) / 2
    dx, dy = 3.2, 1.6
    xy = {n: (layer[n] * dx, -row[n] * dy) for n in row}
    height = max(len(c) for c in columns) if columns else 1
    fig, ax = plt.subplots(figsize=(max(5.0, 3.3 * n_layers + 1.0), max(3.0, 1.6 * height + 2.2)))
    ax.set_xlim(-1.4, (n_layers - 1) * dx + 1.4)
    ax.set_ylim(-(height / 2) * dy - 0.6, (height / 2) * dy + 0.6)
    ax.axis("off")
    boxes = {}
    for n, (x, y) in xy.items():
        boxes[n] = ax.text(x, y, f"{n}\n{type(ctx._components[n]).__name__}", ha="center", va="center",
                           fontsize=10, zorder=3,
                           bbox=dict(boxstyle="round,pad=0.45", fc="#fff8dc", ec="black", lw=1.0))
    fig.canvas.draw()  # box sizes are known only after a draw
    labels = []
    for e in edges:
        (x0, y0), (x1, y1) = xy[e.src], xy[e.dst]
        # forward edges between neighbouring layers are straight; others bend so as not to cross boxes
        skips = e.back or abs(layer[e.dst] - layer[e.src]) != 1
        rad = (0.3 if e.back else 0.2) if skips else 0.0  # feedback bows above, long forward wires below
        if e.src == e.dst:
            rad = 0.0
        arrow = FancyArrowPatch((x0, y0), (x1, y1), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                mutation_scale=14, lw=1.2, color="tab:red" if e.back else "dimgray",
                                linestyle="--" if e.delayed else "-", zorder=1,
                                patchA=boxes[e.src].get_bbox_patch(), patchB=boxes[e.dst].get_bbox_patch())
        ax.add_patch(arrow)
        # the midpoint of arc3's quadratic Bezier: halfway to the control point, off the chord
        mx, my = (x0 + x1) / 2 + rad * (y1 - y0) / 2, (y0 + y1) / 2 - rad * (x1 - x0) / 2
        labels.append(ax.text(mx, my, "\n".join(e.labels), fontsize=7.5, ha="center", va="center", zorder=2,
                              color="darkred" if e.back else "black",
                              bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9)))
    for _ in range(2):  # keep every label inside the axes (under the title): grow the limits, separate again
        ys = [t.get_position()[1] for t in labels] + [y for _, y in xy.values()]
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, min(ys) - 0.6), max(hi, max(ys) + 0.6))
        _separate(fig, ax, labels, list(boxes.values()))
    ax.set_title(f"{ctx.name}: wiring (left to right in execution order; red: feedback or delayed)", fontsize=10)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _separate(fig: Any, ax: Any, labels: list, fixed: list, rounds: int = 200) -> None:
    """Nudge edge labels vertically until none overlaps another label or a component box."""
    renderer = fig.canvas.get_renderer()
    inv = ax.transData.inverted()

    def extent(t: Any) -> Any:
        return t.get_window_extent(renderer).expanded(1.04, 1.1)

    obstacles = [extent(t) for t in fixed]
    for _ in range(rounds):
        moved = False
        for i, t in enumerate(labels):
            box = extent(t)
            others = obstacles + [extent(u) for j, u in enumerate(labels) if j != i]
            for o in others:
                if box.overlaps(o):
                    # move away from the other box's centre, by the vertical overlap (display units)
                    up = (box.y0 + box.y1) >= (o.y0 + o.y1)
                    shift = (o.y1 - box.y0) if up else (o.y0 - box.y1)
                    x, y = t.get_position()
                    _, y_new = inv.transform(ax.transData.transform((x, y)) + (0, shift + (2 if up else -2)))
                    t.set_position((x, y_new))
                    box = extent(t)
                    moved = True
        if not moved:
            return
