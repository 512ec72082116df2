"""daprlite: the `dapr run` workflow for Dapr bindings, in one Python package."""

__version__ = "0.1.0"

# The Dapr runtime version whose bindings behaviour daprlite follows; reported by /v1.0/metadata.
DAPR_RUNTIME_COMPAT = "1.18.3"
