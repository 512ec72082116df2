"""A run template → every manifest a cluster needs: per app the Deployment (and Service) where
`dapr run -f -k` writes them, and, once beside the template, the components unchanged, the
Configuration of `configFilePath`, and a `secretstores.kubernetes` for each local secret store.

Why the shared files sit beside the template, not per app: Components and Configurations are
namespace-wide (every Dapr app of the namespace sees them), so one copy serves all apps, and
`dapr stop -f -k` (which deletes each app's deployment.yaml and service.yaml) leaves them in place.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node

from daprlite.components.loader import compose_documents
from daprlite.kubernetes.findings import Finding, in_order
from daprlite.kubernetes.lints import ComponentDoc
from daprlite.kubernetes.manifests import (
    DEFAULT_PULL_POLICY,
    PULL_POLICIES,
    deployment,
    service,
)
from daprlite.kubernetes.names import app_id_problems
from daprlite.kubernetes.schema import pairs
from daprlite.kubernetes.validate import check_paths
from daprlite.multiapp.template import RunTemplate, TemplateApp

DEPLOY_DIR = Path(".dapr") / "deploy"
LOCAL_SECRET_STORES = frozenset({"secretstores.local.file", "secretstores.local.env"})
# An envRef of one of these names is a credential: it goes through a secret, never into a file.
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY", re.I)


@dataclass(frozen=True, slots=True)
class Manifest:
    """One file to write: `app` None for the namespace-wide ones (kept beside the template)."""

    name: str  # deployment.yaml, service.yaml, or the shared file's name
    text: str
    app: TemplateApp | None = None


@dataclass(slots=True)
class Rendered:
    manifests: list[Manifest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # `kubectl create secret` lines to run

    def cli_layout(self, template: RunTemplate) -> list[tuple[Path, str]]:
        """Where `dapr run -f -k` writes: <appDirPath>/.dapr/deploy/; shared: beside dapr.yaml."""
        base = template.path.parent / DEPLOY_DIR
        return [
            ((m.app.app_dir / DEPLOY_DIR if m.app else base) / m.name, m.text)
            for m in self.manifests
        ]

    def flat_layout(self, folder: Path) -> list[tuple[Path, str]]:
        """Every file in one folder (one `kubectl apply -f folder`): <app id>-deployment.yaml."""
        return [
            (folder / (f"{m.app.config.app_id}-{m.name}" if m.app else m.name), m.text)
            for m in self.manifests
        ]


def render(template: RunTemplate, environ: Mapping[str, str] | None = None) -> Rendered:
    """`environ` (default os.environ) gives the cluster its envRef values, as the local
    environment gives them to a local sidecar."""
    env = os.environ if environ is None else environ
    out = Rendered()
    paths = _unique(p for app in template.apps for p in app.config.components_paths)
    checked = check_paths(paths)
    out.findings.extend(checked.findings)
    stores = {d.name: d for d in checked.components if d.type.lower() in LOCAL_SECRET_STORES}
    out.manifests.extend(_shared_components(checked.files, checked.components, stores))
    configs: dict[Path, str] = {}
    for app in template.apps:
        config_name = _configuration(app, configs, out)
        loaded = [d for d in checked.components if _loads(d, app.config.app_id)]
        dapr_env = _dapr_env(app, loaded, env, out)
        image, policy = _container(app, template.path, out)
        if app.config.app_id and app_id_problems(app.config.app_id):
            for problem in app_id_problems(app.config.app_id):
                out.findings.append(Finding("error", template.path, app.line, problem))
        header = f"# Rendered by daprlite from {template.path.name} (app {app.config.app_id}).\n"
        if app.other_keys.get("createService") is True:
            out.manifests.append(Manifest("service.yaml", header + _dump(service(app)), app))
        body = deployment(
            app, image=image, pull_policy=policy, config_name=config_name, dapr_env=dapr_env
        )
        out.manifests.append(Manifest("deployment.yaml", header + _dump(body), app))
    out.secrets.extend(_secret_commands(checked.components))
    out.findings = in_order(out.findings)
    return out


def _unique(paths: Any) -> list[Path]:
    seen: dict[Path, None] = {}
    for path in paths:
        seen.setdefault(Path(path).resolve(), None)
    return list(seen)


def _loads(doc: ComponentDoc, app_id: str) -> bool:
    scopes = [scope for scope, _ in doc.scopes or ()]
    return not scopes or app_id in scopes


def _shared_components(
    files: list[Path], docs: list[ComponentDoc], stores: Mapping[str, ComponentDoc]
) -> list[Manifest]:
    """Each component file unchanged (the point: the same YAML in both worlds); a local secret
    store becomes `secretstores.kubernetes` of the same name, so references need no edit."""
    manifests: list[Manifest] = []
    used: set[str] = set()
    for file in files:
        local = [d for d in docs if d.file == file and d.name in stores]
        if not local:
            manifests.append(Manifest(_free(file.name, used), file.read_text(encoding="utf-8")))
            continue
        roots, _ = compose_documents(file)
        text = file.read_text(encoding="utf-8")
        skipped = {d.root.start_mark.index for d in local}  # the same file read again
        kept = [_source(text, r) for r in roots if r.start_mark.index not in skipped]
        if kept:
            manifests.append(Manifest(_free(file.name, used), "---\n".join(kept)))
        for doc in local:
            manifests.append(Manifest(_free(f"secretstore-{doc.name}.yaml", used), _store(doc)))
    return manifests


def _free(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        stem, _, suffix = name.rpartition(".")
        candidate, number = f"{stem}-{number}.{suffix}", number + 1
    used.add(candidate)
    return candidate


def _source(text: str, root: Node) -> str:
    start, end = root.start_mark.index, root.end_mark.index
    return text[start:end].rstrip() + "\n"


def _store(doc: ComponentDoc) -> str:
    body: dict[str, Any] = {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": doc.name},
        "spec": {"type": "secretstores.kubernetes", "version": "v1", "metadata": []},
    }
    if doc.scopes:
        body["scopes"] = [scope for scope, _ in doc.scopes]
    return (
        f"# The cluster's half of secret store {doc.name} ({doc.file.name} locally): the same\n"
        "# name, reading Kubernetes Secrets of the namespace, so secretKeyRefs need no edit.\n"
        + _dump(body)
    )


def _configuration(app: TemplateApp, seen: dict[Path, str], out: Rendered) -> str | None:
    """The app's configFilePath as a Configuration manifest; its name goes in `dapr.io/config`
    (the CLI would name `appconfig` only if that exists in the cluster)."""
    file = app.config.config_file
    if file is None:
        return None
    if file in seen:
        return seen[file]
    roots, _ = compose_documents(file)
    name = ""
    for root in roots:
        fields = {k: v for k, _, v in pairs(root)}
        if getattr(fields.get("kind"), "value", "") == "Configuration":
            meta = {k: v for k, _, v in pairs(fields["metadata"])} if "metadata" in fields else {}
            name = str(getattr(meta.get("name"), "value", "") or "")
    if not name:
        out.findings.append(
            Finding("error", file, 1, "a Configuration needs metadata.name for dapr.io/config")
        )
        return None
    seen[file] = name
    out.manifests.append(Manifest(f"configuration-{name}.yaml", file.read_text(encoding="utf-8")))
    return name


def _dapr_env(
    app: TemplateApp, loaded: list[ComponentDoc], env: Mapping[str, str], out: Rendered
) -> dict[str, str]:
    found: dict[str, str] = {}
    for doc in loaded:
        for entry in doc.entries:
            name = entry.env_ref
            if not name or name in found:
                continue
            line = doc.where(entry.node)
            if _SECRET_NAME.search(name):
                out.findings.append(Finding("warning", doc.file, line, (
                    f"envRef {name} looks like a credential: it is not written into dapr.io/env "
                    "(a manifest is plain text); use secretKeyRef, or dapr.io/env-from-secret"
                )))  # fmt: skip
            elif name not in env:
                out.findings.append(Finding("warning", doc.file, line, (
                    f"envRef {name} is not set here, so app {app.config.app_id}'s sidecar would "
                    f"read it empty: render with {name}=<the cluster's value> set"
                )))  # fmt: skip
            else:
                found[name] = env[name]
    return found


def _container(app: TemplateApp, template: Path, out: Rendered) -> tuple[str, str]:
    image = str(app.other_keys.get("containerImage") or "")
    if not image:
        out.findings.append(Finding("error", template, app.line, (
            f"app {app.config.app_id}: containerImage is required on Kubernetes: the cluster runs "
            "a prebuilt image (dapr run -f -k builds none); add containerImage: <image>"
        )))  # fmt: skip
    policy = str(app.other_keys.get("containerImagePullPolicy") or DEFAULT_PULL_POLICY)
    if policy not in PULL_POLICIES:
        out.findings.append(Finding("error", template, app.line, (
            f"app {app.config.app_id}: containerImagePullPolicy {policy!r} must be one of "
            + ", ".join(PULL_POLICIES)
        )))  # fmt: skip
    return image, policy


def _secret_commands(docs: list[ComponentDoc]) -> list[str]:
    """`kubectl create secret` for each Secret the components read (keys only, no values)."""
    keys: dict[str, list[str]] = {}
    for doc in docs:
        for entry in doc.entries:
            ref = {k: v for k, _, v in pairs(entry.secret_ref)} if entry.secret_ref else {}
            name = str(getattr(ref.get("name"), "value", "") or "")
            if name:
                key = str(getattr(ref.get("key"), "value", "") or name)
                keys.setdefault(name, [])
                if key not in keys[name]:
                    keys[name].append(key)
    return [
        f"kubectl create secret generic {name} --namespace default "
        + " ".join(f"--from-literal={key}=<value>" for key in names)
        for name, names in keys.items()
    ]


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key (as kubectl writes them)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True  # the same labels in three places are written three times, not as &id001


def _dump(body: dict[str, Any]) -> str:
    return yaml.dump(body, Dumper=_Dumper, sort_keys=False, default_flow_style=False)
