"""Reads component YAML files the way daprd does in standalone mode: bindings, and secret stores
when the caller has a catalogue of them; `secretKeyRef`s are kept for the runtime to resolve.

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
from daprlite.model.component import Component, SecretKeyRef
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
    secret_stores: TypeCatalogue | None = None,
) -> list[Component]:
    """Binding components from `paths` (folders, non-recursive, or single files), in order, and
    the secret store components too when `secret_stores` is given (else they are skipped).

    With `app_id`, components scoped to other apps are dropped and `{appID}`/`{namespace}`
    are filled in; without it they are left as written. `environ` defaults to os.environ.
    """
    env = os.environ if environ is None else environ
    session = _Session(catalogue, app_id, env, secret_stores)
    for file in component_files(paths):
        session.load_file(file)
    if session.problems:
        hints = []
        if session.unknown_type:
            hints.append(f"supported binding types: {', '.join(catalogue.supported_types())}")
        if session.unknown_store and secret_stores is not None:
            supported = ", ".join(secret_stores.supported_types())
            hints.append(f"supported secret store types: {supported}")
        raise ComponentLoadError(session.problems, hint="\n  ".join(hints))
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

    def __init__(
        self,
        catalogue: TypeCatalogue,
        app_id: str | None,
        env: Mapping[str, str],
        secret_stores: TypeCatalogue | None,
    ) -> None:
        self.catalogue, self.app_id, self.env = catalogue, app_id, env
        self.secret_stores = secret_stores
        self.problems: list[Problem] = []
        self.components: list[Component] = []
        self.unknown_type = self.unknown_store = False
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
        catalogue = self._catalogue_for(spec["type"], type_, name) if spec and type_ else None
        if spec is None or type_ is None or catalogue is None:
            return
        version = self._version(spec, type_, catalogue)
        before = len(self.problems)
        ignore_errors = self._ignore_errors(spec.get("ignoreErrors"))
        init_timeout = self._init_timeout(spec.get("initTimeout"))
        scopes = self._scopes(top.get("scopes"))
        metadata, lines, refs = self._metadata(spec.get("metadata"))
        secret_store = self._secret_store(top.get("auth"))
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
                secret_refs=refs,
                secret_store=secret_store,
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

    def _catalogue_for(self, node: Node, type_: str, name: str | None) -> TypeCatalogue | None:
        """The catalogue that knows `type_`, or None when the component is not loaded."""
        category = type_.split(".", 1)[0].lower() if "." in type_ else ""
        if category not in DAPR_CATEGORIES:
            self._problem(node, f"spec.type {type_!r} is not <category>.<name> (bindings.kafka)")
            return None
        if category == "secretstores" and self.secret_stores is not None:
            if type_.lower() not in self.secret_stores.supported_types():
                self._problem(node, f"unknown secret store type {type_}")
                self.unknown_store = True
                return None
            return self.secret_stores
        if category != "bindings":
            where = f"{self.file}:{_line(node)}"
            runs = "bindings and secret stores" if self.secret_stores else "bindings"
            log.warning("%s: %s (%s) skipped: daprlite runs %s only", where, name, type_, runs)
            return None
        if type_.lower() not in self.catalogue.supported_types():
            self._problem(node, f"unknown binding type {type_}")
            self.unknown_type = True
            return None
        return self.catalogue

    def _version(self, spec: _Map, type_: str, catalogue: TypeCatalogue) -> str | None:
        # daprd reads a missing version as v1; daprlite asks for it so the file says what it means.
        version = self._text(spec, "version", "spec.version", "v1")
        if version is not None and not catalogue.supports(type_, version):
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

    def _metadata(
        self, node: Node | None
    ) -> tuple[dict[str, str], dict[str, int], dict[str, SecretKeyRef]]:
        """Each entry's value, line and unresolved secretKeyRef, in daprd's order of precedence:
        an `envRef` is read only when there is no `value` (`value: ""` counts as one) and then
        wins over a `secretKeyRef`; a secret found later replaces the `value`."""
        values: dict[str, str] = {}
        lines: dict[str, int] = {}
        refs: dict[str, SecretKeyRef] = {}
        if node is not None and not _is_null(node) and not isinstance(node, SequenceNode):
            self._problem(node, "spec.metadata must be a list of name/value entries")
            return values, lines, refs
        for item in node.value if isinstance(node, SequenceNode) else []:
            fields = _Map(item)
            key = self._text(fields, "name", "spec.metadata[].name", "brokers")
            if key is None:
                continue
            refs.pop(key, None)  # a later entry of the same name replaces the earlier one
            has_value = "value" in fields and not _is_null(fields["value"])
            env_ref = _plain(fields.get("envRef"))
            source = fields["value"] if has_value else item
            value = self._value(source) if has_value else ""
            if not has_value and env_ref:
                source, value = fields["envRef"], self._env_ref(key, fields["envRef"])
            elif (ref := self._secret_key_ref(key, fields.get("secretKeyRef"))) is not None:
                refs[key] = ref
                if not has_value:
                    source = fields["secretKeyRef"]
            values[key] = self._substitute(key, source, value)
            lines[key] = _line(source)
        return values, lines, refs

    def _secret_key_ref(self, key: str, node: Node | None) -> SecretKeyRef | None:
        if node is None or _is_null(node):
            return None
        if not isinstance(node, MappingNode):
            self._problem(node, f"metadata {key}: secretKeyRef must be a mapping of name and key")
            return None
        fields = _Map(node)
        for part in ("name", "key"):
            if part in fields and not isinstance(fields[part], ScalarNode):
                self._problem(fields[part], f"metadata {key}: secretKeyRef.{part} must be text")
                return None
        name, secret_key = _plain(fields.get("name")) or "", _plain(fields.get("key")) or ""
        if not name:
            # daprd skips a reference without a secret name: the entry keeps its value, if any.
            log.warning(
                "%s:%d: metadata %s: secretKeyRef has no name; it is ignored",
                self.file,
                _line(node),
                key,
            )
            return None
        return SecretKeyRef(name, secret_key, _line(node))

    def _secret_store(self, node: Node | None) -> str:
        """`auth.secretStore`: the store a component's secretKeyRefs are read from."""
        if node is None or _is_null(node):
            return ""
        if not isinstance(node, MappingNode):
            self._problem(node, "auth must be a mapping (auth.secretStore: <store name>)")
            return ""
        store = _Map(node).get("secretStore")
        if store is None or _is_null(store):
            return ""
        if not isinstance(store, ScalarNode):
            self._problem(store, "auth.secretStore must be the name of a secret store component")
            return ""
        return str(store.value)

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
