"""Cells: input encoders, spiking and rate neurons, traces."""

__all__: list[str] = []
