"""The microcircuit of Potjans & Diesmann (2014) built in Python from its tables (Table 5 of the paper).

    from museum.microcircuit.network import build_network
    ctx, info = build_network(scale=0.1, seed=0)
    ctx.run("advance", steps=1000)

The eight populations (``POPS``) are consecutive ranges (``info["offsets"]``) of one ``LIFCell``
``net`` (current-based LIF: ``tau_m`` 10 ms, C 250 pF, threshold -50 mV, reset and rest -65 mV
held for 2 ms), so that one step is a handful of array operations rather than one per projection.
Two ``ExpSynapse`` projections (tau_syn 0.5 ms, ``layout: edges``) carry all connections: ``exc``
from the excitatory populations (delay 1.5 ms), ``inh`` from the inhibitory ones (0.8 ms: the
paper's 0.75 ms rounded to the 0.1 ms step). Their edges are drawn here, projection by projection,
as in the paper: ``K`` synapses between random pre and post neurons of the two populations
(multapses allowed, no autapses), weights normal with 10 % s.d.; then written into the synapses'
``pre_index`` and ``weights`` (slots beyond a neuron's in-degree hold weight 0). One
:class:`~museum.microcircuit.PoissonExpDrive` ``ext`` gives every neuron its population's ``K_ext``
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


def draw_edges(s: dict, rng: np.random.Generator) -> dict:
    """The connections, per source type: ``{"exc": (pre, post, w), "inh": ...}`` in global indices."""
    n, k, w = s["n"], s["k"], s["w"]
    off = np.concatenate([[0], np.cumsum(n)])
    out: dict[str, list] = {"exc": [], "inh": []}
    for a in range(8):
        for b in range(8):
            m = int(k[a, b])
            if m <= 0:
                continue
            pre = rng.integers(n[b], size=m)
            post = rng.integers(n[a], size=m)
            while a == b and np.any(bad := pre == post):
                pre[bad] = rng.integers(n[b], size=int(bad.sum()))
            mean = w[a, b]
            wt = rng.normal(mean, abs(mean) * J_SD, m)
            wt = np.maximum(wt, 0.0) if mean > 0 else np.minimum(wt, 0.0)
            out["exc" if b % 2 == 0 else "inh"].append(((pre + off[b]).astype(np.int32),
                                                         (post + off[a]).astype(np.int32), wt))
    return {key: tuple(np.concatenate([part[i] for part in parts]) for i in range(3)) for key, parts in out.items()}


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
                  drive: str = "poisson") -> tuple[Any, dict]:
    """The Context (one command, ``advance``; spikes in ``net.s``, population ``a`` in neurons
    ``offsets[a]:offsets[a + 1]``) and the sizes (:func:`sizes`, with ``offsets``, ``n_synapses``,
    ``slots``).

    ``drive``: ``"poisson"`` (K_ext Poisson inputs of 8 Hz) or ``"dc"`` (their mean current).
    Initial potentials are drawn from N(-58, 10) mV."""
    from components.cells import LIFCell
    from components.synapses import ExpSynapse
    from contexts import Context, summation

    from . import PoissonExpDrive

    if drive not in ("poisson", "dc"):
        raise ValueError(f"drive must be 'poisson' or 'dc', got {drive!r}")
    s = sizes(scale, k_scale)
    n, dc = s["n"], s["dc"]
    n_total = int(n.sum())
    cf = charge_factor(dt)
    rng = np.random.default_rng(seed)
    edges = draw_edges(s, rng)
    slots = {key: to_slots(pre, post, w * cf, n_total) for key, (pre, post, w) in edges.items()}
    with Context("microcircuit", dt=dt, seed=seed) as ctx:
        net = LIFCell("net", n_total, tau_m=TAU_M, R_m=TAU_M / C_M, v_rest=V_REST, v_reset=V_RESET, thr=V_TH,
                      refract_time=T_REF, hold_reset=True, integration="exact")
        ext = PoissonExpDrive("ext", n_total, weight=J * cf, tau=TAU_SYN)
        syns = []
        for key, delay in (("exc", DELAY_E), ("inh", DELAY_I)):
            k_max = slots[key][0].shape[0]
            # placeholder edges (a cheap fixed in-degree draw), replaced by the drawn ones below
            syn = ExpSynapse(key, (n_total, n_total), tau=TAU_SYN, layout="edges",
                             connectivity={"rule": "fixed_in_degree", "k": k_max, "seed": 0},
                             weight_init={"dist": "constant", "value": 0.0}, delay=delay - dt)  # + one step: .prev
            syn.inputs << net.s.prev
            syns.append(syn)
        net.j << summation(ext.outputs, *(syn.outputs for syn in syns))
        ctx.command("advance", [ext, *syns, net])
    for key in ("exc", "inh"):
        ctx.clamp(f"{key}.pre_index", slots[key][0])
        ctx.clamp(f"{key}.weights", slots[key][1])
    per_neuron = np.repeat(np.arange(8), n)
    ext_dc = dc + (K_EXT * BG_RATE * J * TAU_SYN * 1e-3 if drive == "dc" else 0.0)
    ctx.clamp("ext.rate", (K_EXT * BG_RATE * (drive == "poisson"))[per_neuron].astype(np.float32))
    ctx.clamp("ext.dc", ext_dc[per_neuron].astype(np.float32))
    ctx.clamp("net.v", rng.normal(V0_MEAN, V0_SD, n_total).astype(np.float32))
    s["offsets"] = np.concatenate([[0], np.cumsum(n)])
    s["n_synapses"] = int(s["k"].sum())
    s["slots"] = int(sum(v[0].size for v in slots.values()))
    return ctx, s
