"""Museum exhibit `bcm_selectivity`: run `python -m museum.bcm_selectivity`; see README.md."""
