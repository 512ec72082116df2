"""daprlite: the `dapr run` workflow for Dapr bindings, in one Python package."""

# The one place daprlite's version is written: the wheel's metadata is read from here (hatch).
__version__ = "0.1.0"

# The Dapr runtime version whose bindings behaviour daprlite follows; reported by /v1.0/metadata.
DAPR_RUNTIME_COMPAT = "1.18.3"
# The Dapr API version of the routes daprlite serves (/v1.0/bindings/..., /v1.0/metadata).
DAPR_API_VERSION = "v1.0"
