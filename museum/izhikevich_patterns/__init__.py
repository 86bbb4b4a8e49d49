"""Museum exhibit `izhikevich_patterns`: run `python -m museum.izhikevich_patterns`; see README.md."""
