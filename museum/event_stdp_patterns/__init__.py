"""Museum exhibit `event_stdp_patterns`: run `python -m museum.event_stdp_patterns`; see README.md."""
