"""Museum exhibit `hodgkin_huxley`: run `python -m museum.hodgkin_huxley`; see README.md."""
