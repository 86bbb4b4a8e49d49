"""Graded (non-spiking) cells: the error cells of predictive coding."""
