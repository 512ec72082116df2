"""The dashboard's JSON API against real `daprlite run` sidecars and the real broker: apps and
their components, rates that move, partitions with Burrow status, STALL on a poison message,
the send proxy, the masked tail and a trace joined across the two sidecars."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.dashboard.harness import World
from tests.support.wait import wait_until


def rows(world: World, path: str, key: str) -> list[dict[str, Any]]:
    doc = world.api(path)
    assert isinstance(doc, dict)
    return list(doc[key])


def binding(world: World, app: str, name: str, direction: str) -> dict[str, Any] | None:
    return next(
        (
            r
            for r in rows(world, "/api/bindings", "bindings")
            if (r["appId"], r["binding"], r["direction"]) == (app, name, direction)
        ),
        None,
    )


def test_apps_are_listed_with_their_components(world: World) -> None:
    apps = {a["appId"]: a for a in rows(world, "/api/apps", "apps")}
    assert set(apps) == {"consumer", "producer"}
    for app in apps.values():
        assert app["status"] == "running"
        assert app["metricsPort"] > 0
        assert [c["label"] for c in app["components"]] == [
            "orders (bindings.kafka/v1)",
            "stalls (bindings.kafka/v1)",
        ]
        assert app["initErrors"] == []
    assert apps["consumer"]["appPort"] > 0 and "printing_app.py" in apps["consumer"]["command"]
    assert apps["producer"]["components"][0]["capabilities"] == ["OUTPUT_BINDING"]


def test_rates_and_totals_move_when_messages_flow(world: World) -> None:
    before = binding(world, "producer", "orders", "output")
    start = before["total"] if before else 0
    for n in range(20):
        world.send("orders", {"n": n})

    def moved() -> dict[str, Any] | None:
        out = binding(world, "producer", "orders", "output")
        inp = binding(world, "consumer", "orders", "input")
        if out and inp and out["total"] >= start + 20 and out["perSecond"] > 0 and inp["total"]:
            return out
        return None

    out = wait_until(moved, "20 more output calls and a rate above 0", timeout=30)
    assert out["p50Ms"] is not None and out["p95Ms"] >= out["p50Ms"]
    assert out["errorsTotal"] == 0

    def caught_up() -> dict[str, Any] | None:
        for p in rows(world, "/api/partitions", "partitions"):
            if p["binding"] == "orders" and p["lag"] == 0 and p["position"] >= start + 20:
                return p
        return None

    partition = wait_until(caught_up, "the orders partition caught up", timeout=30)
    assert partition["status"] == "OK"
    assert partition["group"] == f"group-{world.orders_topic}"
    assert partition["end"] == partition["position"]


def test_a_poison_message_shows_stall_with_its_error(world: World) -> None:
    world.send("stalls", "poison")

    def stalled() -> dict[str, Any] | None:
        for p in rows(world, "/api/partitions", "partitions"):
            if p["binding"] == "stalls" and p["status"] == "STALL" and p["retrying"]:
                return p
        return None

    partition = wait_until(stalled, "the stalls partition shown as STALL", timeout=30)
    assert partition["retrying"]["attempts"] >= 1
    assert "500" in partition["retrying"]["lastError"]
    assert partition["lag"] is None or partition["lag"] >= 1


def test_send_proxy_delivers_to_the_consumer(world: World) -> None:
    [producer] = [a for a in rows(world, "/api/apps", "apps") if a["appId"] == "producer"]
    marker = f"sent-by-api-{uuid.uuid4().hex[:8]}"
    answer = requests.post(
        world.url + "/api/send",
        json={
            "app": producer["key"],
            "binding": "orders",
            "operation": "create",
            "data": f'{{"marker": "{marker}"}}',
            "metadata": "partitionKey=k1",
        },
        timeout=40,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == 204
    world.consumer.wait_for(rf"== APP ==.*received on orders: .*{marker}", timeout=30)


def test_tail_masks_secret_headers_and_links_traces(world: World) -> None:
    [consumer] = [a for a in rows(world, "/api/apps", "apps") if a["appId"] == "consumer"]
    secret = f"key-{uuid.uuid4().hex}"
    marker = f"tail-{uuid.uuid4().hex[:8]}"
    world.send("orders", marker, {"x-api-key": secret, "partitionKey": "tail-key"})

    def delivered() -> dict[str, Any] | None:
        answer = requests.get(
            world.url + "/api/tail",
            params={"app": consumer["key"], "binding": "orders"},
            timeout=10,
        )
        assert secret not in answer.text
        for m in answer.json()["messages"]:
            if marker in m["value"] and m["ok"]:
                return m
        return None

    message = wait_until(delivered, "the message in the consumer's tail", timeout=30)
    assert message["headers"]["x-api-key"] == "******"
    assert message["key"] == "tail-key" and message["direction"] == "input"
    assert len(message["traceId"]) == 32

    def joined() -> dict[str, Any] | None:
        doc = world.api(f"/api/traces/{message['traceId']}") if traced(world, message) else None
        return doc if isinstance(doc, dict) else None

    doc = wait_until(joined, "the trace with both sidecars' spans", timeout=30)
    spans = doc["spans"]
    names = {(s["serviceName"], s["name"]) for s in spans}
    assert ("producer", "/v1.0/bindings/orders") in names
    assert ("consumer", "bindings/orders") in names
    consumer_span = next(s for s in spans if s["serviceName"] == "consumer")
    assert consumer_span["depth"] > 0  # drawn below the producer's call
    assert doc["summary"]["services"][:2] == ["producer", "consumer"]


def traced(world: World, message: dict[str, Any]) -> bool:
    doc = world.api("/api/traces")
    assert isinstance(doc, dict)
    return any(
        t["traceId"] == message["traceId"] and {"producer", "consumer"} <= set(t["services"])
        for t in doc["traces"]
    )


def test_the_app_log_route_shows_the_apps_output(world: World) -> None:
    [consumer] = [a for a in rows(world, "/api/apps", "apps") if a["appId"] == "consumer"]

    def ready_line() -> bool:
        doc = world.api(f"/api/log?app={consumer['key']}&after=0")
        assert isinstance(doc, dict)
        return any("printing app ready" in line["text"] for line in doc["lines"])

    wait_until(ready_line, "the app's first line in its log view", timeout=20)
