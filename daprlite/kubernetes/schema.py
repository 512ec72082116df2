"""A small structural schema (the subset of OpenAPI v3 Dapr's CRDs use) and its walk over YAML
nodes, giving the API server's messages: unknown fields (strict field validation), required
fields, and JSON types, each with the line of the node it is about."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True, slots=True)
class Schema:
    """`type` None: any JSON (x-kubernetes-preserve-unknown-fields without a type)."""

    type: str | None
    properties: Mapping[str, Schema] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    items: Schema | None = None
    open: bool = False  # keys beyond `properties` are someone else's to check (ObjectMeta)


def obj(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    return Schema("object", properties, required)


def arr(items: Schema) -> Schema:
    return Schema("array", items=items)


STRING, BOOLEAN, ANY = Schema("string"), Schema("boolean"), Schema(None)


@dataclass(frozen=True, slots=True)
class Violation:
    node: Node
    message: str
    strict: bool = False  # an unknown field: refused by strict field validation


def json_type(node: Node) -> str:
    """The JSON type kubectl sends for a YAML node (YAML → JSON, then Go's decoding)."""
    if isinstance(node, MappingNode):
        return "object"
    if isinstance(node, SequenceNode):
        return "array"
    tag = node.tag.removeprefix(_TAG)
    if tag == "null":
        return "null"
    if tag == "bool":
        return "boolean"
    if tag == "int":
        return "integer"
    if tag == "float":
        # JSON has one number type: 1.0 is written as 1 and decoded as an integer.
        number = SafeConstructor().construct_object(node)
        return "integer" if math.isfinite(number) and number == int(number) else "number"
    return "string"  # str, and timestamps (kept as text by the YAML-to-JSON step)


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == _TAG + "null")


def pairs(node: Node) -> list[tuple[str, Node, Node]]:
    """A mapping node's (key text, key node, value node), in the order written."""
    if not isinstance(node, MappingNode):
        return []
    return [(str(k.value), k, v) for k, v in node.value if isinstance(k, ScalarNode)]


def walk(node: Node, schema: Schema, path: str, key: Node | None = None) -> Iterator[Violation]:
    """Everything the API server's structural schema step finds under `node` at `path`; `key`
    is the node of the key `node` is written under (a missing field names that line)."""
    got = json_type(node)
    if schema.type is None:
        return
    if got == "object" and schema.type != "object" and (keys := pairs(node)):
        # The strict decoder runs first and finds no field of this name under a non-object
        # schema: each key is an unknown field, and the type check is never reached (a real
        # kube-apiserver 1.34 answers 400 `unknown field "spec.metadata.topics"` here).
        for name, name_node, _ in keys:
            yield Violation(name_node, f'unknown field "{path}.{name}"', strict=True)
        return
    if got != schema.type:
        yield Violation(
            node, f'{path}: Invalid value: "{got}": {path} in body must be of type '
            f'{schema.type}: "{got}"',
        )  # fmt: skip
        return
    if schema.type == "array":
        assert schema.items is not None
        for index, item in enumerate(node.value):
            yield from walk(item, schema.items, f"{path}[{index}]", item)
        return
    if schema.type != "object":
        return
    present: set[str] = set()
    for name, name_node, value in pairs(node):
        child = f"{path}.{name}" if path else name
        if name not in schema.properties:
            if schema.open:
                continue
            yield Violation(name_node, f'unknown field "{child}"', strict=True)
            continue
        # Null is pruned before validation: none of these fields is nullable.
        if is_null(value):
            continue
        present.add(name)
        yield from walk(value, schema.properties[name], child, name_node)
    for name in schema.required:
        if name not in present:
            child = f"{path}.{name}" if path else name
            yield Violation(key or node, f"{child}: Required value")
