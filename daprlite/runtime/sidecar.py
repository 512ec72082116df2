"""The embedded sidecar: start-up and shutdown in an explicit order, around the user's app.

startup:  components → secret stores → bindings → HTTP API (outbound ready) → app → app port
          → inputs → ready
shutdown: inputs drained and committed → app stopped → API closed → output bindings closed
          → secret stores closed
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from daprlite import console
from daprlite.api.core import DaprAPI
from daprlite.api.http import HTTPAPI
from daprlite.bindings.registry import BindingRegistry
from daprlite.components.loader import load_components
from daprlite.components.resiliency import load_resiliency
from daprlite.model.config import RunConfig
from daprlite.model.errors import AppError, ConfigError, ExitCode
from daprlite.model.observer import NO_OBSERVER, Observer
from daprlite.model.readiness import Readiness
from daprlite.model.resiliency import NO_RECORDER
from daprlite.model.store import CompStore
from daprlite.model.tracing import NO_TRACER, Tracer
from daprlite.observability.app_log import AppLog
from daprlite.observability.fanout import combine
from daprlite.observability.introspection import Introspection
from daprlite.observability.metrics import Metrics
from daprlite.observability.tail import MessageTail
from daprlite.process.printer import Printer, drain_app_output
from daprlite.process.supervisor import AppProcess, LineSink
from daprlite.resiliency.provider import Resiliency
from daprlite.runtime.app_port import wait_for_port
from daprlite.runtime.inputs import start_inputs, stop_inputs
from daprlite.runtime.processor import init_components
from daprlite.secretstores.registry import SecretStoreRegistry
from daprlite.serving.http1 import HTTPServer

if TYPE_CHECKING:
    from daprlite.runtime.app_channel import AppChannel

log = logging.getLogger("daprlite.runtime")

READY_LINE = "You're up and running! Both Dapr and your app logs will appear here."


class Sidecar:
    def __init__(
        self,
        config: RunConfig,
        registry: BindingRegistry | None = None,
        printer: LineSink | None = None,
        *,
        status: TextIO | None = None,
        on_started: Callable[[Sidecar], None] | None = None,
        app_environment: Mapping[str, str] | None = None,
        observer: Observer = NO_OBSERVER,
        tracer: Tracer | None = None,
    ) -> None:
        """`status`: where the ℹ️/✅ lines go (default stdout; a Multi-App Run gives each sidecar
        its daprd log). `on_started`: called once the ports are open and the app is started.
        `app_environment`: what the app inherits before the Dapr variables (default: ours).
        `observer`: told of every output call and input delivery (metrics, tracing)."""
        self.config = config
        self._status = status
        self._on_started = on_started
        # Set when start-up has finished; a Multi-App Run waits on it before the next app.
        self.ready = asyncio.Event()
        self._user_env = dict(os.environ if app_environment is None else app_environment)
        self.registry = registry or BindingRegistry()
        self.secret_registry = SecretStoreRegistry()
        self.printer = printer or Printer()
        self.store = CompStore()
        self.readiness = Readiness()
        # `tracer`: spans and trace headers (default: as the run's Configuration says).
        self.tracer = tracer if tracer is not None else tracer_for(config)
        # Metrics and the dashboard's live tail hang on the observer seam; with
        # --enable-metrics=false there is no observability port and nothing is recorded.
        self.metrics: Metrics | None = None
        self.introspection: Introspection | None = None
        if config.serves_metrics:
            self.metrics = Metrics(config.app_id)
            self.introspection = Introspection(
                config.app_id, self.store, self.tracer, MessageTail(), AppLog(self.printer)
            )
            self.introspection.tracing = self.tracer is not NO_TRACER
            observer = combine(observer, self.metrics, self.introspection.tail)
        self.observer = observer
        self.api = DaprAPI(
            config,
            self.store,
            self.readiness,
            self.request_stop,
            observer,
            self.tracer,
            on_error_code=_error_code_recorder(self.metrics, config),
        )
        self.http_port = 0
        self.grpc_port = 0
        self.metrics_port = 0
        self._metrics_server: Any = None
        self.app: AppProcess | None = None
        self._channel: AppChannel | None = None
        self._http: HTTPServer | None = None
        self._grpc_server: Any = None
        self._stop = asyncio.Event()
        self._stop_signal: int | None = None
        self.resiliency = Resiliency()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, signum: int | None = None) -> None:
        """Ask for a graceful stop (a signal, `POST /v1.0/shutdown`, or the app ending)."""
        if signum is not None and self._stop_signal is None:
            self._stop_signal = signum
        self._stop.set()

    async def run(self) -> int:
        try:
            try:
                await self.startup()
            except _StopDuringStartup:
                return await self._exit_code()
            return await self.serve()
        finally:
            await self.shutdown()

    async def startup(self) -> None:
        started = time.monotonic()
        cfg = self.config
        log.info("starting daprlite sidecar for app %s", cfg.app_id)
        components = load_components(
            list(cfg.components_paths),
            catalogue=self.registry,
            app_id=cfg.app_id,
            secret_stores=self.secret_registry,
        )
        await self._open_metrics()
        self._load_resiliency()
        await init_components(
            components,
            self.registry,
            self.store,
            self.metrics,
            secret_registry=self.secret_registry,
            # daprd runs in the app's folder under Multi-App Run, else where it was started.
            working_dir=cfg.app_dir,
        )
        await self._open_http()
        await self._open_grpc()
        self.readiness.outbound_ready = True
        console.info(
            f"Starting Dapr with id {cfg.app_id}. HTTP Port: {self.http_port}. "
            f"gRPC Port: {self.grpc_port}",
            self._status,
        )
        log.info(
            "dapr initialized. Status: Running. Init Elapsed %.0fms",
            (time.monotonic() - started) * 1000,
        )
        if self._stop.is_set():
            raise _StopDuringStartup  # asked to stop while components were starting
        if cfg.command:
            await self._start_app()
        if self._on_started is not None:
            self._on_started(self)
        if cfg.app_port:
            await self._wait_for_app(cfg.app_port)
        else:
            self.readiness.app_ready = True
            if self.store.inputs:
                log.warning("App channel is not initialized. Did you configure an app-port?")
        console.success(READY_LINE, self._status)
        self.ready.set()

    def _load_resiliency(self) -> None:
        """daprd reads the Resiliency resources of the resources path before the components
        start; outbound calls and input deliveries then run under their policies."""
        policies = load_resiliency(list(self.config.components_paths), self.config.app_id)
        log.debug("Found %d resiliency configurations in resources path", len(policies.sources))
        for source in policies.sources:
            log.info("Loading Resiliency configuration: %s", source.name)
        recorder = self.metrics if self.metrics is not None else NO_RECORDER
        self.resiliency = Resiliency(policies, recorder)
        self.api.resiliency = self.resiliency

    async def _open_metrics(self) -> None:
        if self.metrics is None:
            return
        from daprlite.observability.server import MetricsServer

        # daprd listens on 0.0.0.0 by default; daprlite keeps every port on loopback.
        sock = bind_loopback(self.config.metrics_port)
        self._metrics_server = MetricsServer(self.metrics, self.introspection)
        await self._metrics_server.start(sock)
        self.metrics_port = self._metrics_server.port

    async def _open_http(self) -> None:
        record = None
        if self.metrics is not None:
            from daprlite.observability.http_server import http_request_recorder

            record = http_request_recorder(self.metrics)
        api = HTTPAPI(self.api, api_token=self.config.api_token, record=record)
        self._http = HTTPServer(api.answer, self.config.max_body_bytes)
        # Bind first, then serve: port 0 asks the kernel for a free port, and reading it back
        # from the socket leaves no window in which another process could take it.
        sock = bind_loopback(self.config.dapr_http_port)
        self.http_port = sock.getsockname()[1]
        await self._http.start(sock)
        log.info("HTTP server is running on port %d", self.http_port)

    async def _open_grpc(self) -> None:
        # The port opens now; the Dapr service and its protobuf messages load on a worker
        # thread meanwhile (api/grpc_deferred: ~100 ms of imports off the start-up path).
        from daprlite.api.grpc_deferred import DeferredService
        from daprlite.api.grpc_wire import Service, serve

        recorder = None
        if self.metrics is not None:
            from daprlite.observability.grpc_server import GrpcServerMetrics

            recorder = GrpcServerMetrics(self.metrics)
        api, token = self.api, self.config.api_token

        def build() -> Service:
            from daprlite.api.grpc import DaprService

            return DaprService(api, token, recorder)

        self._grpc_server, self.grpc_port = await serve(
            DeferredService(build), self.config.dapr_grpc_port
        )

    async def _start_app(self) -> None:
        cfg = self.config
        env = self._user_env | cfg.app_env(self.http_port, self.grpc_port)
        # The app's lines also go to the dashboard's log view when there is one.
        printer = self.introspection.app_log if self.introspection else self.printer
        app = AppProcess(list(cfg.command), printer=printer, env=env, cwd=cfg.app_dir)
        await app.start()
        # Only a started app is ours to stop: a command that could not start leaves none.
        self.app = app
        self.readiness.extended["appCommand"] = " ".join(cfg.command)
        self.readiness.extended["appPID"] = str(self.app.pid)
        self.readiness.extended["cliPID"] = str(os.getpid())
        console.info(f"Updating metadata for app command: {' '.join(cfg.command)}", self._status)

    async def _wait_for_app(self, port: int) -> None:
        """Wait for the app's port, then start the input bindings it subscribed to."""
        self._channel = self._open_app_channel(port)
        log.info(
            "application protocol: %s. waiting on port %d.  This will block until the app is "
            "listening on that port.",
            self.config.app_protocol,
            port,
        )
        address, timeout = self.config.app_channel_address, self.config.app_startup_timeout
        with console.spinner(f"Waiting for the app to listen on port {port}", self._status):
            await self._unless_app_exits(wait_for_port(address, port, timeout))
        log.info("application discovered on port %d", port)
        await self._unless_app_exits(self._channel.load_app_config(self.config.app_id))
        self.readiness.app_ready = True
        await self._unless_app_exits(
            start_inputs(self.store, self._channel, self.observer, self.metrics, self.resiliency)
        )

    def _open_app_channel(self, port: int) -> AppChannel:
        address, token = self.config.app_channel_address, self.config.app_api_token
        calls = None
        if self.metrics is not None:  # the calls to the app: dapr_http_client_*, ..._client_*
            from daprlite.observability.app_calls import AppCallMetrics

            calls = AppCallMetrics(self.metrics)
        if self.config.app_protocol == "grpc":
            # Imported here: the gRPC stubs cost start-up time that HTTP apps need not pay.
            from daprlite.runtime.app_channel_grpc import GrpcAppChannel

            return GrpcAppChannel(port, address, token, self.tracer, calls)
        # Imported here: aiohttp's client is not needed before the app is, and importing it
        # would delay the API's ports (start-up is measured to outbound-ready).
        from daprlite.runtime.app_channel import HttpAppChannel

        return HttpAppChannel(port, address, token, self.tracer, calls)

    async def _unless_app_exits(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a start-up step, but give up early when the app dies or a stop is requested."""
        step = asyncio.ensure_future(work)
        watchers: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._stop.wait())}
        if self.app is not None:
            watchers.add(asyncio.ensure_future(self.app.wait()))
        try:
            await asyncio.wait({step, *watchers}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for watcher in watchers:
                watcher.cancel()
        if not step.done():
            step.cancel()
            await asyncio.gather(step, return_exceptions=True)
            if self._stop.is_set():
                raise _StopDuringStartup
            raise AppError("the app exited before it was ready; see its output above")
        step.result()

    async def serve(self) -> int:
        """Wait until the app ends or a stop is asked for; return daprlite's exit code."""
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._stop.wait())}
        if self.app is not None:
            waits.add(asyncio.ensure_future(self.app.wait()))
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in waits:
            task.cancel()
        return await self._exit_code()

    async def _exit_code(self) -> int:
        if self._stop_signal == signal.SIGINT:
            return ExitCode.SIGINT
        if self._stop_signal == signal.SIGTERM:
            return ExitCode.SIGTERM
        if self.app is not None and self.app.returncode is not None:
            code = self.app.returncode
            if code == 0:
                console.success("Exited App successfully", self._status)
            else:
                console.failure(f"The App process exited with error code: {code}", self._status)
            return code
        return ExitCode.OK

    async def shutdown(self) -> None:
        log.info("dapr shutting down.")
        self.readiness.app_ready = False
        await stop_inputs(self.store)
        if self.app is not None:
            await self.app.terminate(self.config.shutdown_grace)
            await drain_app_output()  # its last lines are printed before anything that follows
        if self._channel is not None:
            await self._channel.close()
        if self._http is not None:
            await self._http.close()
        if self._grpc_server is not None:
            await self._grpc_server.stop(grace=1.0)
        if self._metrics_server is not None:
            await self._metrics_server.close()
        for name, binding in self.store.outputs.items():
            try:
                await binding.close()
            except Exception:
                log.exception("output binding %s did not close cleanly", name)
        for name, secrets in self.store.secret_stores.items():
            try:
                await secrets.close()
            except Exception:
                log.exception("secret store %s did not close cleanly", name)
        await self.tracer.close()  # last: the spans of everything above are exported
        log.info("Dapr sidecar stopped.")


def _error_code_recorder(
    metrics: Metrics | None, config: RunConfig
) -> Callable[[str], None] | None:
    # daprd registers dapr_error_code_total only with metrics on and recordErrorCodes: true.
    if metrics is None or not config.record_error_codes:
        return None
    from daprlite.observability.error_codes import ErrorCodeMetrics

    return ErrorCodeMetrics(metrics).record


def tracer_for(config: RunConfig) -> Tracer:
    if config.tracing is None or not config.tracing.enabled:
        return NO_TRACER
    # Imported only when tracing is on: the OpenTelemetry SDK costs start-up time.
    from daprlite.observability.tracing import OtelTracer

    return OtelTracer(config.app_id, config.tracing)


def bind_loopback(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1; a busy port is a clear error, not a traceback."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"port {port} is already in use on 127.0.0.1; pick another port or leave the flag "
            "out to get a free one"
        ) from exc
    sock.listen(512)
    sock.setblocking(False)
    return sock


class _StopDuringStartup(Exception):
    """A stop was requested before start-up finished; not an error."""
