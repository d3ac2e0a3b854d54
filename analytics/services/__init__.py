"""Writes of the analytics app: the price ledger, nightly snapshots and NPS surveys."""
