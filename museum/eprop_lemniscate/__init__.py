"""e-prop learns to draw a lemniscate (Bellec et al. 2020, Nat. Commun. 11:3625; NEST tutorial
``eprop_supervised_regression_lemniscate_bsshslm_2020``).

100 frozen Poisson inputs drive 200 adaptive LIF neurons; two leaky readouts must draw the x and y
coordinates of a figure eight, ``(sin(2 pi t / T), sin(4 pi t / T))`` over one 1258-step sequence.
The network is ``model.yaml``; it is trained by :class:`museum.eprop_sine_waves.Trainer` (one compiled
function per iteration: ``reset`` -> ``T`` steps of ``advance`` + ``accumulate`` -> ``evolve``).

NEST draws each recurrent neuron's membrane time constant from N(30 ms, 2 ms). The two classes here
take ``tau_m`` per neuron: :class:`PerNeuronTauALIFCell` (the neuron) and
:class:`PerNeuronTauEpropSynapse` (a hidden projection onto it, whose presynaptic trace ``zbar`` is then
one per synapse, ``zbar[i, j] = alpha_j zbar[i, j] + (1 - alpha_j) z_i``, as NEST forms it in each
postsynaptic neuron). With a single ``tau_m`` both are the library's ``EpropALIFCell`` and
``EpropSynapse``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import jax.numpy as jnp
import numpy as np

from components.cells.eprop import MAX_STEPS, EpropALIFCell
from components.rules.eprop import decay, input_factor, low_pass, neuron_step
from components.synapses.eprop import EpropSynapse
from contexts import State
from contexts.errors import ValidationError
from contexts.params import custom

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model.yaml"
NEST_INIT = HERE / "nest_init.npz"
NEST_LOSSES = HERE / "nest_losses.json"
T_SEQ = 1258
N_IN, N_REC, N_OUT = 100, 200, 2


def _check_tau(value: Any, where: str) -> Any:
    try:
        arr = np.asarray(value, float)
    except (TypeError, ValueError):
        arr = np.asarray([-1.0])
    if arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValidationError(f"{where}: must be a positive time constant (ms) or a list of them, one per neuron, "
                              f"got {value!r}")
    return value


def _alpha(tau_m: Any, dt: float) -> Any:
    return np.exp(-dt / np.asarray(tau_m, float))


class PerNeuronTauALIFCell(EpropALIFCell):
    """:class:`~components.cells.eprop.EpropALIFCell` whose ``tau_m`` may be one value per neuron
    (``alpha_j = exp(-dt / tau_m[j])``, input factor ``1 - alpha_j`` in the "leaky" mode). Its defaults are
    the regression tutorial's (tau_m = 30 ms, v_th = 0.03, t_ref = 0 ms, input_mode "leaky", beta = 0)."""

    param_rules = {**EpropALIFCell.param_rules, "tau_m": custom(_check_tau)}

    def __init__(self, name: str, n_units: int, tau_m: float | Sequence[float] = 30.0, v_th: float = 0.03,
                 gamma: float = 0.3, t_ref: float = 0.0, input_mode: str = "leaky", tau_a: float = 2000.0,
                 beta: float | Sequence[float] = 0.0):
        if np.ndim(tau_m) == 1 and len(tau_m) != n_units:
            raise ValidationError(f"{name}: tau_m must be a number or a list of n_units={n_units} numbers")
        super().__init__(name, n_units, 30.0, v_th, gamma, t_ref, input_mode, tau_a, beta)
        self.tau_m = list(np.asarray(tau_m, float)) if np.ndim(tau_m) else float(tau_m)

    def _step(self, c: Any, dt: float, a: Any, beta: Any, rho: float) -> tuple:
        alpha = _alpha(self.tau_m, dt)
        c_in = input_factor(self.input_mode, alpha)
        return neuron_step(c.v, c.s, c.r, a, c.j, alpha=jnp.asarray(alpha, c.v.dtype),
                           c_in=jnp.asarray(c_in, c.v.dtype), v_th=self.v_th, gamma=self.gamma, beta=beta, rho=rho,
                           t_ref=min(round(float(self.t_ref) / dt), MAX_STEPS))


class PerNeuronTauEpropSynapse(EpropSynapse):
    """:class:`~components.synapses.eprop.EpropSynapse` (hidden role, dense layout) onto neurons with one
    ``tau_m`` each: ``zbar`` is kept per synapse, ``(batch, n_in, n_out)``, filtered with the
    postsynaptic neuron's ``alpha``; the eligibility is then ``e = psi[j] zbar[i, j] - psi_beta[j] eps_a``.
    Everything else (adaptation eligibility, ``ebar``, regulariser, optimisers, ``late_signal``) is the
    parent's."""

    param_rules = {**EpropSynapse.param_rules, "tau_m": custom(_check_tau)}

    def __init__(self, name: str, shape: tuple, tau_m: float | Sequence[float] = 30.0, **kwargs: Any):
        if kwargs.get("role", "hidden") != "hidden" or kwargs.get("layout", "dense") != "dense" \
                or kwargs.get("eligibility", "online") != "online":
            raise ValidationError(f"{name}: per-neuron tau_m is for hidden projections, dense layout, "
                                  "online eligibility")
        if np.ndim(tau_m) == 1 and len(tau_m) != int(shape[1]):
            raise ValidationError(f"{name}: tau_m must be a number or a list of {shape[1]} numbers (one per target)")
        super().__init__(name, shape, tau_m=30.0, **kwargs)
        self.tau_m = list(np.asarray(tau_m, float)) if np.ndim(tau_m) else float(tau_m)
        self.zbar = State(tuple(self.shape), doc="presynaptic trace zbar, one per synapse (postsynaptic alpha)")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        out = super(EpropSynapse, self).advance_state(c, t=t, dt=dt, key=key)  # the outputs (DenseSynapse)
        alpha = _alpha(self.tau_m, dt) * np.ones(self.shape[1])
        gain = jnp.asarray(input_factor(self.input_mode, alpha), c.zbar.dtype)
        out["zbar"] = jnp.asarray(alpha, c.zbar.dtype) * c.zbar + gain * c.inputs[:, :, None]
        return out

    def accumulate(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        kappa = decay(self.tau_out, dt)
        psi = c.post_psi[:, None, :]
        if self.tau_a is None:
            e, out = c.zbar * psi, {}
        else:  # e = psi zbar[i, j] - psi_beta[j] eps_a ;  eps_a = rho eps_a + e
            e = c.zbar * psi - c.post_psi_beta[:, None, :] * c.eps_a
            out = {"eps_a": decay(self.tau_a, dt) * c.eps_a + e}
        ebar = low_pass(c.ebar, e, kappa, 1.0 - kappa)
        g_t = ebar * c.signal[:, None, :]
        out.update({"ebar": ebar, "grad": c.grad + g_t})
        if self.late_signal:
            out["g_last"] = g_t
        if self.store_e:
            out["e"] = e
        if self.c_reg:
            out.update({"sum_e": c.sum_e + e, "n_spikes": c.n_spikes + c.post_s, "n_steps": c.n_steps + 1.0})
        if self.update == "online":
            out.update(self._apply(c, g_t / self.grad_divisor))
        return out


def build(seed: int = 0, batch_size: int = 1, dtype: str = "float32", tau_m: Any = None,
          overrides: dict | None = None) -> Any:
    """The network of ``model.yaml`` as a Context; ``tau_m`` (n_rec,) sets the recurrent neurons' membrane
    time constants (and those of the projections onto them)."""
    from contexts import load_model

    extra: dict = {"seed": seed, "batch_size": batch_size, "dtype": dtype}
    if tau_m is not None:
        taus = [float(v) for v in np.asarray(tau_m, float)]
        extra.update({"rec.tau_m": taus, "W_in.tau_m": taus, "W_rec.tau_m": taus})
    return load_model(MODEL, overrides={**extra, **(overrides or {})})


def make_task(seed: int = 0, T: int = T_SEQ, n_in: int = N_IN, p: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Frozen Poisson input ``x`` (T, n_in), rate p per step, none in step 0, and the target ``y*`` (T, 2):
    ``sin(2 pi s)`` and ``sin(4 pi s)`` for s from 0 to 1 over the sequence (a lemniscate in the plane)."""
    rng = np.random.default_rng(seed)
    x = (rng.random((T, n_in)) < p).astype(np.float64)
    x[0] = 0.0
    s = np.linspace(0.0, 1.0, T)
    return x, np.stack([np.sin(2 * np.pi * s), np.sin(4 * np.pi * s)], axis=1)


def draw_tau_m(seed: int = 0, n: int = N_REC, mean: float = 30.0, std: float = 2.0) -> np.ndarray:
    """Membrane time constants as NEST's tutorial draws them: N(mean, std) ms per neuron."""
    return np.random.default_rng(seed + 10_000).normal(mean, std, n)


def load_init(ctx: Any, path: str | Path = NEST_INIT) -> tuple[np.ndarray, np.ndarray]:
    """Set NEST's initial weights (W_in, W_rec, W_out [pre, post], B [n_rec, n_out]) from ``path`` and
    return its frozen input ``x`` (T, 100) and target ``y_star`` (T, 2). (The per-neuron ``tau_m`` of the
    file goes to :func:`build`.)"""
    data = np.load(path)
    for name in ("W_in", "W_rec", "W_out"):
        ctx.clamp(f"{name}.weights", data[name])
    ctx.clamp("B.weights", data["B"].T)  # NEST's B is [n_rec, n_out]; ours is [pre = out, post = rec]
    return np.asarray(data["x"]), np.asarray(data["y_star"])


def nest_tau_m(path: str | Path = NEST_INIT) -> np.ndarray:
    """The recurrent neurons' membrane time constants of NEST's run."""
    return np.asarray(np.load(path)["tau_m"], float)
