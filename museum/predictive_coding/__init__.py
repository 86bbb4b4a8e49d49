"""Museum exhibit `predictive_coding`: run `python -m museum.predictive_coding`; see README.md."""
