"""Property-based tests (hypothesis): the JSON API, the booking rules and the service layer.

Every test uses `derandomize=True`, so CI runs the same examples each time; the example counts
are kept moderate so the whole directory runs in well under a minute on both databases.
"""
