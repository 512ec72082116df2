"""Kafka binding component files, written into a folder as a user would write them."""

from __future__ import annotations

import json
from pathlib import Path


def write_component(
    folder: Path, name: str, bootstrap: str, topic: str | None = None, **metadata: str
) -> Path:
    """Write `folder/<name>.yaml`, a bindings.kafka component without auth, and return `folder`.

    With `topic` it reads and writes that topic, from the oldest record on, in the group
    `group-<topic>`; `metadata` adds items or overrides these.
    """
    items = {"brokers": bootstrap, "authType": "none"}
    if topic is not None:
        items |= {
            "topics": topic,
            "publishTopic": topic,
            "consumerGroup": f"group-{topic}",
            "initialOffset": "oldest",
        }
    items |= metadata
    lines = [
        "apiVersion: dapr.io/v1alpha1",
        "kind: Component",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  type: bindings.kafka",
        "  version: v1",
        "  metadata:",
    ]
    for key, value in items.items():
        # A JSON string is a YAML double-quoted scalar: any value stays a string, quotes and all.
        lines += [f"    - name: {key}", f"      value: {json.dumps(value)}"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    return folder
