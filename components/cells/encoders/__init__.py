"""Input encoders: data to spikes (rate, latency, phase, first-spike codes) or to retinal responses."""
