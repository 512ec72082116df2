"""Upstream conformance and certification cases replayed through daprlite."""
