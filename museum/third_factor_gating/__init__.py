"""Museum exhibit `third_factor_gating`: run `python -m museum.third_factor_gating`; see README.md."""
