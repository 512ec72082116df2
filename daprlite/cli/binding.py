"""`daprlite binding invoke`: call an output binding from the shell, through a running sidecar
(found by app id) or a short-lived one started here from a components folder.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import typer

from daprlite import console
from daprlite.cli.edge import reported
from daprlite.model.config import RunConfig, api_token_from_env, default_components_path
from daprlite.model.errors import ConfigError, DaprliteError, ExitCode, SidecarError
from daprlite.process.runs import live_entries

# asyncio and aiohttp (and, for --components-path, the runtime) are imported inside the
# functions that call a sidecar: `daprlite --help` and the other commands start without them
# (see cli/__init__.py).

binding_app = typer.Typer(name="binding", help="Use output bindings.", no_args_is_help=True)

# The id of the short-lived sidecar: components scoped to particular apps are not loaded by it.
CLI_APP_ID = "daprlite-cli"
_TIMEOUT = 60.0


def register(app: typer.Typer) -> None:
    app.add_typer(binding_app)


@binding_app.command("invoke")
def invoke(
    name: str = typer.Argument(..., help="The binding component's name."),
    operation: str = typer.Option("create", "--operation", "-o", help="e.g. create."),
    data: str = typer.Option(
        None, "--data", "-d", help="The data: JSON (sent as JSON) or any other text."
    ),
    data_file: Path | None = typer.Option(None, "--data-file", help="Read the data from a file."),
    metadata: list[str] = typer.Option(
        None, "--metadata", "-m", help="Request metadata as key=value (repeatable)."
    ),
    app_id: str = typer.Option("", "--app-id", "-a", help="Use the sidecar of this running app."),
    components_path: list[Path] = typer.Option(
        None,
        "--components-path",
        "--resources-path",
        help="Start a short-lived sidecar from these components instead (no app).",
    ),
) -> None:
    """Invoke an output binding and print Dapr's answer; exit 1 on an error."""
    import asyncio

    with reported():
        body = _request_body(operation, data, data_file, metadata or [])
        if app_id:
            port = _running_port(app_id)
            status, payload = asyncio.run(_post(port, name, body))
        else:
            paths = tuple(components_path or [default_components_path()])
            status, payload = asyncio.run(_through_short_lived_sidecar(paths, name, body))
    text = payload.decode("utf-8", errors="replace")
    if status >= 400:
        console.failure(f"binding {name} answered HTTP {status}: {text}")
        raise typer.Exit(ExitCode.ERROR)
    console.success(f"binding {name} invoked ({operation}): HTTP {status}")
    if text:
        typer.echo(text)


def _request_body(
    operation: str, data: str | None, data_file: Path | None, metadata: list[str]
) -> dict[str, Any]:
    if data is not None and data_file is not None:
        raise ConfigError("give --data or --data-file, not both")
    if data_file is not None:
        try:
            data = data_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read --data-file {data_file}: {exc.strerror}") from exc
    body: dict[str, Any] = {"operation": operation}
    if data is not None:
        try:
            body["data"] = json.loads(data)
        except ValueError:
            body["data"] = data  # not JSON: sent as a JSON string, as an SDK would
    pairs: dict[str, str] = {}
    for item in metadata:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--metadata takes key=value, not {item!r}")
        pairs[key] = value
    if pairs:
        body["metadata"] = pairs
    return body


def _running_port(app_id: str) -> int:
    for entry in live_entries():
        if entry.app_id == app_id:
            return entry.http_port
    raise DaprliteError(
        f"couldn't find app id {app_id}: is it running (`daprlite list`)? "
        "Or use --components-path to invoke without a running app"
    )


async def _post(port: int, name: str, body: dict[str, Any]) -> tuple[int, bytes]:
    import aiohttp

    headers = {}
    if token := api_token_from_env():
        headers["dapr-api-token"] = token
    url = f"http://127.0.0.1:{port}/v1.0/bindings/{name}"
    timeout = aiohttp.ClientTimeout(total=_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=body, headers=headers) as response,
        ):
            return response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SidecarError(f"the sidecar on port {port} did not answer: {exc}") from exc


async def _through_short_lived_sidecar(
    paths: tuple[Path, ...], name: str, body: dict[str, Any]
) -> tuple[int, bytes]:
    from daprlite.runtime.sidecar import Sidecar

    config = RunConfig.create(app_id=CLI_APP_ID, components_paths=paths, log_level="error")
    console.setup_logging(CLI_APP_ID, "error")
    # Its start-up lines are for `daprlite run`; here only the answer matters.
    sidecar = Sidecar(config, status=io.StringIO())
    try:
        await sidecar.startup()
        return await _post(sidecar.http_port, name, body)
    finally:
        await sidecar.shutdown()
