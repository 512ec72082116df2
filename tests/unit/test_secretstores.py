"""secretstores.local.file and secretstores.local.env as daprd's stores behave (contrib v1.18)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from daprlite.model.component import Component
from daprlite.model.errors import ComponentInitError, MetadataError, SecretStoreError
from daprlite.secretstores.registry import SecretStoreRegistry

DOCUMENT = {
    "kafka-sasl": {"username": "alice", "password": "pw-1", "nested": {"deep": "d"}},
    "token": "t-1",
    "list": ["a", "b"],
    "port": 5432,
    "big": 1000000,
    "flag": True,
    "nothing": None,
}


def store_component(type_: str, **metadata: str) -> Component:
    return Component("secrets", type_, "v1", metadata, Path("/c/secrets.yaml"), 3)


async def local_file(tmp_path: Path, document: Any = DOCUMENT, **metadata: str) -> Any:
    (tmp_path / "secrets.json").write_text(json.dumps(document))
    store = SecretStoreRegistry().create("secretstores.local.file")
    meta = {"secretsFile": "secrets.json", **metadata}
    await store.init(store_component("secretstores.local.file", **meta), tmp_path)
    return store


async def test_single_valued_flattens_every_leaf_with_the_separator(tmp_path: Path) -> None:
    store = await local_file(tmp_path)
    assert await store.get_secret("kafka-sasl:password", {}) == {"kafka-sasl:password": "pw-1"}
    assert await store.get_secret("kafka-sasl:nested:deep", {}) == {"kafka-sasl:nested:deep": "d"}
    assert await store.get_secret("list:1", {}) == {"list:1": "b"}
    assert await store.get_secret("token", {}) == {"token": "t-1"}
    assert store.features() == ()
    with pytest.raises(SecretStoreError, match=r"^secret kafka-sasl not found$"):
        await store.get_secret("kafka-sasl", {})


async def test_leaves_that_are_not_strings_read_as_gos_percent_s(tmp_path: Path) -> None:
    store = await local_file(tmp_path)
    bulk = await store.bulk_get_secret({})
    assert bulk["port"] == {"port": "%!s(float64=5432)"}
    assert bulk["big"] == {"big": "%!s(float64=1e+06)"}
    assert bulk["flag"] == {"flag": "%!s(bool=true)"}
    assert bulk["nothing"] == {"nothing": "%!s(<nil>)"}


async def test_nested_separator(tmp_path: Path) -> None:
    store = await local_file(tmp_path, nestedSeparator=".")
    assert await store.get_secret("kafka-sasl.username", {}) == {"kafka-sasl.username": "alice"}


async def test_multi_valued_keeps_one_level_of_keys(tmp_path: Path) -> None:
    store = await local_file(tmp_path, multiValued="true")
    assert await store.get_secret("kafka-sasl", {}) == {
        "username": "alice",
        "password": "pw-1",
        "nested:deep": "d",
    }
    assert await store.get_secret("token", {}) == {"token": "t-1"}
    # Top-level lists, numbers, booleans and nulls are not secrets in this mode.
    assert sorted(await store.bulk_get_secret({})) == ["kafka-sasl", "token"]
    assert store.features() == ("MULTIPLE_KEY_VALUES_PER_SECRET",)


@pytest.mark.parametrize(("text", "multi"), [("yes", True), ("On", True), ("maybe", False)])
async def test_multi_valued_is_read_as_kits_truthy(tmp_path: Path, text: str, multi: bool) -> None:
    store = await local_file(tmp_path, multiValued=text)
    assert bool(store.features()) is multi


async def test_a_relative_file_is_taken_from_the_working_dir(tmp_path: Path) -> None:
    store = SecretStoreRegistry().create("secretstores.local.file")
    component = store_component("secretstores.local.file", secretsFile="missing.json")
    with pytest.raises(ComponentInitError) as failure:
        await store.init(component, tmp_path)
    assert str(failure.value).endswith(
        f"open missing.json: no such file or directory (from {tmp_path})"
    )
    assert "[INIT_COMPONENT_FAILURE]" in str(failure.value)


async def test_secrets_file_is_required(tmp_path: Path) -> None:
    store = SecretStoreRegistry().create("secretstores.local.file")
    with pytest.raises(MetadataError, match="secretsFile' is required"):
        await store.init(store_component("secretstores.local.file"), tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["pw"]', "cannot unmarshal array into Go value of type map[string]interface {}"),
        ('{"a": "pw-7', "unexpected end of JSON input"),
        ('{"a": 1e999}', "a number in the file is out of range; it is not shown"),
    ],
)
async def test_a_file_that_is_not_an_object_fails_init_without_its_content(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "s.json").write_text(text)
    store = SecretStoreRegistry().create("secretstores.local.file")
    with pytest.raises(ComponentInitError) as failure:
        await store.init(store_component("secretstores.local.file", secretsFile="s.json"), tmp_path)
    assert message in str(failure.value)
    assert "pw" not in str(failure.value) and "999" not in str(failure.value)


async def test_a_name_given_twice_after_flattening_keeps_the_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        store = await local_file(tmp_path, {"a": {"b": "first-pw"}, "a:b": "second-pw"})
    assert await store.get_secret("a:b", {}) == {"a:b": "first-pw"}
    assert "secret name a:b appears twice" in caplog.text
    assert "-pw" not in caplog.text


async def env_store(environ: dict[str, str], **metadata: str) -> Any:
    registry = SecretStoreRegistry()
    assert registry.supports("secretstores.local.env", "v1")
    from daprlite.secretstores.localenv.store import LocalEnvStore

    store = LocalEnvStore(environ)
    await store.init(store_component("secretstores.local.env", **metadata), Path())
    return store


async def test_env_store_reads_a_variable_by_name_and_never_the_sidecars_own() -> None:
    environ = {"KAFKA_PASSWORD": "pw-2", "DAPR_API_TOKEN": "tok", "APP_API_TOKEN": "tok"}
    store = await env_store(environ)
    assert await store.get_secret("KAFKA_PASSWORD", {}) == {"KAFKA_PASSWORD": "pw-2"}
    assert await store.get_secret("UNSET", {}) == {"UNSET": ""}
    assert await store.get_secret("dapr_api_token", {}) == {"dapr_api_token": ""}
    assert await store.bulk_get_secret({}) == {"KAFKA_PASSWORD": {"KAFKA_PASSWORD": "pw-2"}}
    assert store.features() == ()


async def test_env_store_prefix_is_added_and_taken_off() -> None:
    environ = {"MYAPP_PASSWORD": "pw-3", "MYAPP_": "x", "OTHER": "y", "myapp_lower": "z"}
    store = await env_store(environ, prefix="MYAPP_")
    assert await store.get_secret("PASSWORD", {}) == {"PASSWORD": "pw-3"}
    assert await store.bulk_get_secret({}) == {"PASSWORD": {"PASSWORD": "pw-3"}}


def test_registry_versions_and_types() -> None:
    registry = SecretStoreRegistry()
    assert registry.supported_types() == ["secretstores.local.env", "secretstores.local.file"]
    assert registry.supports("SecretStores.Local.File", "")
    assert not registry.supports("secretstores.local.file", "v2")
