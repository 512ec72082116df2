"""daprlite's benchmark harness: `make bench` (or `python -m bench`) measures the sidecar against
the same broker driven directly, and writes bench/results/latest.{json,md,png}."""
