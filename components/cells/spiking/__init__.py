"""Spiking neurons beyond LIF: Izhikevich, AdEx, integrate-and-fire, quadratic integrate-and-fire."""
