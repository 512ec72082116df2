"""secretKeyRef and auth.secretStore: the loader's reading (file:line), daprd's precedence,
resolution before init in daprd's order, and secret values kept out of every message."""

from __future__ import annotations

import json
import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from daprlite.bindings.registry import BindingRegistry
from daprlite.components.loader import load_components
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component, SecretKeyRef
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import ComponentInitError, ComponentLoadError, MetadataError
from daprlite.model.store import CompStore
from daprlite.runtime.processor import init_components
from daprlite.runtime.secrets import WaitsForStore, resolve_references
from daprlite.secretstores.registry import SecretStoreRegistry

PASSWORD = "pw-Secret-0815"  # searched for in every message and log line, where it must not be


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load(paths: list[Path], **kwargs: object) -> list[Component]:
    return load_components(
        paths,
        catalogue=BindingRegistry(),
        secret_stores=SecretStoreRegistry(),
        **kwargs,  # type: ignore[arg-type]
    )


STORE = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: kafka-secrets
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: secrets.json
    - name: multiValued
      value: "true"
"""

BINDING = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: bindings.localstorage
  version: v1
  metadata:
    - name: rootPath
      value: {root}
    - name: password
      secretKeyRef:
        name: kafka-sasl
        key: password
    - name: fromEnvFirst
      envRef: GROUP
      secretKeyRef: {{name: kafka-sasl, key: password}}
    - name: valueThenSecret
      value: literal
      secretKeyRef: {{name: kafka-sasl, key: username}}
    - name: keyDefaultsToName
      secretKeyRef: {{name: token}}
auth:
  secretStore: kafka-secrets
"""


def test_references_and_auth_are_read_with_their_lines(tmp_path: Path) -> None:
    write(tmp_path, "a-binding.yaml", BINDING.format(root=tmp_path))
    write(tmp_path, "b-store.yaml", STORE)
    binding, store = load([tmp_path], environ={"GROUP": "g1"})
    assert (store.name, store.category, store.secret_refs) == ("kafka-secrets", "secretstores", {})
    assert binding.secret_store == "kafka-secrets"
    assert binding.secret_refs == {
        "password": SecretKeyRef("kafka-sasl", "password", 13),
        "valueThenSecret": SecretKeyRef("kafka-sasl", "username", 20),
        "keyDefaultsToName": SecretKeyRef("token", "", 22),
    }
    # envRef with no value wins over a secretKeyRef, as in daprd.
    assert binding.metadata["fromEnvFirst"] == "g1"
    assert binding.metadata["password"] == "" and binding.metadata["valueThenSecret"] == "literal"
    assert binding.where("password") == f"{binding.file}:13"
    assert SecretKeyRef("token").field == "token"


def test_an_empty_value_counts_as_a_value_so_envref_is_not_read(tmp_path: Path) -> None:
    meta = """
    - name: group
      value: ""
      envRef: GROUP
    """
    text = BINDING.format(root=tmp_path).replace(
        "  metadata:\n",
        "  metadata:\n" + textwrap.indent(textwrap.dedent(meta).strip(), "    ") + "\n",
    )
    write(tmp_path, "b.yaml", text)
    [component] = load([tmp_path], environ={"GROUP": "g1"})
    assert component.metadata["group"] == ""


@pytest.mark.parametrize(
    ("fragment", "line", "message"),
    [
        ("secretKeyRef: kafka-sasl", 12, "secretKeyRef must be a mapping of name and key"),
        ("secretKeyRef: {name: [a]}", 12, "secretKeyRef.name must be text"),
    ],
)
def test_malformed_references_are_problems_at_their_line(
    tmp_path: Path, fragment: str, line: int, message: str
) -> None:
    path = write(tmp_path, "c.yaml", _binding_with(f"- name: password\n  {fragment}"))
    with pytest.raises(ComponentLoadError) as caught:
        load([path])
    [problem] = [str(p) for p in caught.value.problems]
    assert problem == f"{path}:{line}: metadata password: {message}"


def test_malformed_auth_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", _binding_with("", auth="auth: kafka-secrets"))
    with pytest.raises(ComponentLoadError, match=rf"{path}:11: auth must be a mapping"):
        load([path])


def test_a_reference_without_a_name_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "c.yaml", _binding_with("- name: password\n  secretKeyRef: {key: k}"))
    with caplog.at_level(logging.WARNING, "daprlite.components"):
        [component] = load([path])
    assert component.secret_refs == {}
    assert f"{path}:12: metadata password: secretKeyRef has no name" in caplog.text


def test_unknown_secret_store_type_names_the_supported_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", STORE.replace("local.file", "vault"))
    with pytest.raises(ComponentLoadError) as caught:
        load([path])
    assert f"{path}:6: unknown secret store type secretstores.vault" in str(caught.value)
    assert "supported secret store types: secretstores.local.env" in str(caught.value)


def test_without_a_secret_store_catalogue_stores_are_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "s.yaml", STORE)
    with caplog.at_level(logging.WARNING, "daprlite.components"):
        assert load_components([tmp_path], catalogue=BindingRegistry()) == []
    assert "kafka-secrets (secretstores.local.file) skipped" in caplog.text


def _binding_with(entries: str, auth: str = "") -> str:
    return (
        textwrap.dedent("""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: orders
        spec:
          type: bindings.kafka
          version: v1
          metadata:
            - name: brokers
              value: localhost:9092
        """).lstrip("\n")
        + textwrap.indent(entries, "    ")
        + ("\n" if entries else "")
        + (auth + "\n" if auth else "")
    )


class FakeSecrets:
    """A store that counts reads; `missing` names raise as local.file does."""

    def __init__(self, secrets: dict[str, dict[str, str]]) -> None:
        self.secrets, self.asked = secrets, []  # type: ignore[var-annotated]

    async def init(self, component: Component, working_dir: Path) -> None:
        pass

    def features(self) -> Sequence[str]:
        return ()

    async def get_secret(self, name: str, metadata: object) -> dict[str, str]:
        from daprlite.model.errors import SecretStoreError

        self.asked.append(name)
        if name not in self.secrets:
            raise SecretStoreError(f"secret {name} not found")
        return self.secrets[name]

    async def bulk_get_secret(self, metadata: object) -> dict[str, dict[str, str]]:
        return self.secrets

    async def close(self) -> None:
        pass


def referring(store: str = "vault", **refs: SecretKeyRef) -> Component:
    metadata = dict.fromkeys(refs, "") | {"plain": "p"}
    return Component(
        "orders", "bindings.kafka", "v1", metadata, Path("o.yaml"), 1,
        secret_refs=refs, secret_store=store,
    )  # fmt: skip


async def test_resolution_fills_values_asks_each_secret_once_and_marks_them() -> None:
    fake = FakeSecrets({"sasl": {"password": PASSWORD, "username": "alice", "empty": ""}})
    store = CompStore(secret_stores={"vault": fake})  # type: ignore[dict-item]
    component = referring(
        password=SecretKeyRef("sasl", "password"),
        user=SecretKeyRef("sasl", "username"),
        blank=SecretKeyRef("sasl", "empty"),
        absent=SecretKeyRef("sasl", "nope"),
    )
    resolved = await resolve_references(component, store)
    assert isinstance(resolved, Component)
    assert resolved.metadata["password"] == PASSWORD and resolved.metadata["user"] == "alice"
    assert resolved.metadata["blank"] == "" and resolved.metadata["absent"] == ""
    assert resolved.from_secrets == {"password", "user"}
    assert fake.asked == ["sasl"]
    assert PASSWORD not in repr(resolved)


async def test_a_secret_the_store_does_not_have_is_logged_and_left_empty(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = CompStore(secret_stores={"vault": FakeSecrets({})})  # type: ignore[dict-item]
    with caplog.at_level(logging.ERROR):
        resolved = await resolve_references(referring(pw=SecretKeyRef("gone", "k")), store)
    assert isinstance(resolved, Component) and resolved.metadata["pw"] == ""
    assert "Error getting secret: secret gone not found (component orders, metadata pw" in (
        caplog.text
    )


async def test_a_store_that_is_not_loaded_makes_the_component_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        result = await resolve_references(referring("", pw=SecretKeyRef("s")), CompStore())
    assert result == WaitsForStore("")
    assert "Component orders references a secret store that isn't loaded: " in caplog.text


@pytest.mark.parametrize("key", ["intValue", "choice"])
def test_metadata_errors_do_not_show_a_value_from_a_secret(key: str) -> None:
    component = Component(
        "orders", "bindings.kafka", "v1", {key: PASSWORD}, Path("o.yaml"), 1,
        from_secrets=frozenset({key}),
    )  # fmt: skip
    meta = MetadataReader(component)
    read = (
        (lambda: meta.integer(key, 1)) if key == "intValue" else lambda: meta.choice(key, "ab", "a")
    )
    with pytest.raises(MetadataError) as failure:
        read()
    assert PASSWORD not in str(failure.value)
    assert "comes from a secret store and is not shown" in str(failure.value)
    plain = Component("orders", "bindings.kafka", "v1", {key: "x1"}, Path("o.yaml"), 1)
    with pytest.raises(MetadataError, match="got 'x1'"):
        MetadataReader(plain).integer(key, 1)


class RecordingOutput:
    """An output binding that keeps the component it was initialised with."""

    seen: list[Component] = []  # noqa: RUF012

    async def init(self, component: Component) -> None:
        RecordingOutput.seen.append(component)

    def operations(self) -> Sequence[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        return None

    async def close(self) -> None:
        pass


def recording_registry() -> BindingRegistry:
    from daprlite.bindings.registry import BindingType

    target = f"{__name__}:RecordingOutput"
    return BindingRegistry({"bindings.localstorage": BindingType(None, target)})


async def test_stores_init_first_and_bindings_get_their_secrets(tmp_path: Path) -> None:
    secrets = {"kafka-sasl": {"password": PASSWORD, "username": "alice"}, "token": "t"}
    (tmp_path / "secrets.json").write_text(json.dumps(secrets))
    # The binding's file comes first; daprd still initialises the store before it.
    write(tmp_path, "a-binding.yaml", BINDING.format(root=tmp_path))
    write(tmp_path, "b-store.yaml", STORE)
    registry, store = recording_registry(), CompStore()
    RecordingOutput.seen.clear()
    components = load_components(
        [tmp_path], catalogue=registry, secret_stores=SecretStoreRegistry(), environ={}
    )
    await init_components(components, registry, store, working_dir=tmp_path)
    [seen] = RecordingOutput.seen
    assert seen.metadata["password"] == PASSWORD
    assert seen.metadata["valueThenSecret"] == "alice"  # a found secret replaces the value
    assert seen.metadata["keyDefaultsToName"] == "t"  # the key defaults to the name
    assert [c.name for c in store.components] == ["kafka-secrets", "orders"]
    assert [(i.name, i.capabilities) for i in store.describe()] == [
        ("kafka-secrets", ("MULTIPLE_KEY_VALUES_PER_SECRET",)),
        ("orders", ("OUTPUT_BINDING",)),
    ]


async def test_a_binding_whose_store_never_loads_is_not_initialised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "a-binding.yaml", BINDING.format(root=tmp_path))
    registry, store = recording_registry(), CompStore()
    RecordingOutput.seen.clear()
    components = load_components([tmp_path], catalogue=registry, environ={})
    with caplog.at_level(logging.WARNING):
        await init_components(components, registry, store, working_dir=tmp_path)
    assert RecordingOutput.seen == [] and store.components == []
    assert "references a secret store that isn't loaded: kafka-secrets" in caplog.text


async def test_a_store_that_fails_init_stops_start_up_unless_ignore_errors(tmp_path: Path) -> None:
    write(tmp_path, "b-store.yaml", STORE)  # secrets.json does not exist
    registry, store = recording_registry(), CompStore()
    components = load([tmp_path / "b-store.yaml"], environ={})
    with pytest.raises(ComponentInitError, match=r"open secrets\.json: no such file"):
        await init_components(components, registry, store, working_dir=tmp_path)
    ignoring = write(
        tmp_path,
        "b-store.yaml",
        STORE.replace("  version: v1\n", "  version: v1\n  ignoreErrors: true\n"),
    )
    store = CompStore()
    await init_components(load([ignoring], environ={}), registry, store, working_dir=tmp_path)
    assert store.secret_stores == {} and store.init_errors[0]["name"] == "kafka-secrets"
