"""RewardErrorCell: an online reward-prediction error (the dopamine-like signal of
reinforcement learning; Schultz, Dayan & Montague 1997, Science 275:1593).

Each step (``advance``), with the reward ``r`` observed::

    accum_reward <- accum_reward + r
    rpe          <- r - mu                                  (the prediction error, before the update)
    mu           <- (1 - alpha) mu + alpha r                (if use_online_predictor)
    n_ep_steps   <- n_ep_steps + 1

At the end of an episode (``evolve``), the predictor moves toward the episode's mean reward::

    mu <- (1 - 1/L) mu + (1/L) accum_reward / max(n_ep_steps, 1),    L = ema_window_len

``alpha`` is a factor per step (not per ms): ``mu`` is an exponential moving average of the rewards
over about ``1/alpha`` steps. ``reset`` clears everything, including ``mu``.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from contexts import Component, Input, Output
from contexts.params import count, flag, real

#: ``ema_window_len``: at least one episode
_WINDOW = real(1.0)


class RewardErrorCell(Component):
    """Reward-prediction error ``rpe = reward - mu`` with an online predictor ``mu`` (see the module
    docstring).

    Parameters (defaults):
        n_units: number of units.
        alpha: per-step rate of the online predictor, in [0, 1] (0.1).
        ema_window_len: episodes the end-of-episode average spans, >= 1 (10).
        use_online_predictor: update ``mu`` (True); False keeps ``mu`` at 0 and ``rpe = reward``.

    Compartments:
        reward (input, (batch, n_units)): the reward this step.
        mu (output, (batch, n_units)): the reward prediction; starts at 0.
        rpe (output, (batch, n_units)): reward - mu (mu before this step's update).
        accum_reward (output, (batch, n_units)): rewards summed since reset.
        n_ep_steps (output, (batch, 1)): steps since reset.
    """

    param_rules = {"n_units": count(), "alpha": real(0.0, 1.0), "ema_window_len": _WINDOW,
                   "use_online_predictor": flag()}

    def __init__(self, name: str, n_units: int, alpha: float = 0.1, ema_window_len: float = 10.0,
                 use_online_predictor: bool = True):
        super().__init__(name)
        self.n_units = n_units
        self.alpha = alpha
        self.ema_window_len = ema_window_len
        self.use_online_predictor = use_online_predictor
        self.reward = Input((n_units,), doc="reward this step")
        self.mu = Output((n_units,), doc="reward prediction")
        self.rpe = Output((n_units,), doc="reward prediction error reward - mu")
        self.accum_reward = Output((n_units,), doc="rewards summed since reset")
        self.n_ep_steps = Output((1,), doc="steps since reset")

    def advance_state(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        mu = c.mu
        if self.use_online_predictor:
            mu = (1.0 - self.alpha) * mu + self.alpha * c.reward
        return {"mu": mu, "rpe": c.reward - c.mu, "accum_reward": c.accum_reward + c.reward,
                "n_ep_steps": c.n_ep_steps + 1.0}

    def evolve(self, c: Any, *, t: Any, dt: float, key: Any) -> dict:
        if not self.use_online_predictor:
            return {}
        w = 1.0 / self.ema_window_len
        mean = c.accum_reward / jnp.maximum(c.n_ep_steps, 1.0)
        return {"mu": (1.0 - w) * c.mu + w * mean}
