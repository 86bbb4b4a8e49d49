"""Museum exhibit `sparse_coding`: run `python -m museum.sparse_coding`; see README.md."""
