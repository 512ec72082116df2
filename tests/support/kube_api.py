"""Talks to a Kubernetes API server over REST, as kubectl would, without kubectl: discovery of
which URL serves a kind, CRD installation, and server-side dry-runs with strict field validation.

Manifests go to the server as the YAML text they are (Content-Type application/yaml), so the
server's own YAML decoding, duplicate-key and unknown-field checks see exactly the shipped file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
import yaml

from tests.support.kube_apiserver import KubeEndpoint
from tests.support.wait import wait_until

_CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
# RFC 7234 warn-code, warn-agent, then the quoted text: 299 - "unknown field ..."
_WARNING = re.compile(r'^\d{3} \S+ "(?P<text>(?:[^"\\]|\\.)*)"')


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the server answered a dry-run create: accepted, or refused with its message."""

    kind: str
    name: str
    status: int
    message: str  # the Status message on refusal, "" when accepted
    warnings: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class _Resource:
    plural: str
    namespaced: bool


def documents(text: str) -> list[str]:
    """The YAML documents of a manifest file, as text; empty and comment-only ones dropped."""
    parts = _DOCUMENT_SEPARATOR.split(text)
    return [part for part in parts if yaml.load(part, Loader=yaml.BaseLoader) is not None]


class KubeAPI:
    def __init__(self, endpoint: KubeEndpoint) -> None:
        self.endpoint = endpoint
        self.session = endpoint.session()
        self._resources: dict[tuple[str, str], _Resource] = {}

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.endpoint.url + path, timeout=30)

    def dry_run(self, document: str, namespace: str = "default") -> Verdict:
        """POST one YAML document with dryRun=All and fieldValidation=Strict."""
        head = yaml.load(document, Loader=yaml.BaseLoader)
        if not isinstance(head, dict) or not head.get("apiVersion") or not head.get("kind"):
            raise ValueError(f"not a Kubernetes object (apiVersion and kind needed):\n{document}")
        api_version, kind = str(head["apiVersion"]), str(head["kind"])
        metadata = head.get("metadata")
        name = str(metadata.get("name", "")) if isinstance(metadata, dict) else ""
        resource = self._resource(api_version, kind)
        if resource is None:
            # kubectl's own words when discovery lacks the kind (e.g. CRDs not installed).
            message = f'no matches for kind "{kind}" in version "{api_version}"'
            return Verdict(kind, name, 404, message, ())
        if resource.namespaced:
            if isinstance(metadata, dict) and metadata.get("namespace"):
                namespace = str(metadata["namespace"])
            path = f"{_prefix(api_version)}/namespaces/{namespace}/{resource.plural}"
        else:
            path = f"{_prefix(api_version)}/{resource.plural}"
        reply = self.session.post(
            self.endpoint.url + path,
            params={"dryRun": "All", "fieldValidation": "Strict"},
            data=document.encode(),
            headers={"Content-Type": "application/yaml", "Accept": "application/json"},
            timeout=30,
        )
        warnings = tuple(_warnings(reply.headers.get("Warning", "")))
        message = "" if reply.ok else _status_message(reply)
        return Verdict(kind, name, reply.status_code, message, warnings)

    def install_crds(self, manifests: Iterable[str], timeout: float = 60.0) -> list[str]:
        """Create each CustomResourceDefinition (for real) and wait until every one is
        Established and its kinds are served; returns their names."""
        names: list[str] = []
        for manifest in manifests:
            for document in documents(manifest):
                reply = self.session.post(
                    self.endpoint.url + _CRDS,
                    data=document.encode(),
                    headers={"Content-Type": "application/yaml", "Accept": "application/json"},
                    timeout=30,
                )
                if reply.status_code != 409:  # already there: a fixture that ran before
                    reply.raise_for_status()
                names.append(str(yaml.load(document, Loader=yaml.BaseLoader)["metadata"]["name"]))
        for name in names:
            wait_until(
                lambda name=name: self._established(name),  # type: ignore[misc]
                f"CRD {name} Established",
                timeout=timeout,
            )
        self._resources.clear()
        return names

    def _established(self, name: str) -> bool:
        reply = self.get(f"{_CRDS}/{name}")
        if not reply.ok:
            return False
        crd: dict[str, Any] = reply.json()
        conditions = crd.get("status", {}).get("conditions", [])
        if not any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
            return False
        # Established can come a moment before discovery lists the kind; wait for both.
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        versions = [v["name"] for v in crd["spec"]["versions"] if v.get("served")]
        return all(self._discover(f"{group}/{v}").get(kind) is not None for v in versions)

    def _resource(self, api_version: str, kind: str) -> _Resource | None:
        key = (api_version, kind)
        if key not in self._resources:
            self._resources.update(
                ((api_version, k), r) for k, r in self._discover(api_version).items()
            )
        return self._resources.get(key)

    def _discover(self, api_version: str) -> dict[str, _Resource]:
        reply = self.get(_prefix(api_version))
        if reply.status_code == 404:
            return {}
        reply.raise_for_status()
        return {
            entry["kind"]: _Resource(entry["name"], bool(entry["namespaced"]))
            for entry in reply.json().get("resources", [])
            if "/" not in entry["name"]  # subresources such as deployments/scale
        }


def _prefix(api_version: str) -> str:
    return f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"


def _status_message(reply: requests.Response) -> str:
    try:
        status = reply.json()
    except ValueError:
        return reply.text.strip()
    return str(status.get("message", reply.text.strip()))


def _warnings(header: str) -> list[str]:
    """requests folds repeated Warning headers into one, comma-joined: split them back."""
    found: list[str] = []
    rest = header.strip()
    while rest:
        match = _WARNING.match(rest)
        if not match:
            found.append(rest)
            break
        found.append(match.group("text").replace('\\"', '"'))
        rest = rest[match.end() :].lstrip(", ")
    return found
