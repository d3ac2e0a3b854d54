"""Access-matrix rows for the events app's URLs (collected by tests/test_access_matrix.py)."""

PAGES: list = []
