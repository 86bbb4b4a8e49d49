"""Museum exhibit `hebbian_pca`: run `python -m museum.hebbian_pca`; see README.md."""
