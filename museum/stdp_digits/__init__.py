"""Museum exhibit `stdp_digits`: run `python -m museum.stdp_digits`; see README.md."""
