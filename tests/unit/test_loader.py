"""The component loader: daprd's folder rules, file:line problems reported all at once."""

from __future__ import annotations

import logging
import textwrap
import uuid
from pathlib import Path

import pytest

from daprlite.bindings.registry import BindingRegistry
from daprlite.components import loader
from daprlite.model.component import Component
from daprlite.model.errors import ComponentLoadError, ConfigError


def load_components(paths: list[Path], **kwargs: object) -> list[Component]:
    """The loader with the real binding registry as its catalogue of types."""
    return loader.load_components(paths, catalogue=BindingRegistry(), **kwargs)  # type: ignore[arg-type]


SEED = Path(__file__).resolve().parents[2] / "components" / "kafka_bindings.yaml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def binding(name: str = "orders", metadata: str = "", extra: str = "") -> str:
    """A minimal valid Kafka binding document; `metadata` is indented under spec.metadata."""
    return (
        textwrap.dedent(f"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: bindings.kafka
          version: v1
          metadata:
            - name: brokers
              value: localhost:9092
        """).lstrip("\n")
        + textwrap.indent(textwrap.dedent(metadata).strip("\n"), "    ")
        + ("\n" if metadata else "")
        + textwrap.dedent(extra).strip("\n")
        + ("\n" if extra else "")
    )


def problems_of(paths: list[Path], **kwargs: object) -> list[str]:
    with pytest.raises(ComponentLoadError) as caught:
        load_components(paths, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in caught.value.problems]


def test_seed_component_loads_unchanged() -> None:
    [component] = load_components([SEED.parent])
    assert component.name == "sample-topic"
    assert (component.type, component.version) == ("bindings.kafka", "v1")
    assert dict(component.metadata) == {
        "brokers": "localhost:9092",
        "topics": "sample",
        "consumerGroup": "group1",
        "publishTopic": "sample",
        "authRequired": "false",
    }
    assert component.file == SEED and component.line == 1
    assert component.where("brokers") == f"{SEED}:11"
    assert component.where("authRequired") == f"{SEED}:21"
    assert component.scopes == () and not component.ignore_errors
    assert component.init_timeout_seconds == 5.0


def test_a_single_file_path_is_loaded(tmp_path: Path) -> None:
    path = write(tmp_path, "one.txt", binding())
    assert [c.name for c in load_components([path])] == ["orders"]


def test_folder_rules_sorted_non_recursive_yaml_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "b.yml", binding("second"))
    write(tmp_path, "a.yaml", binding("first"))
    write(tmp_path, "notes.txt", "not yaml")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", "c.yaml", binding("nested"))
    with caplog.at_level(logging.WARNING, "daprlite.components"):
        components = load_components([tmp_path])
    assert [c.name for c in components] == ["first", "second"]
    assert "notes.txt" in caplog.text and "not be loaded" in caplog.text


def test_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope does not exist.*--components-path"):
        load_components([tmp_path / "nope"])


def test_multi_document_file_skips_other_kinds(tmp_path: Path) -> None:
    config = """
    apiVersion: dapr.io/v1alpha1
    kind: Configuration
    metadata:
      name: appconfig
    spec: {}
    ---
    """
    write(tmp_path, "all.yaml", textwrap.dedent(config).lstrip("\n") + binding("orders"))
    [component] = load_components([tmp_path])
    assert component.name == "orders" and component.line == 7


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "apiVersion: dapr.io/v1alpha1\nkind: [Component\nspec: x\n")
    [problem] = problems_of([tmp_path])
    assert problem.startswith(f"{path}:3: invalid YAML")


def test_missing_name_and_missing_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          namespace: default
        spec:
          version: v1
        """,
    )
    assert problems_of([path]) == [
        f"{path}:4: metadata.name is required (e.g. sample-topic)",
        f"{path}:6: spec.type is required (e.g. bindings.kafka)",
    ]


def test_missing_version_is_required(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", binding().replace("  version: v1\n", ""))
    assert problems_of([path]) == [f"{path}:6: spec.version is required (e.g. v1)"]


def test_unsupported_version(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", binding().replace("version: v1", "version: v2"))
    assert problems_of([path]) == [
        f"{path}:7: version v2 of bindings.kafka is not supported; use v1"
    ]


def test_duplicate_name_across_two_files(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", binding("orders"))
    second = write(tmp_path, "b.yaml", binding("orders"))
    assert problems_of([tmp_path]) == [
        f"{second}:4: duplicate component name orders (first at {first}:4)"
    ]


def test_unknown_binding_type_lists_supported_types(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", binding().replace("bindings.kafka", "bindings.smtp"))
    with pytest.raises(ComponentLoadError) as caught:
        load_components([path])
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:6: unknown binding type bindings.smtp"
    ]
    supported = ", ".join(BindingRegistry().supported_types())
    assert f"supported binding types: {supported}" in str(caught.value)


def test_type_without_category_is_a_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", binding().replace("bindings.kafka", "kafka"))
    [problem] = problems_of([path])
    assert problem.startswith(f"{path}:6: spec.type 'kafka' is not <category>.<name>")


def test_other_categories_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = binding("statestore").replace("bindings.kafka", "state.redis")
    path = write(tmp_path, "statestore.yaml", state.replace("  version: v1\n", ""))
    write(tmp_path, "kafka.yaml", binding("orders"))
    with caplog.at_level(logging.WARNING, "daprlite.components"):
        components = load_components([tmp_path])
    assert [c.name for c in components] == ["orders"]
    assert f"{path}:6: statestore (state.redis) skipped" in caplog.text


def test_every_problem_in_every_file_at_once(tmp_path: Path) -> None:
    bad_yaml = write(tmp_path, "a.yaml", "kind: Component\n  oops: [\n")
    no_spec = write(
        tmp_path, "b.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n"
    )
    bad_fields = write(
        tmp_path,
        "c.yaml",
        binding(
            "y/z",
            metadata="""
            - name: password
              secretKeyRef: kafka-secret
            """,
            extra="scopes: app1",
        ).replace("v1\n  metadata", "v1\n  ignoreErrors: maybe\n  metadata"),
    )
    problems = problems_of([tmp_path])
    assert [p.split(": ", 1)[0] for p in problems] == [
        f"{bad_yaml}:2",
        f"{no_spec}:1",
        f"{bad_fields}:4",
        f"{bad_fields}:8",
        f"{bad_fields}:13",
        f"{bad_fields}:14",
    ]
    assert "spec is required" in problems[1]
    assert "metadata.name 'y/z'" in problems[2]
    assert "ignoreErrors must be true or false" in problems[3]
    assert "metadata password: secretKeyRef" in problems[4]
    assert "scopes must be a list" in problems[5]


def test_wrong_field_types(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: [a]
        spec:
          type: bindings.kafka
          version: v1
          metadata: {brokers: x}
        """,
    )
    assert problems_of([path]) == [
        f"{path}:4: metadata.name must be text (e.g. sample-topic)",
        f"{path}:8: spec.metadata must be a list of name/value entries",
    ]


def test_scalar_values_become_the_text_daprd_sees(tmp_path: Path) -> None:
    meta = """
    - name: quoted
      value: "false"
    - name: plain
      value: false
    - name: port
      value: 9092
    - name: ratio
      value: 1.50
    - name: whole
      value: 2.0
    - name: yes
      value: yes
    - name: empty
      value:
    - name: mapping
      value: {b: 1, a: [x, true]}
    """
    [component] = load_components([write(tmp_path, "c.yaml", binding(metadata=meta))])
    assert dict(component.metadata) == {
        "brokers": "localhost:9092",
        "quoted": "false",
        "plain": "false",
        "port": "9092",
        "ratio": "1.5",
        "whole": "2",
        "yes": "true",
        "empty": "",
        "mapping": '{"a":["x",true],"b":1}',
    }


def test_ignore_errors_and_init_timeout(tmp_path: Path) -> None:
    text = binding().replace(
        "v1\n  metadata", "v1\n  ignoreErrors: true\n  initTimeout: 1m30s\n  metadata"
    )
    [component] = load_components([write(tmp_path, "c.yaml", text)])
    assert component.ignore_errors and component.init_timeout_seconds == 90.0


@pytest.mark.parametrize("value", ["soon", "-1s", "0"])
def test_invalid_init_timeout_falls_back_to_five_seconds(tmp_path: Path, value: str) -> None:
    text = binding().replace("v1\n  metadata", f"v1\n  initTimeout: {value}\n  metadata")
    [component] = load_components([write(tmp_path, "c.yaml", text)])
    assert component.init_timeout_seconds == 5.0


def test_scopes_drop_components_of_other_apps_after_the_duplicate_check(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", binding("mine", extra="scopes: [app1, app2]"))
    write(tmp_path, "b.yaml", binding("theirs", extra="scopes: [app3]"))
    write(tmp_path, "c.yaml", binding("everyone"))
    assert [c.name for c in load_components([tmp_path], app_id="app1")] == ["mine", "everyone"]
    assert len(load_components([tmp_path])) == 3
    write(tmp_path, "d.yaml", binding("theirs", extra="scopes: [app4]"))
    [problem] = problems_of([tmp_path], app_id="app1")
    assert "duplicate component name theirs" in problem


def test_placeholders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAMESPACE", raising=False)
    meta = """
    - name: group
      value: "{appID}-group"
    - name: client
      value: "{uuid}/{uuid}"
    - name: ns
      value: "{namespace}"
    """
    path = write(tmp_path, "c.yaml", binding(metadata=meta))
    [component] = load_components([path], app_id="orders-app")
    assert component.metadata["group"] == "orders-app-group"
    first, second = component.metadata["client"].split("/")
    assert uuid.UUID(first) != uuid.UUID(second)
    assert component.metadata["ns"] == "default.orders-app"
    [component] = load_components([path], app_id="a", environ={"NAMESPACE": "prod"})
    assert component.metadata["ns"] == "prod.a"
    [component] = load_components([path])  # no app id: left as written
    assert component.metadata["group"] == "{appID}-group"


def test_pod_name_placeholder_is_a_problem(tmp_path: Path) -> None:
    meta = """
    - name: clientId
      value: "{podName}"
    """
    path = write(tmp_path, "c.yaml", binding(metadata=meta))
    [problem] = problems_of([path], app_id="a")
    assert problem.startswith(f"{path}:12: metadata clientId: {{podName}}")


def test_env_ref(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    meta = """
    - name: fromEnv
      envRef: KAFKA_GROUP
    - name: valueWins
      value: explicit
      envRef: KAFKA_GROUP
    - name: unset
      envRef: NOT_SET_ANYWHERE
    """
    path = write(tmp_path, "c.yaml", binding(metadata=meta))
    with caplog.at_level(logging.WARNING, "daprlite.components"):
        [component] = load_components([path], environ={"KAFKA_GROUP": "g1"})
    assert component.metadata["fromEnv"] == "g1"
    assert component.metadata["valueWins"] == "explicit"
    assert component.metadata["unset"] == ""
    assert component.where("fromEnv") == f"{path}:12"
    assert "NOT_SET_ANYWHERE is not set" in caplog.text


@pytest.mark.parametrize("variable", ["DAPR_API_TOKEN", "dapr_http_port", "APP_API_TOKEN"])
def test_env_ref_refuses_reserved_names(tmp_path: Path, variable: str) -> None:
    meta = f"""
    - name: token
      envRef: {variable}
    """
    path = write(tmp_path, "c.yaml", binding(metadata=meta))
    [problem] = problems_of([path], environ={variable: "secret"})
    assert problem.startswith(f"{path}:12: metadata token: envRef {variable} is not allowed")


def test_namespace_filter_only_when_namespace_is_set(tmp_path: Path) -> None:
    text = binding().replace("  name: orders\n", "  name: orders\n  namespace: prod\n")
    path = write(tmp_path, "c.yaml", text)
    assert len(load_components([path], environ={})) == 1
    assert len(load_components([path], environ={"NAMESPACE": "prod"})) == 1
    assert load_components([path], environ={"NAMESPACE": "dev"}) == []
