"""Scripts run by the peers' own interpreters (never imported by the library; no synaptica imports)."""
