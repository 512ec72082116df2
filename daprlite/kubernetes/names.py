"""Kubernetes' name rules (k8s.io/apimachinery validation), with the API server's own wording,
so a finding reads as `kubectl apply` would print it."""

from __future__ import annotations

import re

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + r")*"
_LABEL_RE = re.compile(_LABEL)
_SUBDOMAIN_RE = re.compile(_SUBDOMAIN)
LABEL_MAX = 63
SUBDOMAIN_MAX = 253
# The injector names the sidecar's Service `<app id>-dapr`, which must be a DNS label.
APP_ID_MAX = LABEL_MAX - len("-dapr")

_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    f"for validation is '{_SUBDOMAIN}')"
)
# Go's RegexError joins examples with "', " + " or '": hence the two spaces.
_LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    f"used for validation is '{_LABEL}')"
)


def subdomain_problems(value: str) -> list[str]:
    """What IsDNS1123Subdomain says about `value` (empty: valid)."""
    found = []
    if len(value) > SUBDOMAIN_MAX:
        found.append(f"must be no more than {SUBDOMAIN_MAX} characters")
    if not _SUBDOMAIN_RE.fullmatch(value):
        found.append(_SUBDOMAIN_MESSAGE)
    return found


def label_problems(value: str, limit: int = LABEL_MAX) -> list[str]:
    """What IsDNS1123Label says about `value` (empty: valid)."""
    found = []
    if len(value) > limit:
        found.append(f"must be no more than {limit} characters")
    if not _LABEL_RE.fullmatch(value):
        found.append(_LABEL_MESSAGE)
    return found


def quoted(value: str) -> str:
    """A value as field.Invalid prints it (Go's %q for plain text)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def app_id_problems(app_id: str) -> list[str]:
    """The injector's rule: `<app id>-dapr` must be a DNS label, so the id is at most 58."""
    service = f"{app_id}-dapr"
    if not label_problems(service):
        return []
    reasons = "; ".join(label_problems(service))
    return [f"invalid app id (input: '{app_id}', service: '{service}'): {reasons}"]
