"""`daprlite components list|validate`: what a components folder holds, and what is wrong in it."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from daprlite import console
from daprlite.cli.edge import reported
from daprlite.model.config import default_components_path
from daprlite.model.errors import ComponentError, ExitCode

# The loader, the registries, yaml and rich are imported inside the commands: `daprlite --help`
# and the other commands start without them (see cli/__init__.py).
if TYPE_CHECKING:
    from daprlite.model.component import Component

_COLUMNS = ("NAME", "TYPE", "VERSION", "SCOPES", "FILE")
_FORMATS = ("table", "json", "yaml")

components_app = typer.Typer(
    name="components",
    help="List and validate component YAML files.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(components_app)


def _paths_option(*extra: str) -> Any:
    return typer.Option(
        None,
        "--components-path",
        "--resources-path",
        "-d",
        *extra,
        help="Folder (or file) of component YAML (repeatable). Default: $DAPRLITE_HOME/components.",
    )


@components_app.command("list")
def list_components(
    paths: list[Path] = _paths_option(),
    app_id: str = typer.Option(
        "", "--app-id", "-a", help="Show only the components this app would load (scopes)."
    ),
    output: str = typer.Option("table", "--output", "-o", help="table, json or yaml."),
) -> None:
    """Show the binding and secret store components daprlite would load."""
    if output not in _FORMATS:
        console.failure(f"--output must be one of {', '.join(_FORMATS)}, not {output!r}")
        raise typer.Exit(ExitCode.USAGE)
    components = _load(paths, app_id or None)
    if output == "table":
        _print_table(components)
        return
    rows = [_as_dict(c) for c in components]
    if output == "json":
        typer.echo(json.dumps(rows, indent=2))
    else:
        import yaml

        typer.echo(yaml.safe_dump(rows, sort_keys=False), nl=False)


@components_app.command("validate")
def validate(
    paths: list[Path] = _paths_option("-p"),
    kubernetes: bool = typer.Option(
        False,
        "--kubernetes",
        "-k",
        help="Check them for a Kubernetes cluster with Dapr instead: what its API server would "
        "refuse (errors), and what would break there (warnings).",
    ),
) -> None:
    """Check every component file and report each problem with its file:line: the YAML, then
    each component's metadata as its type reads it (nothing is connected to)."""
    if kubernetes:
        from daprlite.cli.kubernetes import validate_for_kubernetes

        raise typer.Exit(validate_for_kubernetes(paths or [default_components_path()]))
    from daprlite.bindings.registry import BindingRegistry
    from daprlite.components.resiliency import ResiliencyLoadError, load_resiliency

    components = _load(paths, None)
    registry = BindingRegistry()
    problems = []
    for component in components:
        if component.category != "bindings":
            continue
        try:
            registry.check(_unresolved(component))
        except ComponentError as exc:
            text = str(exc)
            # A MetadataError names its line already; an init-style error gets the component's.
            problems.append(
                text if text.startswith(str(component.file)) else f"{component.where()}: {text}"
            )
    try:  # the Resiliency resources beside them, as `run` would load them
        load_resiliency(paths or [default_components_path()])
    except ResiliencyLoadError as exc:
        problems.extend(str(problem) for problem in exc.problems)
    if problems:
        told = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        console.failure(f"invalid components ({told}):\n  " + "\n  ".join(problems))
        raise typer.Exit(ExitCode.ERROR)
    count = len(components)
    console.success(f"{count} component{'s' if count != 1 else ''} valid")


def _load(paths: list[Path] | None, app_id: str | None) -> list[Component]:
    from daprlite.bindings.registry import BindingRegistry
    from daprlite.components.loader import load_components
    from daprlite.secretstores.registry import SecretStoreRegistry

    with reported():
        components = load_components(
            paths or [default_components_path()],
            catalogue=BindingRegistry(),
            app_id=app_id,
            secret_stores=SecretStoreRegistry(),
        )
    return components


def _unresolved(component: Component) -> Component:
    """`component` as its type would see it with its secrets filled in: a stand-in value for
    each secretKeyRef, so that a required field read from a secret store counts as given."""
    if not component.secret_refs:
        return component
    metadata = dict(component.metadata)
    for key in component.secret_refs:
        metadata[key] = metadata[key] or "secret-from-store"
    return dataclasses.replace(
        component, metadata=metadata, from_secrets=frozenset(component.secret_refs)
    )


def _as_dict(component: Component) -> dict[str, Any]:
    return {
        "name": component.name,
        "type": component.type,
        "version": component.version,
        "scopes": list(component.scopes),
        "file": str(component.file),
        "line": component.line,
    }


def _cells(component: Component) -> tuple[str, ...]:
    scopes = ",".join(component.scopes) or "-"
    where = f"{component.file}:{component.line}"
    return (component.name, component.type, component.version, scopes, where)


def _print_table(components: list[Component]) -> None:
    rows = [_cells(c) for c in components]
    if not sys.stdout.isatty():
        # Pipes and files get plain aligned columns: no box characters, no colour, no wrapping.
        widths = [max(map(len, column)) for column in zip(_COLUMNS, *rows, strict=True)]
        for row in (_COLUMNS, *rows):
            typer.echo(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*_COLUMNS, header_style="bold", box=None, pad_edge=False)
    for row in rows:
        table.add_row(*row)
    Console().print(table)  # rich turns colour off by itself when NO_COLOR is set
