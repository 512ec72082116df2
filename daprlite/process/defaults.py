"""The default resources `daprlite init` writes under `$DAPRLITE_HOME`, as `dapr init` fills
~/.dapr: a Kafka binding for the local broker, a local secret store, and a Configuration that
`daprlite run` reads when no `--config` is given."""

from __future__ import annotations

import json
from pathlib import Path

from daprlite.model.config import daprlite_home

# Seed-like names: the tutorial's apps (`/v1.0/bindings/sample-topic`, `POST /sample-topic`)
# run against the defaults with no --components-path, as they do against its component file.
BINDING_NAME = "sample-topic"
BINDING_TOPIC = "sample"
BINDING_GROUP = "group1"
SECRET_STORE_NAME = "local-secret-store"

BINDING_FILE = "components/kafka-binding.yaml"
SECRET_STORE_FILE = "components/local-secret-store.yaml"
SECRETS_FILE = "secrets.json"
CONFIG_FILE = "config.yaml"


def default_config_path(home: Path | None = None) -> Path:
    """The Configuration `daprlite run` uses without `--config`, as `dapr run` uses
    ~/.dapr/config.yaml."""
    return (home or daprlite_home()) / CONFIG_FILE


def default_resources(home: Path, brokers: str) -> dict[str, str]:
    """Each file `init` writes, by its path relative to `home`; `brokers` is the local
    broker's bootstrap list (`host:port[,host:port...]`, every node of a cluster)."""
    secrets_path = home / SECRETS_FILE
    return {
        BINDING_FILE: _binding(brokers),
        SECRET_STORE_FILE: _secret_store(secrets_path),
        # A JSON file holds no comments: the store's page says what goes in it.
        SECRETS_FILE: "{}\n",
        CONFIG_FILE: _CONFIGURATION,
    }


def _binding(brokers: str) -> str:
    return f"""\
# Written by `daprlite init`: a Kafka input and output binding on the local broker (the Dapr
# bindings tutorial's component). Edit it freely: init and uninstall leave a changed file alone.
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {BINDING_NAME}
spec:
  type: bindings.kafka
  version: v1
  metadata:
    - name: brokers
      value: {json.dumps(brokers)}
    - name: topics            # what the input side reads (POSTed to /{BINDING_NAME})
      value: {BINDING_TOPIC}
    - name: consumerGroup     # apps sharing a group share the messages, each taken once
      value: {BINDING_GROUP}
    - name: publishTopic      # where POST /v1.0/bindings/{BINDING_NAME} writes
      value: {BINDING_TOPIC}
    - name: authType
      value: none
"""


def _secret_store(secrets_path: Path) -> str:
    # An absolute path: daprd (and daprlite) take a relative secretsFile from the working
    # directory of the run, which is the user's project, not this folder.
    return f"""\
# Written by `daprlite init`: secrets read from {SECRETS_FILE} beside this folder, e.g.
# {{"kafka-password": "..."}}; a component refers to one with secretKeyRef and
# `auth: {{secretStore: {SECRET_STORE_NAME}}}`.
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: {SECRET_STORE_NAME}
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: {json.dumps(str(secrets_path))}
    - name: nestedSeparator
      value: ":"
"""


# Like the one `dapr init` writes, without its Zipkin address: with no collector running, that
# would only log failed exports. Spans stay in the sidecar for `daprlite dashboard`.
_CONFIGURATION = """\
# Written by `daprlite init`; `daprlite run` reads it when no --config is given, as `dapr run`
# reads ~/.dapr/config.yaml. Add spec.tracing.otel or .zipkin to export spans.
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: daprConfig
spec:
  tracing:
    samplingRate: "1"
  metrics:
    enabled: true
"""
