"""The microcircuit of Potjans & Diesmann (2014) built in Python from its tables (Table 5 of the paper).

    from museum.microcircuit.network import build_network
    ctx, info = build_network(scale=0.1, seed=0)
    ctx.run("advance", steps=1000)

The eight populations (``POPS``) are current-based LIF neurons (``tau_m`` 10 ms, C 250 pF, threshold
-50 mV, reset and rest -65 mV held for 2 ms); the excitatory ones are consecutive ranges of one
``LIFCell`` ``exc``, the inhibitory ones of ``inh`` (``info["cells"]`` maps them to global indices,
population ``a`` in ``info["offsets"][a]:info["offsets"][a + 1]``), so that one step is a handful of
array operations rather than one per projection. Four ``ExpSynapse`` projections (tau_syn 0.5 ms)
carry all connections: ``ee``, ``ei`` from the excitatory cell (delay 1.5 ms), ``ie``, ``ii`` from the
inhibitory one (0.8 ms: the paper's 0.75 ms rounded to the 0.1 ms step). Their edges are drawn here,
projection by projection, as in the paper: ``K`` synapses between random pre and post neurons of the
two populations (multapses allowed, no autapses), weights normal with 10 % s.d. In the ``events``
layout (the default) they are written straight into out-edge rows per presynaptic neuron
(``post_index``, ``weights`` ``(n_pre, k_out)``; a step costs spikes x out-degree), in the ``edges``
layout into in-edge columns (``pre_index``, ``weights`` ``(k_in, n_post)``; a step costs neurons x
in-degree); the same seed gives the same synapses in both. One
:class:`~museum.microcircuit.PoissonExpDrive` per cell gives every neuron its population's ``K_ext``
Poisson inputs of 8 Hz and the compensating current. Built in Python rather than YAML because the
block structure of 8 x 8 projections is computed from the tables.

Scaling (van Albada, Helias & Diesmann 2015, PLoS Comput. Biol. 11:e1004490): ``scale`` multiplies
the number of neurons and ``k_scale`` (default: ``scale``) the in-degrees. Weights are divided by
``sqrt(k_scale)`` (the variance of the input is kept) and the mean input lost is restored with a
constant current per population computed from the full-scale rates (``FULL_RATES``); the external
Poisson drive keeps its full rate and weight. ``scale = k_scale = 1`` is the paper's network.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

POPS = ("L23e", "L23i", "L4e", "L4i", "L5e", "L5i", "L6e", "L6i")
LABELS = ("L2/3e", "L2/3i", "L4e", "L4i", "L5e", "L5i", "L6e", "L6i")
N_FULL = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])
# connection probabilities, rows: target, columns: source (Table 5 of the paper)
CONN_PROBS = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]])
K_EXT = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
# Full-scale rates (Hz) used for the DC compensation and shown against the measured ones: the
# 'full_mean_rates' of NEST's Potjans_2014 example (network_params.py, 2016), from full-scale runs.
FULL_RATES = np.array([0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523])
BG_RATE = 8.0            # Hz per external input
J = 87.8                 # pA, PSC amplitude (0.15 mV PSP); L4e -> L2/3e doubled; inhibitory: g J
J_SD = 0.1               # relative s.d. of the weights
G = -4.0
TAU_M, C_M, TAU_SYN = 10.0, 250.0, 0.5   # ms, pF, ms
V_REST, V_RESET, V_TH, T_REF = -65.0, -65.0, -50.0, 2.0
V0_MEAN, V0_SD = -58.0, 10.0             # initial potentials (mV), as NEST's example
DELAY_E, DELAY_I = 1.5, 0.8              # ms (the paper's 0.75 ms rounded to the 0.1 ms step)
DELAY_REL_SD = 0.5                       # the paper's delay s.d. relative to the mean (delay_groups > 1)
# events layout: up to 1/8 of a type's neurons spiking in one step take the fast path. Synchronous
# volleys reach 5 % of the inhibitory neurons in one step at full scale (measured), and a larger
# capacity costs only the search for the spikes; more (the first step: ~20 % start above threshold)
# visit every row.
CAPACITY_FRACTION = 8


def full_synapse_counts() -> np.ndarray:
    """``K[a, b]``, the number of synapses from population b onto a at full scale (the paper's Eq. 1:
    ``K = log(1 - C) / log(1 - 1 / (N_pre N_post))``)."""
    npp = np.outer(N_FULL, N_FULL).astype(float)
    return np.log(1.0 - CONN_PROBS) / np.log(1.0 - 1.0 / npp)


def weight_matrix() -> np.ndarray:
    """Mean PSC amplitude (pA) of each projection, ``[target, source]``."""
    w = np.tile(np.array([J, G * J] * 4), (8, 1))
    w[0, 2] *= 2.0   # L4e -> L2/3e
    return w


def sizes(scale: float, k_scale: float | None = None) -> dict:
    """Population sizes, synapse counts (``[target, source]``), weights and DC currents at ``scale``."""
    k_scale = scale if k_scale is None else k_scale
    n = np.maximum(1, np.round(N_FULL * scale)).astype(int)
    k_full = full_synapse_counts()
    in_degree_full = k_full / N_FULL[:, None]
    k = np.round(in_degree_full * k_scale * n[:, None]).astype(np.int64)
    w_full = weight_matrix()
    w = w_full / math.sqrt(k_scale)
    # the mean input lost to the smaller in-degrees: (1 - sqrt(k_scale)) sum_b J_ab K_ab nu_b tau_syn
    dc = (1.0 - math.sqrt(k_scale)) * TAU_SYN * 1e-3 * (w_full * in_degree_full * FULL_RATES[None, :]).sum(axis=1)
    return {"n": n, "k": k, "w": w, "dc": dc, "k_scale": k_scale, "scale": scale}


def charge_factor(dt: float) -> float:
    """The stepped exponential current ``w, w e^{-dt/tau}, ...`` held over each step carries
    ``w dt / (1 - e^{-dt/tau})``; the exact PSC carries ``w tau``. Weights are multiplied by this
    factor (0.906 at dt = 0.1 ms) so each PSC brings the paper's charge."""
    return (1.0 - math.exp(-dt / TAU_SYN)) / (dt / TAU_SYN)


#: the two neuron types; ``cells[t]`` lists the populations of type t in the order of its cell
TYPES = ("exc", "inh")
TYPE_POPS = {"exc": (0, 2, 4, 6), "inh": (1, 3, 5, 7)}
DELAYS = {"exc": DELAY_E, "inh": DELAY_I}


def cell_offsets(n: np.ndarray, kind: str) -> dict:
    """Start of each population of type ``kind`` within its cell (populations in :data:`TYPE_POPS` order)."""
    pops = TYPE_POPS[kind]
    starts = np.concatenate([[0], np.cumsum(n[list(pops)])])
    return {a: int(starts[i]) for i, a in enumerate(pops)} | {"size": int(starts[-1])}


def to_global(n: np.ndarray, kind: str) -> np.ndarray:
    """The global index (populations in :data:`POPS` order) of each neuron of cell ``kind``."""
    off = np.concatenate([[0], np.cumsum(n)])
    return np.concatenate([np.arange(off[a], off[a + 1]) for a in TYPE_POPS[kind]]).astype(np.int32)


def draw_counts(s: dict, src: str, tgt: str, rng: np.random.Generator) -> dict:
    """``{(a, b): out-degree of each neuron of b onto a}`` for the projections from type ``src`` to ``tgt``:
    the ``K[a, b]`` synapses between random pairs have multinomial presynaptic counts."""
    n, k = s["n"], s["k"]
    return {(a, b): rng.multinomial(int(k[a, b]), np.full(n[b], 1.0 / n[b])).astype(np.int32)
            for a in TYPE_POPS[tgt] for b in TYPE_POPS[src] if k[a, b] > 0}


def draw_targets(s: dict, a: int, b: int, counts: np.ndarray, rng: np.random.Generator,
                 cf: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synapses of projection b -> a as ``(pre, post, w)``, indices within the populations, ``pre``
    ascending (``counts[i]`` edges of neuron i), uniform random ``post`` (no autapses when a == b) and
    weights N(w_ab, 10 %) of the sign of w_ab, times the charge factor ``cf`` (float32)."""
    m = int(counts.sum())
    pre = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    post = rng.integers(s["n"][a], size=m, dtype=np.int32)
    while a == b and np.any(bad := post == pre):
        post[bad] = rng.integers(s["n"][a], size=int(bad.sum()), dtype=np.int32)
    mean = s["w"][a, b]
    wt = rng.normal(mean, abs(mean) * J_SD, m)
    wt = (np.maximum(wt, 0.0) if mean > 0 else np.minimum(wt, 0.0)) * cf
    return pre, post, wt.astype(np.float32)


def out_edge_arrays(s: dict, src: str, tgt: str, rng: np.random.Generator, cf: float,
                    counts: dict | None = None) -> tuple[np.ndarray, ...]:
    """``(post_index, weights)`` of the events layout, ``(n_src, k_out)``, written projection by projection
    (no list of all edges is ever held; unused slots: index 0, weight 0). ``counts``: the out-degrees
    (:func:`draw_counts`; default: drawn here)."""
    counts = draw_counts(s, src, tgt, rng) if counts is None else counts
    o_src, o_tgt = cell_offsets(s["n"], src), cell_offsets(s["n"], tgt)
    degree = np.zeros(o_src["size"], np.int64)
    for (_, b), c in counts.items():
        degree[o_src[b]:o_src[b] + len(c)] += c
    k_out = max(int(degree.max()), 1)
    post_index = np.zeros((o_src["size"], k_out), np.int32)
    weights = np.zeros((o_src["size"], k_out), np.float32)
    fill = np.zeros(o_src["size"], np.int64)             # slots of each row used so far
    for (a, b), c in counts.items():
        pre, post, wt = draw_targets(s, a, b, c, rng, cf)
        first = np.cumsum(c, dtype=np.int64) - c          # first edge of each pre neuron in this projection
        row = pre.astype(np.int64) + o_src[b]
        flat = row * k_out + fill[row] + (np.arange(len(pre), dtype=np.int64) - first[pre])
        post_index.reshape(-1)[flat] = post + o_tgt[a]
        weights.reshape(-1)[flat] = wt
        fill[o_src[b]:o_src[b] + len(c)] += c
        del pre, post, wt, first, row, flat
    return post_index, weights


def in_edge_arrays(s: dict, src: str, tgt: str, rng: np.random.Generator, cf: float,
                   counts: dict | None = None) -> tuple[np.ndarray, ...]:
    """``(pre_index, weights)`` of the edges layout, ``(k_in, n_tgt)``: the same draws as :func:`out_edge_arrays`."""
    counts = draw_counts(s, src, tgt, rng) if counts is None else counts
    o_src, o_tgt = cell_offsets(s["n"], src), cell_offsets(s["n"], tgt)
    parts = []
    for (a, b), c in counts.items():
        pre, post, wt = draw_targets(s, a, b, c, rng, cf)
        parts.append((pre + o_src[b], post + o_tgt[a], wt))
    pre, post, wt = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return to_slots(pre, post, wt, o_tgt["size"])


def delay_values(mean: float, dt: float, groups: int) -> np.ndarray:
    """``groups`` delays (ms, multiples of ``dt``) standing for N(mean, (DELAY_REL_SD mean)^2) truncated
    below at ``dt``: the means of its ``groups`` equally likely bins (from a fixed sample of 10^6)."""
    d = np.random.default_rng(0).normal(mean, DELAY_REL_SD * mean, 1_000_000)
    d = np.sort(d[d >= dt])
    return np.array([max(dt, round(part.mean() / dt) * dt) for part in np.array_split(d, groups)])


def split_counts(counts: dict, groups: int, rng: np.random.Generator) -> list[dict]:
    """Each neuron's edges of each projection shared out uniformly at random among ``groups`` groups."""
    out: list[dict] = [{} for _ in range(groups)]
    for key, c in counts.items():
        left = c.astype(np.int64)
        for g in range(groups):
            part = left if g == groups - 1 else rng.binomial(left, 1.0 / (groups - g))
            out[g][key] = part.astype(np.int32)
            left = left - part
    return out


def to_slots(pre: np.ndarray, post: np.ndarray, w: np.ndarray, n_total: int) -> tuple[np.ndarray, np.ndarray]:
    """``(pre_index, weights)`` of the edges layout, ``(k_max, n_total)``: the edges of each post neuron
    in its column, the unused slots pointing at neuron 0 with weight 0."""
    order = np.argsort(post, kind="stable")
    post_s = post[order]
    counts = np.bincount(post_s, minlength=n_total)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(len(post_s)) - starts[post_s]
    k_max = int(counts.max())
    pre_index = np.zeros((k_max, n_total), np.int32)
    weights = np.zeros((k_max, n_total), np.float32)
    pre_index[slot, post_s] = pre[order]
    weights[slot, post_s] = w[order]
    return pre_index, weights


def build_network(scale: float = 0.1, k_scale: float | None = None, seed: int = 0, dt: float = 0.1,
                  drive: str = "poisson", layout: str = "events", delay_groups: int = 1) -> tuple[Any, dict]:
    """The Context (one command, ``advance``) and the sizes (:func:`sizes`, with ``offsets``,
    ``n_synapses``, ``slots``, ``layout`` and ``cells``).

    Neurons of each type are one ``LIFCell``, ``exc`` and ``inh`` (its populations consecutive, in
    :data:`TYPE_POPS` order); ``info["cells"][t]`` maps a cell's neuron to its global index (population
    ``a`` in ``offsets[a]:offsets[a + 1]``). Four ``ExpSynapse`` projections ``ee``, ``ei``, ``ie``,
    ``ii`` (source type, target type) carry all connections, in ``layout`` ``"events"`` (out-edge lists:
    each step costs spikes x out-degree) or ``"edges"`` (in-edge lists: n_post x in-degree); both hold
    the same network for a seed. ``drive``: ``"poisson"`` (K_ext Poisson inputs of 8 Hz) or ``"dc"``
    (their mean current). Initial potentials are drawn from N(-58, 10) mV.

    ``delay_groups`` 1: one delay per source type (1.5 and 0.8 ms). G > 1: the paper's distributed
    delays, N(d, (d/2)^2) truncated at ``dt``, discretised to G equally likely values
    (:func:`delay_values`); each synapse falls in one of the G groups at random and each group is a
    projection of its own (``ee0`` ... ``ii{G-1}``)."""
    from components.cells import LIFCell
    from components.rules.out_edges import OutEdges
    from components.synapses import ExpSynapse
    from contexts import Context, summation

    from . import PoissonExpDrive

    if drive not in ("poisson", "dc"):
        raise ValueError(f"drive must be 'poisson' or 'dc', got {drive!r}")
    if layout not in ("events", "edges"):
        raise ValueError(f"layout must be 'events' or 'edges', got {layout!r}")
    s = sizes(scale, k_scale)
    n, dc = s["n"], s["dc"]
    cf = charge_factor(dt)
    rng = np.random.default_rng(seed)
    size = {t: cell_offsets(n, t)["size"] for t in TYPES}
    slots, drawn = 0, {}
    with Context("microcircuit", dt=dt, seed=seed) as ctx:
        cells = {t: LIFCell(t, size[t], tau_m=TAU_M, R_m=TAU_M / C_M, v_rest=V_REST, v_reset=V_RESET, thr=V_TH,
                            refract_time=T_REF, hold_reset=True, integration="exact") for t in TYPES}
        drives = {t: PoissonExpDrive(f"ext_{t[0]}", size[t], weight=J * cf, tau=TAU_SYN) for t in TYPES}
        syns, into = {}, {t: [] for t in TYPES}
        for src, tgt, g in ((a, b, g) for a in TYPES for b in TYPES for g in range(delay_groups)):
            if g == 0:
                counts = draw_counts(s, src, tgt, rng)
                parts = [counts] if delay_groups == 1 else split_counts(counts, delay_groups, rng)
                delays = [DELAYS[src]] if delay_groups == 1 else delay_values(DELAYS[src], dt, delay_groups)
            name = src[0] + tgt[0] + ("" if delay_groups == 1 else str(g))
            shape = (size[src], size[tgt])
            delay = float(delays[g]) - dt               # + one step: the input is .prev
            if layout == "events":
                # device arrays; the NumPy ones are freed here
                edges = OutEdges(*out_edge_arrays(s, src, tgt, rng, cf, parts[g]))
                syn = ExpSynapse(name, shape, tau=TAU_SYN, layout="events", connectivity=edges, delay=delay,
                                 capacity=max(64, size[src] // CAPACITY_FRACTION))
                slots += int(np.prod(edges.shape))
            else:
                pre_index, weights = in_edge_arrays(s, src, tgt, rng, cf, parts[g])
                # placeholder edges (a cheap fixed in-degree draw), replaced by the drawn ones below
                syn = ExpSynapse(name, shape, tau=TAU_SYN, layout="edges",
                                 connectivity={"rule": "fixed_in_degree", "k": pre_index.shape[0], "seed": 0},
                                 weight_init={"dist": "constant", "value": 0.0}, delay=delay)
                drawn[name] = (pre_index, weights)
                slots += pre_index.size
            syn.inputs << cells[src].s.prev
            syns[name] = syn
            into[tgt].append(syn.outputs)
        for t in TYPES:
            cells[t].j << summation(drives[t].outputs, *into[t])
        ctx.command("advance", [*drives.values(), *syns.values(), *cells.values()])
    for name, (pre_index, weights) in drawn.items():
        ctx.clamp(f"{name}.pre_index", pre_index)
        ctx.clamp(f"{name}.weights", weights)
    del drawn
    ext_dc = dc + (K_EXT * BG_RATE * J * TAU_SYN * 1e-3 if drive == "dc" else 0.0)
    v0 = rng.normal(V0_MEAN, V0_SD, int(n.sum())).astype(np.float32)
    s["cells"] = {t: to_global(n, t) for t in TYPES}
    for t in TYPES:
        per_neuron = np.repeat(np.array(TYPE_POPS[t]), n[list(TYPE_POPS[t])])
        ctx.clamp(f"ext_{t[0]}.rate", (K_EXT * BG_RATE * (drive == "poisson"))[per_neuron].astype(np.float32))
        ctx.clamp(f"ext_{t[0]}.dc", ext_dc[per_neuron].astype(np.float32))
        ctx.clamp(f"{t}.v", v0[s["cells"][t]])
    s["offsets"] = np.concatenate([[0], np.cumsum(n)])
    s["n_synapses"] = int(s["k"].sum())
    s["slots"] = slots
    s["layout"] = layout
    s["synapses"] = tuple(syns)
    s["capacity"] = {name: syn.capacity for name, syn in syns.items()}
    return ctx, s
