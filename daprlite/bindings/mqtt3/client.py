"""One MQTT 3.1.1 connection: a paho client on its own network thread, its events handed to
the event loop. Publishing waits for the broker's PUBACK; received messages are acknowledged
only when asked to (manual ack).

paho resends an unacknowledged QoS 1 publish itself after a reconnect, so a publish is handed
to it once and never repeated by daprlite (repeating would duplicate it at the broker).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from daprlite.bindings.mqtt3.settings import Mqtt3Settings
from daprlite.bindings.mqtt3.tls import client_context

log = logging.getLogger("daprlite.bindings.mqtt3")

# daprd waits this long for a connection, a publish's PUBACK or a SUBACK (defaultWait).
WAIT_SECONDS = 10.0
_KEEPALIVE = 60
# paho doubles its pause between reconnect attempts from the first to the second number.
_RECONNECT_DELAYS = (1, 8)


@dataclass(frozen=True, slots=True)
class Received:
    """A message as it arrived, tagged with the connection it came on."""

    topic: str
    payload: bytes
    mid: int
    dup: bool
    retain: bool
    connection: int  # 1 for the first connection, +1 at each reconnect


class MqttError(Exception):
    """A connection or publish failure, in daprd's words."""


class MqttConnection:
    """`on_connected(connection, session_present)` and `on_message(Received)` run on the event
    loop. `connection` counts the connections made so far (1, 2, ...)."""

    def __init__(
        self,
        settings: Mqtt3Settings,
        client_id: str,
        component: str,
        *,
        subscribe: str | None = None,
        on_message: Callable[[Received], None] | None = None,
        on_connected: Callable[[int, bool], None] | None = None,
    ) -> None:
        self._settings, self.client_id, self._component = settings, client_id, component
        self._subscribe, self._on_message = subscribe, on_message
        self._on_connected = on_connected
        self._loop = asyncio.get_running_loop()
        # paho's callbacks run on its thread; what they hand to the loop runs in this context,
        # so that log lines keep their app's tag (a Multi-App Run routes them per app).
        self._context = contextvars.copy_context()
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=settings.clean_session,
            protocol=paho.MQTTv311,
            manual_ack=True,
        )
        broker = settings.broker
        if broker.username is not None:
            self._client.username_pw_set(broker.username, broker.password)
        self._client.reconnect_delay_set(*_RECONNECT_DELAYS)
        self._client.on_connect = self._paho_connected
        self._client.on_connect_fail = self._paho_connect_failed
        self._client.on_disconnect = self._paho_disconnected
        self._client.on_publish = self._paho_published
        self._client.on_subscribe = self._paho_subscribed
        self._client.on_message = self._paho_message
        self.connected = asyncio.Event()
        self.subscribed = asyncio.Event()
        self._refused = asyncio.Event()  # the broker answered CONNACK with a refusal
        self.connection = 0  # written on paho's thread only
        self.last_error = ""
        self._publishes: dict[int, asyncio.Future[None]] = {}
        self._started = False

    async def open(self) -> None:
        """Connect (and subscribe, for a reader) within WAIT_SECONDS, else raise MqttError.
        paho keeps reconnecting on its own thread from then on."""
        broker = self._settings.broker
        if broker.tls:
            context = await asyncio.to_thread(client_context, self._settings, self._component)
            self._client.tls_set_context(context)
        self._client.connect_async(broker.host, broker.port, _KEEPALIVE)
        self._client.loop_start()
        self._started = True
        ready = self.subscribed if self._subscribe is not None else self.connected
        waits = {asyncio.ensure_future(ready.wait()), asyncio.ensure_future(self._refused.wait())}
        try:
            await asyncio.wait(waits, timeout=WAIT_SECONDS, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        if not ready.is_set():
            why = self.last_error or "mqtt client timed out connecting"
            await self.close()
            raise MqttError(f"failed to connect to {broker.describe()}: {why}")

    async def publish(self, topic: str, payload: bytes, retain: bool) -> None:
        """Publish with QoS 1 and wait for the broker's PUBACK (WAIT_SECONDS for a connection,
        then WAIT_SECONDS for the PUBACK)."""
        if not self.connected.is_set():
            try:
                await asyncio.wait_for(self.connected.wait(), WAIT_SECONDS)
            except TimeoutError:
                raise MqttError(f"not connected: {self.last_error or 'timeout'}") from None
        try:
            info = self._client.publish(topic, payload, qos=1, retain=retain)
        except ValueError as exc:  # an invalid topic (a wildcard) or a payload too large
            raise MqttError(str(exc)) from None
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            raise MqttError(paho.error_string(info.rc))
        # NO_CONN: the connection dropped just now; paho keeps the message and sends it on
        # reconnect. The PUBACK callback cannot run before this line: it is queued to the loop.
        done = self._publishes.setdefault(info.mid, self._loop.create_future())
        try:
            await asyncio.wait_for(asyncio.shield(done), WAIT_SECONDS)
        except TimeoutError:
            raise MqttError("mqtt client timeout") from None
        finally:
            if done.done() or self._publishes.get(info.mid) is done:
                self._publishes.pop(info.mid, None)

    def ack(self, received: Received) -> bool:
        """Send the PUBACK of `received` if it came on the current connection; False when it
        did not (its PUBACK would name a packet of the old session)."""
        if received.connection != self.connection or not self.connected.is_set():
            return False
        self._client.ack(received.mid, 1)
        return True

    async def close(self) -> None:
        """Disconnect without unsubscribing, so that a persistent session keeps its place."""
        if not self._started:
            return
        self._started = False
        self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)
        for done in self._publishes.values():
            if not done.done():
                done.set_exception(MqttError("mqtt client closed"))
        self._publishes.clear()

    # --- paho's network thread ---------------------------------------------------------

    def _paho_connected(
        self, client: Any, _userdata: Any, flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            self.last_error = f"connection refused: {reason}"
            self._to_loop(self._refused.set)
            return
        self.connection += 1
        connection, present = self.connection, bool(flags.session_present)
        if self._subscribe is not None:
            # On every (re)connection, as daprd does: a broker without the session lost it.
            client.subscribe(self._subscribe, qos=1)
        self._to_loop(self._connected, connection, present)

    def _paho_connect_failed(self, _client: Any, _userdata: Any) -> None:
        self.last_error = "connection refused or unreachable"
        self._to_loop(self.connected.clear)

    def _paho_disconnected(
        self, _client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        self._to_loop(self._disconnected, str(reason))

    def _paho_published(
        self, _client: Any, _userdata: Any, mid: int, _reason: Any, _props: Any
    ) -> None:
        self._to_loop(self._published, mid)

    def _paho_subscribed(
        self, _client: Any, _userdata: Any, _mid: int, reasons: Any, _props: Any
    ) -> None:
        failed = [str(r) for r in reasons if r.is_failure]
        self._to_loop(self._subscribed, ", ".join(failed))

    def _paho_message(self, _client: Any, _userdata: Any, message: Any) -> None:
        if self._on_message is None or message.qos == 0:
            return
        received = Received(
            topic=message.topic,
            payload=bytes(message.payload),
            mid=message.mid,
            dup=bool(message.dup),
            retain=bool(message.retain),
            connection=self.connection,
        )
        self._to_loop(self._on_message, received)

    def _to_loop(self, callback: Callable[..., object], *args: Any) -> None:
        # RuntimeError: the loop has closed, the process is ending.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args, context=self._context)

    # --- the event loop ----------------------------------------------------------------

    def _connected(self, connection: int, session_present: bool) -> None:
        self.last_error = ""
        self._refused.clear()
        self.connected.set()
        if connection > 1:
            log.info(
                "component %s: reconnected to %s as %s",
                self._component,
                self._settings.broker.describe(),
                self.client_id,
            )
        if self._on_connected is not None:
            self._on_connected(connection, session_present)

    def _disconnected(self, reason: str) -> None:
        if self._refused.is_set() and not self.connected.is_set():
            return  # the refusal (bad credentials, say) already says why; this adds nothing
        if self._started:
            self.last_error = f"connection lost: {reason}"
            log.error(
                "component %s: connection with broker with client ID '%s' lost: %s",
                self._component,
                self.client_id,
                reason,
            )
        self.connected.clear()

    def _subscribed(self, failed: str) -> None:
        if failed:
            self.last_error = f"subscription to {self._subscribe} refused: {failed}"
            log.error("component %s: %s", self._component, self.last_error)
        else:
            self.subscribed.set()

    def _published(self, mid: int) -> None:
        done = self._publishes.get(mid)
        if done is not None and not done.done():
            done.set_result(None)
