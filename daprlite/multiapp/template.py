"""Dapr's Multi-App Run template (dapr.yaml) → one RunConfig per app, every problem at file:line.

Paths resolve as the dapr CLI resolves them: `common` and `appDirPath` from the template's
folder, an app's own paths from its `appDirPath`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from daprlite.components.configuration import (
    ConfigurationError,
    DaprConfiguration,
    read_configuration,
)
from daprlite.model.config import RunConfig, RunConfigError
from daprlite.model.errors import ConfigError, Problem
from daprlite.process.defaults import default_config_path

TEMPLATE_NAME = "dapr.yaml"
LogDestination = Literal["file", "console", "fileAndConsole"]
_DESTINATIONS = ("file", "console", "fileAndConsole")
# The template's key for each RunConfig field that RunConfig.create checks.
_FIELD_KEYS = {
    "app_id": "appID",
    "app_port": "appPort",
    "dapr_http_port": "daprHTTPPort",
    "dapr_grpc_port": "daprGRPCPort",
    "app_protocol": "appProtocol",
    "log_level": "logLevel",
    "app_channel_address": "appChannelAddress",
    "metrics_port": "metricsPort",
}

# Keys daprlite reads. Every other key of the dapr CLI's schema is accepted and has no effect
# here (placement, profiling, containers, ...): a template written for Dapr runs unchanged.
_SHARED = {"appProtocol", "logLevel", "resourcesPath", "resourcesPaths", "env",
           "appLogDestination", "daprdLogDestination", "configFilePath"}  # fmt: skip
_APP_ONLY = {"appID", "appDirPath", "appPort", "command", "daprHTTPPort", "daprGRPCPort",
             "appChannelAddress", "metricsPort", "enableMetrics"}  # fmt: skip
_IGNORED = {"apiListenAddresses", "enableProfiling", "appMaxConcurrency",
            "placementHostAddress", "schedulerHostAddress", "appSSL", "readBufferSize",
            "enableAppHealthCheck", "appHealthCheckPath", "appHealthProbeInterval",
            "appHealthProbeTimeout", "appHealthThreshold", "enableApiLogging", "runtimePath",
            "daprPath", "daprInternalGRPCPort", "profilePort", "unixDomainSocket",
            "containerImage", "containerImagePullPolicy", "createService",
            "maxBodySize"}  # fmt: skip
_TOP_LEVEL = {"version", "name", "common", "apps"}


@dataclass(frozen=True, slots=True)
class TemplateApp:
    config: RunConfig
    app_dir: Path
    app_log: LogDestination = "fileAndConsole"
    daprd_log: LogDestination = "file"
    # The keys daprlite accepts but does not run with (containerImage, createService,
    # appHealth*, ...), `common`'s then the app's own: `run -k` turns them into manifests.
    other_keys: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0  # where the app starts in the template

    @property
    def logs_dir(self) -> Path:
        return self.app_dir / ".dapr" / "logs"


@dataclass(frozen=True, slots=True)
class RunTemplate:
    path: Path
    name: str
    apps: tuple[TemplateApp, ...]


def template_path(given: Path) -> Path:
    """`-f` takes the file itself or a folder holding dapr.yaml."""
    path = given.expanduser().absolute()
    if path.is_dir():
        path = path / TEMPLATE_NAME
    if not path.is_file():
        raise ConfigError(f"run template {path} not found: pass a dapr.yaml file or its folder")
    return path


def load_template(given: Path) -> RunTemplate:
    path = template_path(given)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise _error([Problem(path, line, f"invalid YAML: {exc.problem or exc}")]) from exc
    parser = _Parser(path)
    template = parser.parse(root)
    if parser.problems:
        raise _error(parser.problems)
    assert template is not None
    return template


def _error(problems: list[Problem]) -> ConfigError:
    problems = sorted(problems, key=lambda p: p.line)  # in the order of the file
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return ConfigError(f"invalid run template ({count}):\n  " + "\n  ".join(map(str, problems)))


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.parent
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._common_nodes: dict[str, Node] = {}

    def problem(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        found = Problem(self.path, line, message)
        if found not in self.problems:  # a bad `common` value is told once, not once per app
            self.problems.append(found)

    def parse(self, root: Node | None) -> RunTemplate | None:
        top = self._mapping(root, "the template")
        if top is None:
            return None
        for key, value in top.items():
            if key not in _TOP_LEVEL:
                self.problem(value, f"unknown key '{key}' at the top of the template")
        version = top.get("version")
        if version is None or self._value(version) in (0, None, ""):
            self.problem(version or root, "required field 'version' is missing (use version: 1)")
        elif not isinstance(self._value(version), int):
            self.problem(version, "'version' must be a number (version: 1)")
        common = self._mapping(top["common"], "'common'") if "common" in top else {}
        self._common_nodes = common or {}
        shared = self._shared(common or {}, self.base, "common") if common is not None else {}
        apps_node = top.get("apps")
        if not isinstance(apps_node, SequenceNode) or not apps_node.value:
            self.problem(apps_node or root, "'apps' must be a list with at least one app")
            return None
        apps = [self._app(node, shared) for node in apps_node.value]
        ids: dict[str, Node] = {}
        for app, node in zip(apps, apps_node.value, strict=True):
            if app is None:
                continue
            if app.config.app_id in ids:
                self.problem(node, f"app id {app.config.app_id} is used by two apps")
            ids[app.config.app_id] = node
        name = str(self._value(top["name"])) if "name" in top else ""
        return RunTemplate(self.path, name, tuple(a for a in apps if a is not None))

    def _app(self, node: Node, common: dict[str, Any]) -> TemplateApp | None:
        fields = self._mapping(node, "an app")
        if fields is None:
            return None
        for key, value in fields.items():
            if key not in _SHARED | _APP_ONLY | _IGNORED:
                self.problem(value, f"unknown key '{key}' in an app")
        dir_node = fields.get("appDirPath")
        if dir_node is None:
            self.problem(node, "required field 'appDirPath' is missing")
            return None
        app_dir = self._path(dir_node, self.base)
        if app_dir is None:
            # Still check what does not depend on the folder: all problems are told at once.
            for key in ("appPort", "daprHTTPPort", "daprGRPCPort"):
                self._port(fields.get(key))
            self._command(fields.get("command"))
            return None
        own = self._shared(fields, app_dir, "app")
        # An app's own value wins; `common` fills what the app leaves out (the CLI's merge).
        merged = {k: v for k, v in common.items() if k != "env"} | own
        env = dict(common.get("env", {})) | dict(own.get("env", {}))
        app_id = self._str(fields.get("appID")) or app_dir.name
        paths = own.get("resources") or _local_resources(app_dir) or common.get("resources")
        dapr_config = merged.get("configuration") or self._fallback_configuration(app_dir)
        # Where each checked value was written, for RunConfig's problems: an app's own key, or
        # the `common` key it inherited.
        nodes = dict(common.get("nodes", {})) | dict(own.get("nodes", {}))
        nodes |= {key: fields[key] for key in _FIELD_KEYS.values() if key in fields}
        try:
            config = RunConfig.create(
                app_id=app_id,
                command=self._command(fields.get("command")),
                app_port=self._port(fields.get("appPort")),
                dapr_http_port=self._port(fields.get("daprHTTPPort")),
                dapr_grpc_port=self._port(fields.get("daprGRPCPort")),
                components_paths=paths or (),
                app_protocol=merged.get("appProtocol", "http"),
                log_level=merged.get("logLevel", "info"),
                app_channel_address=self._str(fields.get("appChannelAddress")) or "127.0.0.1",
                app_dir=app_dir,
                env=env,
                config_file=dapr_config.file if dapr_config else None,
                tracing=dapr_config.tracing if dapr_config else None,
                metrics_enabled=dapr_config.metrics_enabled if dapr_config else None,
                secret_scopes=dapr_config.secret_scopes if dapr_config else (),
                record_error_codes=dapr_config.record_error_codes if dapr_config else False,
                enable_metrics=self._bool(fields.get("enableMetrics"), True),
                metrics_port=self._port(fields.get("metricsPort")),
                names=_FIELD_KEYS,
            )
        except RunConfigError as exc:
            for found in exc.problems:
                key = _FIELD_KEYS.get(found.field, found.field)
                self.problem(nodes.get(key, node), f"{key} {found.message}")
            return None
        others = {**self._common_nodes, **fields}
        return TemplateApp(
            config,
            app_dir,
            app_log=merged.get("appLogDestination", "fileAndConsole"),
            daprd_log=merged.get("daprdLogDestination", "file"),
            other_keys={k: self._value(v) for k, v in others.items() if k in _IGNORED},
            line=node.start_mark.line + 1,
        )

    def _shared(self, fields: dict[str, Node], base: Path, where: str) -> dict[str, Any]:
        """The keys `common` and an app share, checked; paths resolved against `base`."""
        out: dict[str, Any] = {}
        if where == "common":
            for key, value in fields.items():
                if key not in _SHARED | _IGNORED:
                    self.problem(value, f"unknown key '{key}' in 'common'")
        checks: dict[str, tuple[tuple[str, ...], str]] = {
            "appLogDestination": (_DESTINATIONS, "must be file, console or fileAndConsole"),
            "daprdLogDestination": (_DESTINATIONS, "must be file, console or fileAndConsole"),
        }
        for key, (allowed, message) in checks.items():
            text = self._str(fields.get(key))
            if text and text not in allowed:
                self.problem(fields[key], f"{key}: {text!r}: {message}")
            elif text:
                out[key] = text
        # Checked by RunConfig.create, which names the line through `nodes`.
        out["nodes"] = {}
        for key in ("appProtocol", "logLevel"):
            if text := self._str(fields.get(key)):
                out[key], out["nodes"][key] = text, fields[key]
        resources: list[Path] = []
        for node in [*self._list(fields.get("resourcesPaths")), fields.get("resourcesPath")]:
            if node is not None and self._str(node):
                resolved = self._path(node, base)
                if resolved is not None:
                    resources.append(resolved)
        if resources:
            out["resources"] = resources
        config_node = fields.get("configFilePath")
        if config_node is not None and self._str(config_node):
            config_file = self._path(config_node, base)
            if config_file is not None:
                configuration = self._read_configuration(config_file)
                if configuration is not None:
                    out["configuration"] = configuration
        env = fields.get("env")
        if env is not None:
            mapping = self._mapping(env, "'env'") or {}
            out["env"] = {k: _env_text(self._value(v)) for k, v in mapping.items()}
        return out

    def _fallback_configuration(self, app_dir: Path) -> DaprConfiguration | None:
        """The dapr CLI, with no configFilePath: the app's `.dapr/config.yaml`, else the one
        `init` wrote ($DAPRLITE_HOME/config.yaml, as ~/.dapr/config.yaml is dapr's)."""
        for candidate in (app_dir / ".dapr" / "config.yaml", default_config_path()):
            if candidate.is_file():
                return self._read_configuration(candidate)
        return None

    def _read_configuration(self, path: Path) -> DaprConfiguration | None:
        try:
            return read_configuration(path)
        except ConfigurationError as exc:  # its problems name the file's own lines
            self.problems.extend(p for p in exc.problems if p not in self.problems)
            return None

    def _command(self, node: Node | None) -> list[str]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, 'command must be a list, e.g. command: ["python3", "app.py"]')
            return []
        return [str(self._value(item)) for item in node.value]

    def _path(self, node: Node, base: Path) -> Path | None:
        text = self._str(node)
        path = (base / Path(text).expanduser()).resolve()
        if not path.exists():
            self.problem(node, f"path {text} does not exist (resolved to {path})")
            return None
        return path

    def _port(self, node: Node | None) -> int:
        """A whole number, or 0 after a problem; RunConfig.create checks the range."""
        value = self._value(node) if node is not None else 0
        if not isinstance(value, int) or isinstance(value, bool):
            self.problem(node, f"{value!r} is not a port number (1-65535)")
            return 0
        return value

    def _bool(self, node: Node | None, default: bool) -> bool:
        value = self._value(node) if node is not None else default
        if not isinstance(value, bool):
            self.problem(node, f"{value!r} must be true or false")
            return default
        return value

    def _mapping(self, node: Node | None, what: str) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        return {str(self._value(k)): v for k, v in node.value}

    def _list(self, node: Node | None) -> list[Node | None]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, "must be a list")
            return []
        return list(node.value)

    def _str(self, node: Node | None) -> str:
        if node is None:
            return ""
        if not isinstance(node, ScalarNode):
            self.problem(node, "must be a single value")
            return ""
        value = self._value(node)
        return "" if value is None else str(value)

    def _value(self, node: Node) -> Any:
        return self._constructor.construct_object(node, deep=True)


def _local_resources(app_dir: Path) -> list[Path] | None:
    # The dapr CLI prefers an app's own `.dapr/resources` folder over `common`'s paths.
    local = app_dir / ".dapr" / "resources"
    return [local] if local.is_dir() else None


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
