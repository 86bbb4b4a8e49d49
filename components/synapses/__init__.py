"""Synapses: projections between cells and the plasticity rules that change them."""

from .dense import DenseSynapse

__all__ = ["DenseSynapse"]
