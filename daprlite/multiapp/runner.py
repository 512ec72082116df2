"""Run every app of a template, each beside its own Sidecar, in this one asyncio process.

Apps start one after another, each only once the one before is up (so a consumer is reading
before its producer sends); one signal stops them all; an app ending stops only its sidecar.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from daprlite import console
from daprlite.model.errors import DaprliteError, ExitCode
from daprlite.multiapp.logs import AppLogRouter, AppLogs, current_app, sidecar_handler
from daprlite.multiapp.template import RunTemplate, TemplateApp
from daprlite.process.printer import Printer, drain_app_output
from daprlite.runtime.sidecar import Sidecar

log = logging.getLogger("daprlite.multiapp")


@dataclass
class _App:
    spec: TemplateApp
    logs: AppLogs
    sidecar: Sidecar = field(init=False)
    task: asyncio.Task[int] | None = None


@dataclass(frozen=True, slots=True)
class TemplateRecord:
    """What `daprlite list` shows of the template an app of a Multi-App Run came from."""

    run_template_path: str
    run_template_name: str
    app_log_path: str
    daprd_log_path: str


class SidecarRecords(Protocol):
    """Where the CLI keeps each started sidecar for `daprlite list` (its run files)."""

    def add(self, sidecar: Sidecar, template: TemplateRecord | None = None) -> None: ...

    def remove(self, sidecar: Sidecar) -> None: ...


class MultiAppRun:
    def __init__(
        self,
        template: RunTemplate,
        router: AppLogRouter,
        records: SidecarRecords,
        app_environment: Mapping[str, str] | None = None,
    ) -> None:
        self.template = template
        self._router = router
        self._records = records
        self._apps: list[_App] = []
        for spec in template.apps:
            app = _App(spec, AppLogs(spec))
            app.sidecar = Sidecar(
                spec.config,
                printer=Printer(app.logs.app, app_id=spec.config.app_id),
                status=app.logs.daprd,
                on_started=self._recorder(app),
                app_environment=app_environment,
            )
            self._apps.append(app)
        self._started: list[_App] = []
        self._stop = asyncio.Event()
        self._signal: int | None = None
        self._failed = False

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, signum: int | None = None) -> None:
        if signum is not None and self._signal is None:
            self._signal = signum
        self._stop.set()
        for started in self._started:
            started.sidecar.request_stop(signum)

    def app_pids(self) -> list[int]:
        return [s.sidecar.app.pid for s in self._started if s.sidecar.app and s.sidecar.app.pid]

    async def run(self) -> int:
        try:
            for app in self._apps:
                if self._stop.is_set() or not await self._start(app):
                    break
            if not self._failed:
                await self._until_all_done()
        finally:
            self.request_stop()
            await asyncio.gather(*(s.task for s in self._started if s.task), return_exceptions=True)
            await drain_app_output()  # every app's last lines and log files, before we exit
        if self._signal == signal.SIGINT:
            return ExitCode.SIGINT
        if self._signal == signal.SIGTERM:
            return ExitCode.SIGTERM
        return ExitCode.ERROR if self._failed else ExitCode.OK

    async def _until_all_done(self) -> None:
        """Apps that end (or are stopped alone) leave the others running, as the dapr CLI
        does: only a signal, or the last app ending, ends the run."""
        tasks = [s.task for s in self._started if s.task is not None]
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            while not all(t.done() for t in tasks) and not self._stop.is_set():
                await asyncio.wait([*(t for t in tasks if not t.done()), stop],
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
        finally:
            stop.cancel()

    async def _start(self, started: _App) -> bool:
        app_id, logs = started.spec.config.app_id, started.logs
        console.info(f'Validating config and starting app "{app_id}"')
        logs.open()
        self._router.add(app_id, sidecar_handler(started.spec, logs.daprd))
        self._started.append(started)
        # The sidecar's task (and the threads it starts) carry its app id, for the log router.
        context = contextvars.copy_context()
        context.run(current_app.set, app_id)
        task = asyncio.get_running_loop().create_task(self._run_one(started), context=context)
        started.task = task
        ready = asyncio.ensure_future(started.sidecar.ready.wait())
        stop = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait([task, ready, stop], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        stop.cancel()
        if not started.sidecar.ready.is_set():
            if not self._stop.is_set():
                self._failed = True
            return False
        sidecar = started.sidecar
        console.info(
            f'Started Dapr with app id "{app_id}". HTTP Port: {sidecar.http_port}. '
            f"gRPC Port: {sidecar.grpc_port}"
        )
        console.info(f"Writing log files to directory : {logs.dir}")
        return True

    async def _run_one(self, started: _App) -> int:
        app_id = started.spec.config.app_id
        try:
            return await started.sidecar.run()
        except DaprliteError as exc:  # start-up failed for a reason the user can act on
            self._failed = True
            console.failure(f'Error starting Dapr and app ("{app_id}"): {exc}')
            started.logs.daprd.write(f"❌  {exc}\n")
            return ExitCode.ERROR
        except Exception as exc:  # a bug in daprlite: say so, with the traceback in its log
            self._failed = True
            log.exception("app %s: daprlite failed unexpectedly", app_id)
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else repr(exc)
            console.failure(f'daprlite failed unexpectedly for app "{app_id}": {reason}')
            return ExitCode.ERROR
        finally:
            self._records.remove(started.sidecar)
            started.logs.close()
            if not self._stop.is_set():
                console.info(f'App "{app_id}" and its sidecar stopped; the other apps go on')

    def _recorder(self, started: _App) -> Callable[[Sidecar], None]:
        def record(sidecar: Sidecar) -> None:
            logs, extended = started.logs, sidecar.readiness.extended
            extended["runTemplatePath"] = str(self.template.path)
            extended["runTemplateName"] = self.template.name
            extended["appLogPath"] = _text(logs.app_log_path)
            extended["daprdLogPath"] = _text(logs.daprd_log_path)
            template = TemplateRecord(
                run_template_path=str(self.template.path),
                run_template_name=self.template.name,
                app_log_path=_text(logs.app_log_path),
                daprd_log_path=_text(logs.daprd_log_path),
            )
            self._records.add(sidecar, template)

        return record


def _text(path: Path | None) -> str:
    return "" if path is None else str(path)
