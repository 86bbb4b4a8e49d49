"""Looking at a model: a text summary, a Graphviz description, and a PNG of the wiring."""

from __future__ import annotations

from typing import Any


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


def to_dot(ctx: Any) -> str:
    """The wiring graph in Graphviz ``dot`` syntax (render with ``dot -Tpng``)."""
    out = [f'digraph "{ctx.name}" {{', "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for name, comp in ctx._components.items():
        out.append(f'  {name} [label="{name}\\n{type(comp).__name__}"];')
    for target, src in ctx._wires.items():
        tcomp, tname = target.split(".")
        for term in src.terms:
            label = f"{term.compartment.name} -> {tname}" + (f" x{term.scale:g}" if term.scale != 1 else "")
            style = ", style=dashed" if term.delayed else ""
            out.append(f'  {term.compartment.owner.name} -> {tcomp} [label="{label}"{style}];')
    out.append("}")
    return "\n".join(out)


def draw(ctx: Any, path: str) -> str:
    """Save a PNG of the wiring graph (components on a circle, one arrow per wire term)."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(ctx._components)
    n = max(len(names), 1)
    pos = {nm: (math.cos(2 * math.pi * i / n), math.sin(2 * math.pi * i / n)) for i, nm in enumerate(names)}
    fig, ax = plt.subplots(figsize=(6, 6))
    for target, src in ctx._wires.items():
        tcomp, tname = target.split(".")
        for term in src.terms:
            a, b = pos[term.compartment.owner.name], pos[tcomp]
            ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle="->", color="gray",
                        linestyle="--" if term.delayed else "-", shrinkA=22, shrinkB=22))
            ax.text((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, f"{term.compartment.name}→{tname}",
                    fontsize=7, ha="center", color="dimgray")
    for nm, (x, y) in pos.items():
        ax.text(x, y, f"{nm}\n{type(ctx._components[nm]).__name__}", ha="center", va="center",
                bbox=dict(boxstyle="round", fc="lightyellow", ec="black"), fontsize=9)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.axis("off")
    ax.set_title(f"{ctx.name}: wiring")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
