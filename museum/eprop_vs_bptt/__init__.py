"""e-prop vs BPTT: gradient alignment and memory as T grows (Bellec et al. 2020)."""
