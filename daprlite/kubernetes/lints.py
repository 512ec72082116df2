"""Warnings for Components the API server accepts but that break, or behave differently, once
they run in a cluster (research: ../shared/reference/kubernetes.md §3 and §5)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node, ScalarNode, SequenceNode

from daprlite.kubernetes.component_rules import API_VERSION, KIND, line_of
from daprlite.kubernetes.findings import Finding
from daprlite.kubernetes.names import app_id_problems
from daprlite.kubernetes.schema import is_null, pairs

# A loopback host inside an address list, a URL or a connection string.
_LOOPBACK = re.compile(r"(?<![\w.-])(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)(?![\w.-])", re.I)
# Kafka metadata only daprlite reads; daprd ignores it (README, "Differences from Dapr").
_DAPRLITE_ONLY = {"deadlettertopic": "deadLetterTopic", "publishtimeout": "publishTimeout"}


@dataclass(frozen=True, slots=True)
class Entry:
    """One `spec.metadata[]` entry, as far as it could be read."""

    index: int
    name: str
    node: Node
    value: Node | None
    secret_ref: Node | None
    env_ref: str


@dataclass(frozen=True, slots=True)
class ComponentDoc:
    """The parts of a Component document the lints read (lenient: a broken document still
    gives what it has)."""

    file: Path
    root: Node
    name: str
    name_node: Node
    type: str
    scopes: tuple[tuple[str, Node], ...] | None  # None: no scopes written
    secret_store: str
    entries: tuple[Entry, ...]

    def where(self, node: Node | None = None) -> int:
        return line_of(node if node is not None else self.root)


def read_component(file: Path, root: Node) -> ComponentDoc | None:
    """The Component in `root`, or None when the document is another kind."""
    top = {key: value for key, _, value in pairs(root)}
    if (_text(top.get("apiVersion")), _text(top.get("kind"))) != (API_VERSION, KIND):
        return None
    meta = {key: value for key, _, value in pairs(top["metadata"])} if "metadata" in top else {}
    spec = {key: value for key, _, value in pairs(top["spec"])} if "spec" in top else {}
    auth = {key: value for key, _, value in pairs(top["auth"])} if "auth" in top else {}
    scopes_node = top.get("scopes")
    scopes = None
    if isinstance(scopes_node, SequenceNode):
        scopes = tuple((_text(item), item) for item in scopes_node.value)
    elif not is_null(scopes_node):
        scopes = (("", scopes_node),)  # not a list: the API server refuses it already
    entries = []
    items = spec.get("metadata")
    for index, item in enumerate(items.value if isinstance(items, SequenceNode) else []):
        fields = {key: value for key, _, value in pairs(item)}
        ref = fields.get("secretKeyRef")
        entries.append(
            Entry(
                index,
                _text(fields.get("name")),
                item,
                fields.get("value"),
                None if is_null(ref) else ref,
                _text(fields.get("envRef")),
            )
        )
    return ComponentDoc(
        file=file,
        root=root,
        name=_text(meta.get("name")),
        name_node=meta.get("name") or root,
        type=_text(spec.get("type")),
        scopes=scopes,
        secret_store=_text(auth.get("secretStore")),
        entries=tuple(entries),
    )


def component_lints(doc: ComponentDoc) -> list[Finding]:
    found = [
        Finding("warning", doc.file, doc.where(node), message)
        for node, message in _lints(doc)
    ]  # fmt: skip
    return found


def _lints(doc: ComponentDoc) -> Iterator[tuple[Node, str]]:
    if doc.scopes is None or not doc.scopes:
        yield (
            doc.root,
            (
                f"component {doc.name or '(no name)'} has no scopes: in a cluster every Dapr "
                "app in the namespace loads it (locally only the apps given this folder do); add "
                "scopes: [<app ids>]"
            ),
        )
    for app_id, node in doc.scopes or ():
        if not app_id:
            continue
        for problem in app_id_problems(app_id):
            yield node, f"scopes: {problem}: the injector refuses a pod with this app id"
    for entry in doc.entries:
        yield from _entry_lints(doc, entry)
    if doc.type.lower() == "bindings.kafka":
        yield from _kafka_lints(doc)


def _entry_lints(doc: ComponentDoc, entry: Entry) -> Iterator[tuple[Node, str]]:
    where = f"spec.metadata[{entry.index}] {entry.name}"
    text = _text(entry.value)
    if entry.value is not None and _LOOPBACK.search(text):
        yield (
            entry.value,
            (
                f"{where}: {text!r} is the pod itself inside a cluster: point it at the "
                "service (e.g. dapr-kafka.kafka.svc.cluster.local:9092), or move it to envRef so "
                "each world sets its own"
            ),
        )
    if entry.secret_ref is not None and not doc.secret_store:
        yield (
            entry.secret_ref,
            (
                f"{where}: secretKeyRef without auth.secretStore: a cluster reads it from the "
                "built-in 'kubernetes' store, a local sidecar has no default store; name the store "
                "(auth: {secretStore: <name>}) so both worlds resolve it"
            ),
        )
    if "{podName}" in text:
        yield entry.value or entry.node, (
            f"{where}: {{podName}} has a value only on Kubernetes: a local sidecar refuses it"
            + (", and every pod (new on each restart) gets its own consumer group"
               if entry.name.lower() == "consumergroup" else "")
        )  # fmt: skip
    if "{uuid}" in text and entry.name.lower() == "consumergroup":
        yield (
            entry.value or entry.node,
            (
                f"{where}: {{uuid}} gives every pod, and every restart, a consumer group of its "
                "own: each replica receives every message and committed offsets are never reused"
            ),
        )


def _kafka_lints(doc: ComponentDoc) -> Iterator[tuple[Node, str]]:
    names = {entry.name.lower(): entry for entry in doc.entries}
    for key, spelled in _DAPRLITE_ONLY.items():
        if key in names:
            yield (
                names[key].node,
                (
                    f"{spelled} is daprlite's own: daprd ignores it, so it has no effect in a "
                    "cluster"
                ),
            )
    if "topics" in names and "consumeretryenabled" not in names:
        yield (
            names["topics"].node,
            (
                "consumeRetryEnabled is not written: daprd skips a failed delivery, daprlite "
                'retries it; write consumeRetryEnabled: "true" (or "false") so both worlds agree'
            ),
        )


def duplicate_names(docs: list[ComponentDoc]) -> list[Finding]:
    """One namespace holds one Component of a name: a second `kubectl apply` replaces it."""
    first: dict[str, ComponentDoc] = {}
    found = []
    for doc in docs:
        if not doc.name:
            continue
        if doc.name in first:
            other = first[doc.name]
            found.append(
                Finding(
                    "warning",
                    doc.file,
                    doc.where(doc.name_node),
                    f"component {doc.name} is also defined at {other.file}:"
                    f"{other.where(other.name_node)}: in one namespace the later apply replaces "
                    "the earlier",
                )
            )
        else:
            first[doc.name] = doc
    return found


def _text(node: Node | None) -> str:
    return str(node.value) if isinstance(node, ScalarNode) and not is_null(node) else ""
