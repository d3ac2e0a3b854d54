"""Access-matrix rows for the feed app's URLs (collected by tests/test_access_matrix.py)."""

PAGES: list = []
