"""What a Kubernetes API server with Dapr's Component CRD refuses: the CRD's schema (written
here in its own terms; tests compare it with ../shared/k8s-crds/components.yaml), strict
unknown fields, and the object-metadata rules (DNS-1123 names), worded as the server words them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from daprlite.kubernetes.findings import Finding
from daprlite.kubernetes.names import label_problems, quoted, subdomain_problems
from daprlite.kubernetes.schema import (
    ANY,
    BOOLEAN,
    STRING,
    Schema,
    Violation,
    arr,
    is_null,
    json_type,
    obj,
    pairs,
    walk,
)

GROUP, VERSION, KIND = "dapr.io", "v1alpha1", "Component"
API_VERSION = f"{GROUP}/{VERSION}"

# components.dapr.io v1alpha1, openAPIV3Schema (Dapr v1.18). `metadata` is the object metadata,
# checked by the server's own rules below rather than by the CRD.
COMPONENT_SCHEMA = obj(
    apiVersion=STRING,
    kind=STRING,
    metadata=Schema("object", open=True),
    auth=obj(("secretStore",), secretStore=STRING),
    scopes=arr(STRING),
    spec=obj(
        ("metadata", "type", "version"),
        ignoreErrors=BOOLEAN,
        initTimeout=STRING,
        metadata=arr(
            obj(
                ("name",),
                envRef=STRING,
                name=STRING,
                secretKeyRef=obj(("name",), key=STRING, name=STRING),
                value=ANY,
            )
        ),
        type=STRING,
        version=STRING,
    ),
)

# ObjectMeta's fields (k8s.io/apimachinery meta/v1): anything else is an unknown field.
_OBJECT_META = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
})  # fmt: skip


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def document_findings(file: Path, root: Node) -> list[Finding]:
    """The server's verdict on one YAML document of a components folder (empty: accepted, or
    not a Component: other kinds are not checked here)."""
    found = [Finding("error", file, line_of(v.node), v.message) for v in _document(root)]
    return found


def _document(root: Node) -> Iterator[Violation]:
    if not isinstance(root, MappingNode):
        yield Violation(root, "error validating data: the document is not a mapping")
        return
    fields = {key: value for key, _, value in pairs(root)}
    api_version, kind = _text(fields.get("apiVersion")), _text(fields.get("kind"))
    missing = [f"{key} not set" for key, text in (("apiVersion", api_version), ("kind", kind))
               if not text]  # fmt: skip
    if missing:
        yield Violation(root, f"error validating data: [{', '.join(missing)}]")
        return
    if kind != KIND or not api_version.startswith(GROUP + "/"):
        return
    if api_version != API_VERSION:
        yield Violation(
            fields["apiVersion"],
            f'no matches for kind "{KIND}" in version "{api_version}" (ensure CRDs are '
            f"installed first; Dapr serves only {API_VERSION})",
        )
        return
    yield from (_strict(v) for v in walk(root, COMPONENT_SCHEMA, ""))
    meta = fields.get("metadata")
    yield from _object_meta(root, None if meta is None or is_null(meta) else meta)


def _strict(violation: Violation) -> Violation:
    if not violation.strict:
        return violation
    return Violation(violation.node, f"strict decoding error: {violation.message}", True)


def _object_meta(where: Node, meta: Node | None) -> Iterator[Violation]:
    fields = {key: value for key, _, value in pairs(meta)} if meta is not None else {}
    for key, key_node, _ in pairs(meta) if meta is not None else []:
        if key not in _OBJECT_META:
            yield Violation(
                key_node, f'strict decoding error: unknown field "metadata.{key}"', True
            )
    name = fields.get("name")
    if is_null(name) or (isinstance(name, ScalarNode) and name.value == ""):
        if is_null(fields.get("generateName")):
            yield Violation(
                name or where, "metadata.name: Required value: name or generateName is required"
            )
    elif name is not None:
        yield from _name(name, "metadata.name", subdomain_problems)
    namespace = fields.get("namespace")
    if not is_null(namespace) and namespace is not None:
        yield from _name(namespace, "metadata.namespace", label_problems)
    for key in ("labels", "annotations"):
        yield from _string_map(fields.get(key), f"metadata.{key}")


def _name(node: Node, path: str, rule: object) -> Iterator[Violation]:
    if json_type(node) != "string":
        yield Violation(node, f"{path}: must be text, not {json_type(node)}")
        return
    assert callable(rule)
    for reason in rule(str(node.value)):
        yield Violation(node, f"{path}: Invalid value: {quoted(str(node.value))}: {reason}")


def _string_map(node: Node | None, path: str) -> Iterator[Violation]:
    if is_null(node) or node is None:
        return
    if json_type(node) != "object":
        yield Violation(node, f"{path}: must be a mapping of text to text")
        return
    for key, _, value in pairs(node):
        if json_type(value) != "string":
            # The server decodes these into map[string]string: a number or bool is refused.
            yield Violation(
                value,
                f"{path}[{key}]: cannot unmarshal {_go_kind(value)} into a string "
                f'(quote it: "{getattr(value, "value", "")}")',
            )


def _go_kind(node: Node) -> str:
    kind = json_type(node)
    return {"integer": "number", "boolean": "bool"}.get(kind, kind)


def _text(node: Node | None) -> str:
    return str(node.value) if isinstance(node, ScalarNode) and not is_null(node) else ""
