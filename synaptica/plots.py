"""Plots of runs: spike rasters, population rates, voltage traces, weight matrices, receptive fields.

Every function draws into ``ax`` when given (a matplotlib Axes), else into a new figure, and
returns the Figure; ``path=`` also saves it (PNG, SVG, PDF by the suffix). Figures are built with
matplotlib's object API and the Agg canvas: no window opens and nothing touches pyplot's global
state, so the functions are safe in scripts, tests and servers::

    from synaptica import plots
    fig = plots.raster(spikes)                       # a SpikeMonitor (or its events, or a dense record)
    plots.rates(rate, path="rate.png")               # a RateMonitor
    plots.traces(recs[z.v], dt=ctx.dt, neurons=[0, 1], threshold=-52.0)
    plots.weights(W.dense_weights())
    plots.receptive_fields(W.weights.value, (28, 28), labels=assigned)

``figure(nrows, ncols)`` gives a new figure and its axes for multi-panel layouts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np


def figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] | None = None, **kw: Any) -> tuple:
    """``(fig, axes)`` like ``plt.subplots``, on an Agg canvas (``axes`` squeezed as there)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size or (4.8 * ncols, 3.4 * nrows))
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def _axes(ax: Any, size: tuple[float, float] | None = None) -> tuple:
    if ax is not None:
        return ax.figure, ax
    return figure(size=size)


def _done(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=90, bbox_inches="tight")
    return fig


def spike_times(spikes: Any, dt: float = 1.0, sample: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(t, i)``: times (ms) and neuron indices of the spikes in ``spikes``: a ``SpikeMonitor``, its
    ``SpikeEvents``, a ``(t, i)`` pair, or a dense ``(steps, N)`` / ``(steps, batch, N)`` 0/1 record
    (``t = (step + 1) dt``, the clock after the step, as a monitor reports it)."""
    events = getattr(spikes, "result", spikes)
    if hasattr(events, "i") and hasattr(events, "t") and hasattr(events, "b"):
        keep = np.asarray(events.b) == sample
        return np.asarray(events.t)[keep], np.asarray(events.i)[keep]
    if isinstance(spikes, tuple) and len(spikes) == 2:
        return np.asarray(spikes[0], float), np.asarray(spikes[1])
    dense = np.asarray(spikes)
    if dense.ndim == 3:
        dense = dense[:, sample]
    if dense.ndim != 2:
        raise ValueError(f"raster: a dense record must be (steps, N) or (steps, batch, N), got shape {dense.shape}")
    step, i = np.nonzero(dense > 0)
    return (step + 1) * dt, i


def raster(spikes: Any, ax: Any = None, *, dt: float = 1.0, sample: int = 0, order: Sequence[int] | None = None,
           color: Any = "k", values: Sequence[float] | None = None, cmap: str = "viridis",
           vmin: float | None = None, vmax: float | None = None, size: float = 2.0, title: str | None = None,
           xlabel: str = "time (ms)", ylabel: str = "neuron", path: str | Path | None = None) -> Any:
    """Spike raster: one dot per spike at (time, neuron).

    ``order``: row of each neuron (``order[i]`` is neuron ``i``'s row; e.g. ranks by weight).
    ``values``: one number per neuron that colours its dots (with ``cmap`` and a colour bar)."""
    fig, ax = _axes(ax, (7.0, 3.4))
    t, i = spike_times(spikes, dt, sample)
    rows = np.asarray(order)[i] if order is not None else i
    if values is not None:
        sc = ax.scatter(t, rows, c=np.asarray(values)[i], s=size, cmap=cmap, vmin=vmin, vmax=vmax, linewidths=0)
        fig.colorbar(sc, ax=ax)
    else:
        ax.scatter(t, rows, s=size, color=color, linewidths=0)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    return _done(fig, path)


def rates(*series: Any, ax: Any = None, labels: Sequence[str] | None = None, sample: int = 0, dt: float = 1.0,
          title: str | None = None, ylabel: str = "rate (Hz)", path: str | Path | None = None) -> Any:
    """Population rates over time: each of ``series`` a ``RateMonitor`` (or its ``PopulationRate``),
    a ``(t, rate)`` pair, or a dense ``(steps, N)`` / ``(steps, batch, N)`` spike record (its mean
    over neurons, in Hz for steps of ``dt`` ms)."""
    fig, ax = _axes(ax, (7.0, 3.0))
    for k, s in enumerate(series):
        r = getattr(s, "result", s)
        if hasattr(r, "rate") and hasattr(r, "t"):
            t, y = np.asarray(r.t), np.asarray(r.rate)
            y = y[:, sample] if y.ndim == 2 else y
        elif isinstance(s, tuple) and len(s) == 2:
            t, y = np.asarray(s[0]), np.asarray(s[1])
        else:
            dense = np.asarray(s)
            dense = dense[:, sample] if dense.ndim == 3 else dense
            t, y = (np.arange(len(dense)) + 1) * dt, dense.mean(axis=1) * 1000.0 / dt
        ax.plot(t, y, label=None if labels is None else labels[k])
    ax.set(xlabel="time (ms)", ylabel=ylabel)
    if labels is not None:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return _done(fig, path)


def traces(values: Any, ax: Any = None, *, dt: float = 1.0, neurons: Sequence[int] = (0,), sample: int = 0,
           threshold: float | None = None, t0: float = 0.0, labels: Sequence[str] | None = None,
           colors: Sequence[Any] | None = None, lw: float = 1.0, xlabel: str = "time (ms)",
           ylabel: str = "v (mV)", title: str | None = None, path: str | Path | None = None) -> Any:
    """Traces of a recorded compartment (``(steps, N)`` or ``(steps, batch, N)``, e.g. membrane
    potentials) for the given ``neurons``; ``threshold`` draws a dashed line. ``labels`` and
    ``colors`` (one per neuron) replace the legend entries ``neuron n`` and the default colours."""
    fig, ax = _axes(ax, (7.0, 3.0))
    v = np.asarray(values)
    v = v[:, sample] if v.ndim == 3 else v
    t = t0 + (np.arange(len(v)) + 1) * dt
    for k, n in enumerate(neurons):
        ax.plot(t, v[:, n], lw=lw, label=f"neuron {n}" if labels is None else labels[k],
                color=None if colors is None else colors[k])
    if threshold is not None:
        ax.axhline(threshold, ls="--", lw=0.8, color="0.4", label="threshold")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if len(neurons) > 1 or threshold is not None or labels is not None:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return _done(fig, path)


def weights(matrix: Any, ax: Any = None, *, cmap: str = "RdBu_r", symmetric: bool | None = None,
            colorbar: bool = True, title: str | None = None, xlabel: str = "post", ylabel: str = "pre",
            path: str | Path | None = None) -> Any:
    """A weight matrix ``[pre, post]`` as an image. ``symmetric`` (default: when it has both signs)
    centres the colour scale on 0."""
    fig, ax = _axes(ax, (4.6, 4.0))
    w = np.asarray(matrix, float)
    both = bool(np.nanmin(w) < 0 < np.nanmax(w)) if symmetric is None else symmetric
    lim = float(np.nanmax(np.abs(w))) or 1.0
    im = ax.imshow(w, cmap=cmap if both else "viridis" if cmap == "RdBu_r" else cmap, aspect="auto",
                   interpolation="nearest", vmin=-lim if both else None, vmax=lim if both else None)
    if colorbar:
        fig.colorbar(im, ax=ax)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    return _done(fig, path)


def tile(matrix: Any, shape: tuple[int, int], normalise: str | None = "max", pad: int = 1,
         columns: int | None = None) -> np.ndarray:
    """The columns of ``matrix`` (``(prod(shape), n)``) as ``shape`` images on one grid, ``pad``
    NaN pixels apart (``columns`` per row, default a square grid). ``normalise``: ``"max"`` divides
    each image by its maximum, ``"minmax"`` maps it to [0, 1], ``"absmax"`` divides it by its largest
    magnitude (signed images, e.g. filters, to [-1, 1] with 0 kept at 0), None leaves it."""
    w = np.asarray(matrix, float)
    h, wd = shape
    n = w.shape[1]
    cols = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    grid = np.full((rows * (h + pad) + pad, cols * (wd + pad) + pad), np.nan)
    for k in range(n):
        img = w[:, k].reshape(h, wd)
        if normalise == "max":
            img = img / (np.max(img) or 1.0)
        elif normalise == "absmax":
            img = img / (np.max(np.abs(img)) or 1.0)
        elif normalise == "minmax":
            img = (img - img.min()) / ((img.max() - img.min()) or 1.0)
        r, c = divmod(k, cols)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (wd + pad):pad + c * (wd + pad) + wd] = img
    return grid


def receptive_fields(matrix: Any, shape: tuple[int, int], ax: Any = None, *, labels: Sequence[Any] | None = None,
                     cmap: str = "hot_r", normalise: str | None = "max", columns: int | None = None,
                     vmin: float | None = None, vmax: float | None = None, title: str | None = None,
                     path: str | Path | None = None) -> Any:
    """Each postsynaptic neuron's incoming weights (a column of ``[pre, post]``) as a ``shape``
    image, on a grid; ``labels`` writes one label per neuron in its corner. ``vmin``/``vmax`` fix
    the colour scale (``normalise="absmax"``: -1 and 1 unless given, so that 0 is the middle colour)."""
    fig, ax = _axes(ax, (6.0, 6.0))
    w = np.asarray(matrix, float)
    h, wd = shape
    cols = columns or int(np.ceil(np.sqrt(w.shape[1])))
    if normalise == "absmax":
        vmin, vmax = -1.0 if vmin is None else vmin, 1.0 if vmax is None else vmax
    ax.imshow(tile(w, shape, normalise, 1, cols), cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
    if labels is not None:
        for k, lab in enumerate(labels):
            r, c = divmod(k, cols)
            ax.text((wd + 1) * c + 1.3, (h + 1) * r + 2.6 * h / 8, str(lab), color="tab:blue",
                    fontsize=7)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return _done(fig, path)


def confusion(y_true: Any, y_pred: Any, ax: Any = None, *, n_classes: int | None = None, title: str | None = None,
              path: str | Path | None = None) -> Any:
    """Confusion matrix (rows: true class, normalised per row; counts written in the cells)."""
    fig, ax = _axes(ax, (4.8, 4.4))
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    n = n_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1)
    conf = np.zeros((n, n))
    np.add.at(conf, (y_true, y_pred), 1)
    ax.imshow(conf / np.maximum(conf.sum(1, keepdims=True), 1), cmap="Blues")
    for t in range(n):
        for p in range(n):
            if conf[t, p]:
                ax.text(p, t, int(conf[t, p]), ha="center", va="center", fontsize=7,
                        color="white" if conf[t, p] > conf[t].sum() / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", xticks=range(n), yticks=range(n))
    if title:
        ax.set_title(title)
    return _done(fig, path)
