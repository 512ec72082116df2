"""Reads component YAML files the way daprd does in standalone mode.

Every problem in every file is collected with its file:line and raised at once.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from daprlite.components.metadata import yaml_value_text
from daprlite.gocompat.duration import parse_duration
from daprlite.model.component import Component
from daprlite.model.contracts import TypeCatalogue
from daprlite.model.errors import ComponentLoadError, ConfigError, Problem

try:  # libyaml is several times faster; the pure-Python loader gives the same nodes.
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

log = logging.getLogger("daprlite.components")

API_VERSION = "dapr.io/v1alpha1"
DEFAULT_INIT_TIMEOUT = 5.0
# Categories daprd knows; components of these are skipped (with a warning) rather than refused,
# because a components folder made by `dapr init` also holds a state store and a pub/sub.
# fmt: off
DAPR_CATEGORIES = frozenset({
    "bindings", "state", "pubsub", "secretstores", "configuration", "lock", "middleware",
    "nameresolution", "workflow", "crypto", "conversation",
})
# fmt: on

_TAG = "tag:yaml.org,2002:"


def load_components(
    paths: Sequence[Path],
    *,
    catalogue: TypeCatalogue,
    app_id: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Component]:
    """Binding components from `paths` (folders, non-recursive, or single files), in order.

    With `app_id`, components scoped to other apps are dropped and `{appID}`/`{namespace}`
    are filled in; without it they are left as written. `environ` defaults to os.environ.
    """
    session = _Session(catalogue, app_id, os.environ if environ is None else environ)
    for file in component_files(paths):
        session.load_file(file)
    if session.problems:
        hint = ""
        if session.unknown_type:
            supported = ", ".join(session.catalogue.supported_types())
            hint = f"supported binding types: {supported}"
        raise ComponentLoadError(session.problems, hint=hint)
    if app_id is None:
        return session.components
    kept: list[Component] = []
    for component in session.components:
        if component.scoped_to(app_id):
            kept.append(component)
        else:
            log.debug("component %s is not scoped to app %s; skipped", component.name, app_id)
    return kept


def component_files(paths: Sequence[Path]) -> list[Path]:
    """The YAML files daprd would read from `paths`, in the order it reads them."""
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            for entry in sorted(path.iterdir(), key=lambda p: p.name):
                if entry.is_dir():
                    continue
                if entry.suffix.lower() in (".yaml", ".yml"):
                    files.append(entry)
                else:
                    log.warning("%s is not a YAML file (.yaml/.yml); it will not be loaded", entry)
        else:
            raise ConfigError(
                f"components path {path} does not exist; pass the folder that holds your "
                "component YAML files with --components-path (or --resources-path)"
            )
    return files


def compose_documents(file: Path) -> tuple[list[Node], list[Problem]]:
    """The YAML documents of `file` as line-aware nodes, and what stopped the reading (a syntax
    error ends the file: the parser cannot tell where the next document starts)."""
    roots: list[Node] = []
    try:
        text = file.read_text(encoding="utf-8")
        roots.extend(r for r in yaml.compose_all(text, Loader=_YamlLoader) if r is not None)
    except (OSError, UnicodeDecodeError) as exc:
        return roots, [Problem(file, 0, f"cannot read the file: {exc}")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(part for part in (exc.problem, exc.context) if part)
        line = mark.line + 1 if mark else 0
        return roots, [Problem(file, line, f"invalid YAML: {detail}")]
    except yaml.YAMLError as exc:
        return roots, [Problem(file, 0, f"invalid YAML: {exc}")]
    return roots, []


class _Session:
    """One load: the components found so far and everything wrong with them."""

    def __init__(self, catalogue: TypeCatalogue, app_id: str | None, env: Mapping[str, str]):
        self.catalogue, self.app_id, self.env = catalogue, app_id, env
        self.problems: list[Problem] = []
        self.components: list[Component] = []
        self.unknown_type = False
        self.file = Path()
        self._seen: dict[str, str] = {}  # name → file:line of its first definition

    def load_file(self, file: Path) -> None:
        self.file, first_problem = file, len(self.problems)
        roots, unreadable = compose_documents(file)
        for root in roots:
            self._document(root)
        self.problems.extend(unreadable)
        # Fields are checked in a fixed order; a reader wants them in the order of the file.
        self.problems[first_problem:] = sorted(self.problems[first_problem:], key=lambda p: p.line)

    def _problem(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.file, _line(node), message))

    def _document(self, root: Node) -> None:
        top = _Map(root)
        if (_plain(top.get("apiVersion")), _plain(top.get("kind"))) != (API_VERSION, "Component"):
            log.debug("%s:%d: not a %s Component; skipped", self.file, _line(root), API_VERSION)
            return
        meta, spec = self._mapping(top, "metadata"), self._mapping(top, "spec")
        # daprd ignores namespaces unless NAMESPACE is set; then only its own are loaded.
        namespace = _plain(meta.get("namespace")) if meta else None
        if namespace and self.env.get("NAMESPACE", namespace) != namespace:
            log.debug("%s:%d: namespace %s; skipped", self.file, _line(root), namespace)
            return
        name = self._name(meta)
        type_ = self._text(spec, "type", "spec.type", "bindings.kafka") if spec else None
        if spec is None or type_ is None or not self._is_binding(spec["type"], type_, name):
            return
        version = self._version(spec, type_)
        before = len(self.problems)
        ignore_errors = self._ignore_errors(spec.get("ignoreErrors"))
        init_timeout = self._init_timeout(spec.get("initTimeout"))
        scopes = self._scopes(top.get("scopes"))
        metadata, lines = self._metadata(spec.get("metadata"))
        if name is None or version is None or len(self.problems) > before:
            return
        self.components.append(
            Component(
                name=name,
                type=type_,
                version=version,
                metadata=metadata,
                file=self.file,
                line=_line(root),
                scopes=scopes,
                ignore_errors=ignore_errors,
                init_timeout_seconds=init_timeout,
                metadata_lines=lines,
            )
        )

    def _name(self, meta: _Map | None) -> str | None:
        name = self._text(meta, "name", "metadata.name", "sample-topic") if meta else None
        if meta is None or name is None:
            return None
        # daprd's rule: the name becomes a path segment (API routes, app routes).
        node = meta["name"]
        if name in (".", "..") or "/" in name or "%" in name:
            self._problem(node, f"metadata.name {name!r}: . and .. and / and % are not allowed")
            return None
        if name in self._seen:
            self._problem(node, f"duplicate component name {name} (first at {self._seen[name]})")
            return None
        self._seen[name] = f"{self.file}:{_line(node)}"
        return name

    def _is_binding(self, node: Node, type_: str, name: str | None) -> bool:
        category = type_.split(".", 1)[0].lower() if "." in type_ else ""
        if category not in DAPR_CATEGORIES:
            self._problem(node, f"spec.type {type_!r} is not <category>.<name> (bindings.kafka)")
            return False
        if category != "bindings":
            where = f"{self.file}:{_line(node)}"
            log.warning("%s: %s (%s) skipped: daprlite runs bindings only", where, name, type_)
            return False
        if type_.lower() not in self.catalogue.supported_types():
            self._problem(node, f"unknown binding type {type_}")
            self.unknown_type = True
            return False
        return True

    def _version(self, spec: _Map, type_: str) -> str | None:
        # daprd reads a missing version as v1; daprlite asks for it so the file says what it means.
        version = self._text(spec, "version", "spec.version", "v1")
        if version is not None and not self.catalogue.supports(type_, version):
            self._problem(spec["version"], f"version {version} of {type_} is not supported; use v1")
            return None
        return version

    def _ignore_errors(self, node: Node | None) -> bool:
        if node is None or _is_null(node):
            return False
        if node.tag != _TAG + "bool":
            self._problem(node, "spec.ignoreErrors must be true or false")
            return False
        return bool(SafeConstructor().construct_object(node))

    def _init_timeout(self, node: Node | None) -> float:
        text = _plain(node)
        try:
            seconds = parse_duration(text) if text else DEFAULT_INIT_TIMEOUT
        except ValueError:
            seconds = 0
        if node is not None and seconds <= 0:
            log.warning("%s:%d: initTimeout %r is not valid; 5s", self.file, _line(node), text)
        return seconds if seconds > 0 else DEFAULT_INIT_TIMEOUT

    def _scopes(self, node: Node | None) -> tuple[str, ...]:
        if node is None or _is_null(node):
            return ()
        if not isinstance(node, SequenceNode) or not all(_plain(item) for item in node.value):
            self._problem(node, "scopes must be a list of app ids")
            return ()
        return tuple(str(item.value) for item in node.value)

    def _metadata(self, node: Node | None) -> tuple[dict[str, str], dict[str, int]]:
        values: dict[str, str] = {}
        lines: dict[str, int] = {}
        if node is not None and not _is_null(node) and not isinstance(node, SequenceNode):
            self._problem(node, "spec.metadata must be a list of name/value entries")
            return values, lines
        for item in node.value if isinstance(node, SequenceNode) else []:
            fields = _Map(item)
            key = self._text(fields, "name", "spec.metadata[].name", "brokers")
            if key is None:
                continue
            if (ref := fields.get("secretKeyRef")) is not None and not _is_null(ref):
                self._problem(
                    ref,
                    f"metadata {key}: secretKeyRef needs a secret store, and daprlite has "
                    "none yet; use value or envRef",
                )
                continue
            source = fields.get("value", item)
            value = self._value(source) if "value" in fields else ""
            if not value and (env_ref := fields.get("envRef")) is not None:
                source, value = env_ref, self._env_ref(key, env_ref)
            values[key] = self._substitute(key, source, value)
            lines[key] = _line(source)
        return values, lines

    def _value(self, node: Node) -> str:
        try:
            return yaml_value_text(node)
        except yaml.YAMLError as exc:
            self._problem(node, f"cannot read this value: {exc}")
            return ""

    def _env_ref(self, key: str, node: Node) -> str:
        name = _plain(node) or ""
        upper = name.upper()
        # daprd refuses these so that a component cannot read the sidecar's own secrets.
        if " " in name or upper == "APP_API_TOKEN" or upper.startswith("DAPR_"):
            self._problem(
                node,
                f"metadata {key}: envRef {name} is not allowed "
                "(APP_API_TOKEN, DAPR_* and names with spaces are reserved)",
            )
            return ""
        if name and name not in self.env:
            log.warning("%s:%d: envRef %s is not set", self.file, _line(node), name)
        return self.env.get(name, "")

    def _substitute(self, key: str, node: Node, value: str) -> str:
        if "{podName}" in value:
            self._problem(node, f"metadata {key}: {{podName}} has a value only on Kubernetes")
        while "{uuid}" in value:  # a fresh id for every occurrence, as daprd does
            value = value.replace("{uuid}", str(uuid.uuid4()), 1)
        if self.app_id is not None:
            namespace = self.env.get("NAMESPACE") or "default"
            value = value.replace("{namespace}", f"{namespace}.{self.app_id}")
            value = value.replace("{appID}", self.app_id)
        return value

    def _mapping(self, fields: _Map, key: str) -> _Map | None:
        node = fields.get(key)
        if node is None or _is_null(node):
            self._problem(fields.node, f"{key} is required")
            return None
        if not isinstance(node, MappingNode):
            self._problem(node, f"{key} must be a mapping")
            return None
        return _Map(node)

    def _text(self, fields: _Map, key: str, label: str, example: str) -> str | None:
        node = fields.get(key)
        if node is None or _is_null(node) or node.value == "":
            self._problem(node or fields.node, f"{label} is required (e.g. {example})")
            return None
        if not isinstance(node, ScalarNode):
            self._problem(node, f"{label} must be text (e.g. {example})")
            return None
        return str(node.value)


class _Map(dict[str, Node]):
    """A mapping node's values by key; keeps the node so a missing key can name its line."""

    def __init__(self, node: Node) -> None:
        pairs = node.value if isinstance(node, MappingNode) else []
        super().__init__((k.value, v) for k, v in pairs if isinstance(k, ScalarNode))
        self.node = node


def _plain(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) and not _is_null(node) else None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1
