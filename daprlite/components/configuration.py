"""Reads a Dapr `Configuration` file (`--config`, `configFilePath`): the parts daprlite acts on,
`spec.tracing`, `spec.metrics` (enabled, recordErrorCodes) and `spec.secrets.scopes`, each bad
value told at file:line, all at once.

Every other field (accessControl, mtls, features, ...) is accepted and has no effect, so a file
written for daprd works unchanged; each one is named at debug level.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from daprlite.gocompat.duration import DurationError, parse_duration
from daprlite.model.errors import ConfigError, Problem
from daprlite.model.secret_scope import SecretScope
from daprlite.model.tracing import DEFAULT_SAMPLING_RATE, TracingSpec

try:  # the same loader as the component files: nodes keep their line numbers
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

log = logging.getLogger("daprlite.components")

API_VERSION = "dapr.io/v1alpha1"
_TAG = "tag:yaml.org,2002:"
# What Go's strconv.ParseFloat takes (daprd reads samplingRate with it), less hex floats.
_GO_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PROTOCOLS = ("http", "grpc")
# The fields of `spec.tracing` / `spec.tracing.otel` daprlite reads; the rest is logged only.
_TRACING_READ = {"samplingRate", "zipkin", "otel", "stdout"}
_OTEL_READ = {"endpointAddress", "protocol", "isSecure", "headers", "timeout"}
_METRICS_READ = {"enabled", "recordErrorCodes"}


@dataclass(frozen=True, slots=True)
class DaprConfiguration:
    file: Path
    tracing: TracingSpec | None = None  # None: the file has no spec.tracing
    metrics_enabled: bool | None = None  # None: the file has no spec.metrics.enabled
    secret_scopes: tuple[SecretScope, ...] = ()
    record_error_codes: bool = False  # spec.metrics.recordErrorCodes (daprd's default: off)


class ConfigurationError(ConfigError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n  ".join(str(p) for p in problems)
        super().__init__(f"invalid configuration ({count}):\n  {lines}")


def read_configuration(file: Path) -> DaprConfiguration:
    """The Configuration in `file`. Raises ConfigurationError naming every problem's line."""
    reader = _Reader(file)
    config = reader.read()
    if reader.problems:
        raise ConfigurationError(sorted(reader.problems, key=lambda p: p.line))
    assert config is not None
    return config


class _Reader:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, node: Node | None, message: str) -> None:
        self.problems.append(Problem(self.file, _line(node) if node is not None else 0, message))

    def read(self) -> DaprConfiguration | None:
        try:
            root = yaml.compose(self.file.read_text(encoding="utf-8"), Loader=_YamlLoader)
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(None, f"cannot read the configuration file: {exc}")
            return None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            detail = " ".join(part for part in (exc.problem, exc.context) if part)
            self.problems.append(Problem(self.file, mark.line + 1 if mark else 0, detail))
            return None
        except yaml.YAMLError as exc:
            self.problem(None, f"invalid YAML: {exc}")
            return None
        top = self.mapping(root, "the document")
        if top is None:
            return None
        kind, version = _text(top.get("kind")), _text(top.get("apiVersion"))
        if (version, kind) != (API_VERSION, "Configuration"):
            self.problem(root, f"not a {API_VERSION} Configuration (apiVersion/kind)")
            return None
        spec = self.mapping(top.get("spec"), "spec") if "spec" in top else {}
        if spec is None:
            return None
        for key in spec.keys() - {"tracing", "metrics", "secrets"}:
            log.debug("%s:%d: spec.%s has no effect in daprlite", self.file, _line(spec[key]), key)
        tracing = self.tracing(spec["tracing"]) if "tracing" in spec else None
        enabled, error_codes = self.metrics(spec["metrics"]) if "metrics" in spec else (None, False)
        scopes = self.secret_scopes(spec["secrets"]) if "secrets" in spec else ()
        return DaprConfiguration(
            self.file,
            tracing,
            enabled,
            secret_scopes=scopes,
            record_error_codes=error_codes,
        )

    def secret_scopes(self, node: Node) -> tuple[SecretScope, ...]:
        """`spec.secrets.scopes`: per store, which secrets the secrets API may give out."""
        fields = self.mapping(node, "spec.secrets")
        listed = fields.get("scopes") if fields else None
        if listed is None or _is_null(listed):
            return ()
        if not isinstance(listed, SequenceNode):
            self.problem(listed, "spec.secrets.scopes must be a list")
            return ()
        scopes = []
        for item in listed.value:
            entry = self.mapping(item, "spec.secrets.scopes[]")
            if entry is None:
                continue
            store = self.string(entry.get("storeName"), "secrets.scopes[].storeName")
            access = self.string(entry.get("defaultAccess"), "secrets.scopes[].defaultAccess")
            if access and access.lower() not in ("allow", "deny"):
                self.problem(entry["defaultAccess"], "defaultAccess must be allow or deny")
            allowed = self.names(entry.get("allowedSecrets"), "allowedSecrets")
            denied = self.names(entry.get("deniedSecrets"), "deniedSecrets")
            scopes.append(SecretScope(store, access or "allow", allowed, denied))
        return tuple(scopes)

    def names(self, node: Node | None, label: str) -> tuple[str, ...]:
        if node is None or _is_null(node):
            return ()
        if not isinstance(node, SequenceNode) or not all(
            isinstance(item, ScalarNode) for item in node.value
        ):
            self.problem(node, f"secrets.scopes[].{label} must be a list of secret names")
            return ()
        return tuple(str(item.value) for item in node.value)

    def tracing(self, node: Node) -> TracingSpec | None:
        fields = self.mapping(node, "spec.tracing")
        if fields is None:
            return None
        for key in fields.keys() - _TRACING_READ:
            where = f"{self.file}:{_line(fields[key])}"
            log.debug("%s: spec.tracing.%s has no effect in daprlite", where, key)
        rate_node = fields.get("samplingRate")
        rate = self.sampling_rate(rate_node)
        rate_given = not (rate_node is None or _is_null(rate_node) or rate_node.value == "")
        stdout = False
        stdout_node = fields.get("stdout")
        if stdout_node is not None and not _is_null(stdout_node):
            stdout = self.boolean(stdout_node, "tracing.stdout", False)
        headers: tuple[tuple[str, str], ...] = ()
        timeout: float | None = None
        zipkin = ""
        if "zipkin" in fields and (z := self.mapping(fields["zipkin"], "tracing.zipkin")):
            zipkin = self.string(z.get("endpointAddress"), "tracing.zipkin.endpointAddress")
        endpoint, protocol, secure = "", "", True
        if "otel" in fields and (otel := self.mapping(fields["otel"], "tracing.otel")):
            for key in otel.keys() - _OTEL_READ:
                where = f"{self.file}:{_line(otel[key])}"
                log.debug("%s: spec.tracing.otel.%s has no effect in daprlite", where, key)
            endpoint = self.string(otel.get("endpointAddress"), "tracing.otel.endpointAddress")
            protocol = self.string(otel.get("protocol"), "tracing.otel.protocol")
            if protocol and protocol not in _PROTOCOLS:
                message = f"tracing.otel.protocol must be http or grpc, not {protocol}"
                self.problem(otel["protocol"], message)
            secure_node = otel.get("isSecure")
            if secure_node is not None and not _is_null(secure_node):
                secure = self.boolean(secure_node, "tracing.otel.isSecure", True)
            headers = self.otel_headers(otel.get("headers"))
            timeout = self.otel_timeout(otel.get("timeout"))
        return TracingSpec(
            rate, zipkin, endpoint, protocol, secure, headers, timeout, stdout, rate_given
        )

    def otel_headers(self, node: Node | None) -> tuple[tuple[str, str], ...]:
        """daprd reads a file's `otel.headers` as a list of `name=value` strings (an entry
        without `=` is skipped, as daprd does). Values are never put in a message."""
        if node is None or _is_null(node):
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, 'tracing.otel.headers must be a list of "name=value" entries')
            return ()
        headers: list[tuple[str, str]] = []
        for entry in node.value:
            if not isinstance(entry, ScalarNode) or _is_null(entry):
                # The Kubernetes form ({name, value}) fails daprd's file loader too.
                self.problem(entry, 'each tracing.otel.headers entry must be "name=value" text')
                continue
            name, equals, value = str(entry.value).partition("=")
            if equals:
                headers.append((name, value))
        return tuple(headers)

    def otel_timeout(self, node: Node | None) -> float | None:
        if node is None or _is_null(node):
            return None
        text = str(node.value) if isinstance(node, ScalarNode) else ""
        if not isinstance(node, ScalarNode) or node.tag != _TAG + "str":
            # daprd's YAML decoder takes a duration only as text ("10s").
            self.problem(node, 'tracing.otel.timeout must be a duration such as "10s"')
            return None
        try:
            seconds = parse_duration(text)
        except DurationError as exc:
            self.problem(node, f"tracing.otel.timeout: {exc}")
            return None
        return seconds if seconds > 0 else None  # no positive timeout: the exporter's default

    def sampling_rate(self, node: Node | None) -> float:
        if node is None or _is_null(node) or node.value == "":
            return DEFAULT_SAMPLING_RATE
        text = str(node.value) if isinstance(node, ScalarNode) else ""
        rate = float(text) if _GO_FLOAT.fullmatch(text) else math.nan
        if not rate >= 0:  # also NaN
            self.problem(node, f"tracing.samplingRate must be a number from 0 to 1, not {text!r}")
            return 0.0
        # daprd's ratio sampler treats anything above 1 as "always".
        return min(rate, 1.0)

    def metrics(self, node: Node) -> tuple[bool | None, bool]:
        """`spec.metrics.enabled` (None: not said) and `recordErrorCodes` (default false)."""
        fields = self.mapping(node, "spec.metrics")
        if fields is None:
            return None, False
        for key in fields.keys() - _METRICS_READ:
            where = f"{self.file}:{_line(fields[key])}"
            log.debug("%s: spec.metrics.%s has no effect in daprlite", where, key)
        enabled = None
        if "enabled" in fields and not _is_null(fields["enabled"]):
            enabled = self.boolean(fields["enabled"], "metrics.enabled", True)
        error_codes = fields.get("recordErrorCodes")
        if error_codes is None or _is_null(error_codes):
            return enabled, False
        return enabled, self.boolean(error_codes, "metrics.recordErrorCodes", False)

    def mapping(self, node: Node | None, label: str) -> dict[str, Node] | None:
        if node is None or _is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            self.problem(node, f"{label} must be a mapping")
            return None
        return {k.value: v for k, v in node.value if isinstance(k, ScalarNode)}

    def string(self, node: Node | None, label: str) -> str:
        if node is None or _is_null(node):
            return ""
        if not isinstance(node, ScalarNode) or node.tag not in (_TAG + "str", _TAG + "int"):
            self.problem(node, f"{label} must be text")
            return ""
        return str(node.value).strip()

    def boolean(self, node: Node, label: str, default: bool) -> bool:
        if not isinstance(node, ScalarNode) or node.tag != _TAG + "bool":
            self.problem(node, f"{label} must be true or false")
            return default
        return str(node.value).lower() in ("true", "yes", "on")


def _text(node: Node | None) -> str | None:
    return str(node.value) if isinstance(node, ScalarNode) else None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1
