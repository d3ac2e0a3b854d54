"""Access-matrix rows for the offers app's URLs (collected by tests/test_access_matrix.py)."""

PAGES: list = []
