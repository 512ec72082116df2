"""Reads `kind: Resiliency` resources from the resources path as daprd 1.18 does, merged into one
ResiliencyPolicies; every problem in every file is told at once with its file:line.

As daprd: only a file's first YAML document is read for a Resiliency; `apiVersion` is not
checked; resources scoped to other apps are left out; later files override policies and targets
of the same name; field names match in any letter case (Go's JSON decoding). Unlike daprd, which
logs a bad resource and runs without it, daprlite refuses to start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from daprlite.components.loader import compose_documents
from daprlite.components.resiliency_values import FieldReader, Fields
from daprlite.model.errors import ComponentError, Problem
from daprlite.model.resiliency import (
    BreakerSpec,
    ComponentTarget,
    PolicyNames,
    ResiliencyPolicies,
    ResiliencySource,
    RetrySpec,
)

log = logging.getLogger("daprlite.components")

_KIND = "Resiliency"
# daprd's own retry policies (pkg/resiliency addBuiltInPolicies); a target may name them, and a
# file may override all but the protected one (with at least 3 retries).
BUILT_IN_RETRIES = {
    "DaprBuiltInServiceRetries": RetrySpec(duration=1.0, max_retries=3),
    "DaprBuiltInActorRetries": RetrySpec(duration=1.0, max_retries=3),
    "DaprBuiltInActorReminderRetries": RetrySpec(policy="exponential", max_retries=-1),
    "DaprBuiltInInitializationRetries": RetrySpec(
        policy="exponential",
        duration=2.0,
        max_interval=1.0,
        max_elapsed_time=10.0,
        max_retries=3,
    ),
    "DaprBuiltInActorNotFoundRetries": RetrySpec(duration=1.0, max_retries=5),
}
_PROTECTED = "DaprBuiltInActorNotFoundRetries"
_POLICY_KINDS = ("timeouts", "retries", "circuitBreakers")
_TARGETS = ("apps", "actors", "components")
_DIRECTIONS = ("inbound", "outbound")
_NAMES = ("timeout", "retry", "circuitBreaker")


class ResiliencyLoadError(ComponentError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n  ".join(str(p) for p in problems)
        super().__init__(f"invalid resiliency policies ({count}):\n  {lines}")


def resiliency_files(paths: list[Path]) -> list[Path]:
    """The YAML files of the resources path, in daprd's order (folders are not descended)."""
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            entries = sorted(path.iterdir(), key=lambda p: p.name)
            files.extend(
                e for e in entries if e.is_file() and e.suffix.lower() in (".yaml", ".yml")
            )
    return files


def load_resiliency(paths: list[Path], app_id: str | None = None) -> ResiliencyPolicies:
    """Every Resiliency resource in `paths` merged (only those scoped to `app_id`, when given).
    Raises ResiliencyLoadError naming each problem's file:line."""
    reading = _Reading(app_id)
    for file in resiliency_files(paths):
        reading.read_file(file)
    policies = reading.merged()
    if reading.problems:
        raise ResiliencyLoadError(reading.problems)
    return policies


@dataclass(slots=True)
class _Resource:
    source: ResiliencySource
    timeouts: dict[str, float] = field(default_factory=dict)
    retries: dict[str, RetrySpec] = field(default_factory=dict)
    breakers: dict[str, BreakerSpec] = field(default_factory=dict)
    # component -> its target and the line of each policy name it gives (for the checks)
    targets: dict[str, tuple[ComponentTarget, list[tuple[str, str, int]]]] = field(
        default_factory=dict
    )
    # Every policy name it declares, good or bad: a target naming a bad one is not told twice.
    declared: set[tuple[str, str]] = field(default_factory=set)
    valid: bool = True


class _Reading:
    def __init__(self, app_id: str | None) -> None:
        self.app_id = app_id
        self.problems: list[Problem] = []
        self.resources: list[_Resource] = []

    def read_file(self, file: Path) -> None:
        roots, unreadable = compose_documents(file)
        if unreadable:
            self.problems.extend(unreadable)
            return
        for later in roots[1:]:
            if _kind(later) == _KIND:
                log.warning(
                    "%s:%d: a Resiliency after the first document of a file is ignored, as "
                    "daprd ignores it; give it a file of its own",
                    file,
                    later.start_mark.line + 1,
                )
        if roots and _kind(roots[0]) == _KIND:
            before = len(self.problems)
            reader = FieldReader(file, self.problems)
            read = _read_resource(reader, roots[0])
            self.problems[before:] = sorted(self.problems[before:], key=lambda p: p.line)
            if read is None:
                return
            resource, scopes = read
            resource.valid = len(self.problems) == before
            # Checked like every other resource, but used only by the apps it is scoped to.
            if not scopes or self.app_id is None or self.app_id in scopes:
                self.resources.append(resource)
            else:
                log.debug("%s: Resiliency %s is scoped to other apps", file, resource.source.name)

    def merged(self) -> ResiliencyPolicies:
        timeouts: dict[str, float] = {}
        retries: dict[str, RetrySpec] = dict(BUILT_IN_RETRIES)
        breakers: dict[str, BreakerSpec] = {}
        targets: dict[str, tuple[ComponentTarget, list[tuple[str, str, int]], Path]] = {}
        sources = []
        declared = {("retry", name) for name in BUILT_IN_RETRIES}
        for resource in self.resources:
            declared |= resource.declared
        checked: dict[str, tuple[list[tuple[str, str, int]], Path]] = {}
        for resource in self.resources:
            for component, (_, named) in resource.targets.items():
                checked[component] = (named, resource.source.file)
            if not resource.valid:
                continue
            sources.append(resource.source)
            timeouts.update(resource.timeouts)
            for name, spec in resource.retries.items():
                retries[name] = _built_in_rule(name, spec, retries)
            breakers.update(resource.breakers)
            for component, (target, named) in resource.targets.items():
                targets[component] = (target, named, resource.source.file)
        for component, (named, file) in checked.items():
            for kind, name, line in named:
                if (kind, name) not in declared:
                    self.problems.append(
                        Problem(
                            file,
                            line,
                            f"targets.components.{component}: {kind} policy {name!r} is not "
                            f"defined in any Resiliency",
                        )
                    )
        return ResiliencyPolicies(
            tuple(sources),
            timeouts,
            retries,
            breakers,
            {component: target for component, (target, _, _) in targets.items()},
        )


def _built_in_rule(name: str, spec: RetrySpec, retries: dict[str, RetrySpec]) -> RetrySpec:
    if name == _PROTECTED:
        log.warning(
            "Attempted to override protected policy %s which is not allowed. Ignoring provided "
            "policy and using default.",
            name,
        )
        return retries[name]
    if name in BUILT_IN_RETRIES and spec.max_retries < 3:
        log.warning(
            "Attempted override of %s did not meet minimum retry count, resetting to 3.", name
        )
        return replace(spec, max_retries=3)
    return spec


def _read_resource(reader: FieldReader, root: Node) -> tuple[_Resource, tuple[str, ...]] | None:
    """The resource and its scopes (problems go to the reader)."""
    top = reader.mapping(root, "the document", ("apiVersion", "kind", "metadata", "spec", "scopes"))
    if top is None:
        return None
    meta = reader.mapping(top.get("metadata"), "metadata") or Fields()
    name = reader.text(meta.get("name"), "metadata.name")
    namespace = reader.text(meta.get("namespace"), "metadata.namespace")
    scopes = reader.names(top.get("scopes"), "scopes")
    source = ResiliencySource(name, namespace, reader.file, root.start_mark.line + 1)
    resource = _Resource(source)
    spec = reader.mapping(top.get("spec"), "spec", ("policies", "targets")) or Fields()
    policies = reader.mapping(spec.get("policies"), "spec.policies", _POLICY_KINDS) or Fields()
    _read_policies(reader, policies, resource)
    targets = reader.mapping(spec.get("targets"), "spec.targets", _TARGETS) or Fields()
    for other in ("apps", "actors"):
        if other in targets:
            log.debug(
                "%s: targets.%s have no effect in daprlite (bindings only)", reader.file, other
            )
    components = reader.mapping(targets.get("components"), "targets.components") or Fields()
    for component, node in components.items():
        resource.targets[component] = _read_target(reader, component, node)
    return resource, scopes


def _read_policies(reader: FieldReader, policies: Fields, resource: _Resource) -> None:
    timeouts = reader.mapping(policies.get("timeouts"), "policies.timeouts") or Fields()
    resource.declared |= {("timeout", name) for name in timeouts}
    for name, node in timeouts.items():
        seconds = reader.duration(node, f"policies.timeouts.{name}", allow_negative=False)
        if seconds is not None:
            resource.timeouts[name] = seconds
    retries = reader.mapping(policies.get("retries"), "policies.retries") or Fields()
    resource.declared |= {("retry", name) for name in retries}
    for name, node in retries.items():
        retry = reader.retry(node, f"policies.retries.{name}")
        if retry is not None:
            resource.retries[name] = retry
    breakers = (
        reader.mapping(policies.get("circuitBreakers"), "policies.circuitBreakers") or Fields()
    )
    resource.declared |= {("circuitBreaker", name) for name in breakers}
    for name, node in breakers.items():
        breaker = reader.breaker(node, f"policies.circuitBreakers.{name}")
        if breaker is not None:
            resource.breakers[name] = breaker


def _read_target(
    reader: FieldReader, component: str, node: Node
) -> tuple[ComponentTarget, list[tuple[str, str, int]]]:
    fields = reader.mapping(node, f"targets.components.{component}", _DIRECTIONS) or Fields()
    named: list[tuple[str, str, int]] = []
    directions = {}
    for direction in ("inbound", "outbound"):
        label = f"targets.components.{component}.{direction}"
        names = reader.mapping(fields.get(direction), label, _NAMES) or Fields()
        given = {}
        for kind in ("timeout", "retry", "circuitBreaker"):
            value_node = names.get(kind)
            value = reader.text(value_node, f"{label}.{kind}")
            if value and value_node is not None:
                given[kind] = value
                named.append((kind, value, value_node.start_mark.line + 1))
        directions[direction] = PolicyNames(
            given.get("timeout", ""), given.get("retry", ""), given.get("circuitBreaker", "")
        )
    return ComponentTarget(directions["inbound"], directions["outbound"]), named


def _kind(root: Node) -> str | None:
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value.lower() == "kind":
            return str(value.value) if isinstance(value, ScalarNode) else None
    return None
