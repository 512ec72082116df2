"""Multi-App Run: several apps, each beside its own sidecar, in one daprlite process."""
