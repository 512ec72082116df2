"""`dapr_error_code_total`: one count per error answer, by Dapr error code and its category, as
daprd records it when a Configuration says `spec.metrics.recordErrorCodes: true`."""

from __future__ import annotations

import logging

from daprlite.observability.metrics import Metrics

log = logging.getLogger("daprlite.observability")

# The category daprd files each code under (its errorcodes package), for the codes daprlite
# answers with.
CATEGORIES = {
    "ERR_INVOKE_OUTPUT_BINDING": "binding",
    "ERR_MALFORMED_REQUEST": "common",
    "ERR_MALFORMED_REQUEST_DATA": "common",
    "ERR_BODY_READ": "common",
    "ERR_BAD_REQUEST": "common",
    "ERR_INTERNAL": "common",
    "ERR_API_UNIMPLEMENTED": "common",
    "ERR_HEALTH_NOT_READY": "health",
    "ERR_HEALTH_APPID_NOT_MATCH": "health",
    "ERR_OUTBOUND_HEALTH_NOT_READY": "health",
    "ERR_DIRECT_INVOKE": "service-invocation",
}


class ErrorCodeMetrics:
    def __init__(self, metrics: Metrics) -> None:
        self._app_id = metrics.app_id
        self.total = metrics.store.counter(
            "dapr_error_code_total",
            "Total number of times an error with a specific error code was encountered.",
            ("app_id", "error_code", "category"),
        )

    def record(self, error_code: str) -> None:
        category = CATEGORIES.get(error_code)
        if category is None:
            # daprd skips a code without a category too (with a warning).
            log.debug("error code %s has no category; not counted", error_code)
            return
        self.total.inc((self._app_id, error_code, category))
