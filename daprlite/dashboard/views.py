"""The dashboard's JSON documents (Apps, Bindings, Partitions), built from the poller's state.
Every value that reaches the page passes through here or the server's proxies."""

from __future__ import annotations

from typing import Any

from daprlite.dashboard.burrow import Status
from daprlite.dashboard.poller import AppState, PartitionKey
from daprlite.dashboard.rates import binding_rates, totals_by_component
from daprlite.model.redaction import masked

_CAPABILITY_DIRECTIONS = {"INPUT_BINDING": "input", "OUTPUT_BINDING": "output"}


def component_label(component: dict[str, Any]) -> str:
    """`sample-topic (bindings.kafka/v1)`, as the seed tutorial reads it."""
    name, kind = component.get("name", ""), component.get("type", "")
    version = component.get("version", "")
    return f"{name} ({kind}/{version})" if version else f"{name} ({kind})"


def app_view(state: AppState) -> dict[str, Any]:
    entry, meta = state.sidecar.entry, state.metadata
    loaded = {c.get("name"): c for c in (state.status or {}).get("components") or []}
    components = [
        {
            "name": c.get("name", ""),
            "type": c.get("type", ""),
            "version": c.get("version", ""),
            "capabilities": list(c.get("capabilities") or []),
            "label": component_label(c),
            "scopes": list(loaded.get(c.get("name"), {}).get("scopes") or []),
            "file": loaded.get(c.get("name"), {}).get("file", ""),
        }
        for c in (meta or {}).get("components") or []
    ]
    init_errors = (state.status or {}).get("initErrors") or []
    return {
        "key": state.sidecar.key,
        "appId": entry.app_id,
        "httpPort": entry.http_port,
        "grpcPort": entry.grpc_port,
        "appPort": entry.app_port,
        "metricsPort": entry.metrics_port,
        "command": entry.command,
        "created": entry.created,
        "cliPid": entry.cli_pid,
        "appPid": entry.app_pid,
        "multiApp": entry.multi_app,
        "runTemplatePath": entry.run_template_path,
        "appLogPath": entry.app_log_path,
        "status": "metadata unreachable" if state.metadata_error else "running",
        "error": state.metadata_error,
        "metricsError": state.metrics_error,
        "components": components,
        "initErrors": [
            {"name": e.get("name", ""), "type": e.get("type", ""), "error": e.get("error", "")}
            for e in init_errors
        ],
    }


def apps_view(apps: dict[str, AppState]) -> list[dict[str, Any]]:
    return [app_view(state) for state in apps.values()]


def bindings_view(apps: dict[str, AppState]) -> list[dict[str, Any]]:
    """One row per app, binding and direction: rates from the metrics, and a zero row for a
    binding the metadata lists but that has no traffic yet."""
    rows: list[dict[str, Any]] = []
    for state in apps.values():
        rows += _app_binding_rows(state)
    rows.sort(key=lambda r: (r["appId"], r["binding"], r["direction"]))
    return rows


def _app_binding_rows(state: AppState) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    history = list(state.scrapes)
    for r in binding_rates(history):
        seen.add((r.component, r.direction))
        rows.append(
            _binding_row(state, r.component, r.direction)
            | {
                "perSecond": r.per_second,
                "p50Ms": r.p50_ms,
                "p95Ms": r.p95_ms,
                "errorsWindow": r.errors_window,
                "errorsTotal": r.errors_total,
                "total": r.total,
            }
        )
    for c in (state.metadata or {}).get("components") or []:
        name = str(c.get("name", ""))
        for capability in c.get("capabilities") or []:
            direction = _CAPABILITY_DIRECTIONS.get(capability)
            if direction and (name, direction) not in seen:
                seen.add((name, direction))
                rows.append(_binding_row(state, name, direction))
    if history:
        newest = history[-1]
        retries = totals_by_component(newest, "daprlite_input_binding_retries_total")
        given_up = totals_by_component(newest, "daprlite_input_binding_given_up_total", "outcome")
        for row in rows:
            if row["direction"] == "input":
                row["retries"] = retries.get((row["binding"], ""), 0.0)
                row["deadLettered"] = given_up.get((row["binding"], "dead_lettered"), 0.0)
                row["skipped"] = given_up.get((row["binding"], "skipped"), 0.0)
    return rows


def _binding_row(state: AppState, binding: str, direction: str) -> dict[str, Any]:
    return {
        "key": state.sidecar.key,
        "appId": state.sidecar.app_id,
        "binding": binding,
        "direction": direction,
        "metricsEnabled": state.sidecar.observability is not None,
        "perSecond": 0.0,
        "p50Ms": None,
        "p95Ms": None,
        "errorsWindow": 0.0,
        "errorsTotal": 0.0,
        "total": 0.0,
        "retries": None,
        "deadLettered": None,
        "skipped": None,
    }


def partitions_view(apps: dict[str, AppState], now: float) -> dict[str, Any]:
    """Per app, binding, group and partition: where delivery stands, with its Burrow status;
    a partition held up by a failing message is STALL at once. Then the dead letters."""
    partitions: list[dict[str, Any]] = []
    dead_letters: list[dict[str, Any]] = []
    for state in apps.values():
        reported: set[PartitionKey] = set()
        for binding in (state.status or {}).get("inputBindings") or []:
            name = str(binding.get("name", ""))
            for p in binding.get("partitions") or []:
                key = (name, str(p.get("group", "")), str(p.get("topic", "")),
                       int(p.get("partition", 0)))  # fmt: skip
                reported.add(key)
                window = state.windows.get(key)
                status = window.status(now) if window else Status.OK
                retrying = p.get("retrying")
                if retrying:
                    status = Status.STALL
                position, end = p.get("position"), p.get("end")
                if position is not None and end is not None:
                    # The sidecar reads the high watermark once a second; a position past it
                    # proves the end is at least there.
                    end = max(end, position)
                partitions.append(
                    _partition_row(state, key)
                    | {
                        "position": position,
                        "end": end,
                        "lag": p.get("lag"),
                        "pending": p.get("pending"),
                        "status": status.value,
                        "retrying": _retrying(retrying) if retrying else None,
                    }
                )
            for d in binding.get("deadLetters") or []:
                dead_letters.append(
                    {"key": state.sidecar.key, "appId": state.sidecar.app_id, "binding": name}
                    | {k: d.get(k) for k in _DEAD_LETTER_FIELDS}
                )
        # Known but no longer reported (sidecar unreachable, partition revoked): Burrow decides.
        for key, window in state.windows.items():
            if key not in reported and window.offsets:
                last = window.offsets[-1]
                partitions.append(
                    _partition_row(state, key)
                    | {
                        "position": last.position,
                        "end": last.position + last.lag,
                        "lag": last.lag,
                        "pending": None,
                        "status": window.status(now).value,
                        "retrying": None,
                        "unreported": True,
                    }
                )
    partitions.sort(key=lambda r: (r["appId"], r["binding"], r["topic"], r["partition"]))
    return {"partitions": partitions, "deadLetters": dead_letters}


_DEAD_LETTER_FIELDS = ("time", "deadLetterTopic", "topic", "partition", "offset", "key",
                       "error", "attempts")  # fmt: skip


def _partition_row(state: AppState, key: PartitionKey) -> dict[str, Any]:
    binding, group, topic, partition = key
    return {
        "key": state.sidecar.key,
        "appId": state.sidecar.app_id,
        "binding": binding,
        "group": group,
        "topic": topic,
        "partition": partition,
        "unreported": False,
    }


def _retrying(retrying: dict[str, Any]) -> dict[str, Any]:
    return {
        "offset": retrying.get("offset"),
        "attempts": retrying.get("attempts"),
        "lastError": retrying.get("lastError", ""),
        "waitingSeconds": retrying.get("waitingSeconds"),
    }


def tail_message(message: dict[str, Any]) -> dict[str, Any]:
    """A tail entry as the page shows it. The sidecar masks secret-looking header values;
    they are masked again here, in case a sidecar of another version did not."""
    headers = {str(k): str(v) for k, v in (message.get("headers") or {}).items()}
    return dict(message) | {"headers": masked(headers)}
