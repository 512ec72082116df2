"""The Kubernetes verdict on Components: one rejected fixture per rule (its first line says the
API server's message), accepted fixtures (their first line says the warnings), and the rule
table held against Dapr's own CRD in ../shared/k8s-crds/."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from daprlite.kubernetes.component_rules import COMPONENT_SCHEMA
from daprlite.kubernetes.findings import errors, warnings
from daprlite.kubernetes.schema import Schema
from daprlite.kubernetes.validate import check_paths
from tests.k8s.conftest import dapr_crds_dir

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
REJECTED = sorted((FIXTURES / "rejected").glob("*.yaml"))
ACCEPTED = sorted((FIXTURES / "accepted").glob("*.yaml"))


def _first_line(path: Path, prefix: str) -> str:
    line = path.read_text().splitlines()[0]
    assert line.startswith(prefix), f"{path.name}: the first line must be '{prefix} ...'"
    return line.removeprefix(prefix).strip()


@pytest.mark.parametrize("fixture", REJECTED, ids=lambda p: p.stem)
def test_each_rejected_fixture_gives_exactly_its_error(fixture: Path) -> None:
    expected = _first_line(fixture, "# expect:")
    found = errors(check_paths([fixture]).findings)
    assert [expected in f.message for f in found] == [True], found


@pytest.mark.parametrize("fixture", ACCEPTED, ids=lambda p: p.stem)
def test_each_accepted_fixture_has_no_error_and_its_warnings(fixture: Path) -> None:
    expected = _first_line(fixture, "# warns:")
    findings = check_paths([fixture]).findings
    assert errors(findings) == []
    told = [f.message for f in warnings(findings)]
    if expected == "nothing":
        assert told == []
    else:
        fragments = [part.strip() for part in expected.split(";")]
        assert len(told) == len(fragments), told
        for fragment in fragments:
            assert any(fragment in message for message in told), (fragment, told)


def test_there_is_a_fixture_for_every_rule() -> None:
    # The rules of issue 12 item 2 each have their own refused file.
    rules = {"name-not-subdomain", "version-missing", "unknown-field", "auth-secretstore-missing",
             "version-not-string", "unknown-nested-field", "secretkeyref-name-missing",
             "metadata-entry-name-missing", "api-version-unknown"}  # fmt: skip
    assert rules <= {p.stem for p in REJECTED}


def _from_crd(node: dict[str, Any]) -> Schema:
    """Dapr's openAPIV3Schema in this package's terms (descriptions dropped)."""
    if node.get("x-kubernetes-preserve-unknown-fields") and "type" not in node:
        return Schema(None)
    properties = {k: _from_crd(v) for k, v in node.get("properties", {}).items()}
    items = _from_crd(node["items"]) if "items" in node else None
    return Schema(node["type"], properties, tuple(node.get("required", ())), items)


def _comparable(schema: Schema) -> Any:
    return (
        schema.type,
        {k: _comparable(v) for k, v in schema.properties.items()},
        sorted(schema.required),
        _comparable(schema.items) if schema.items else None,
    )


def test_the_rules_are_dapr_s_component_crd() -> None:
    crd = yaml.safe_load((dapr_crds_dir() / "components.yaml").read_text())
    (version,) = crd["spec"]["versions"]
    assert version["name"] == "v1alpha1" and crd["spec"]["group"] == "dapr.io"
    assert _comparable(COMPONENT_SCHEMA) == _comparable(
        _from_crd(version["schema"]["openAPIV3Schema"])
    )


def test_every_problem_of_every_file_is_told_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        textwrap.dedent("""\
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: Two_Problems
        spec:
          type: bindings.kafka
          metadata:
            - name: brokers
              value: localhost:9092
        ---
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata: {name: second}
        spec: {type: bindings.cron, version: v1, metadata: [{value: x}]}
        auth: {}
        scopes: [Not_A_Label]
        """)
    )
    (tmp_path / "b.yaml").write_text("kind: Component\n")
    found = check_paths([tmp_path]).findings
    assert [(f.severity, f.file.name, f.line) for f in errors(found)] == [
        ("error", "a.yaml", 4), ("error", "a.yaml", 5), ("error", "a.yaml", 14),
        ("error", "a.yaml", 15), ("error", "b.yaml", 1),
    ]  # fmt: skip
    messages = [f.message for f in found]
    assert "spec.version: Required value" in messages
    assert "error validating data: [apiVersion not set]" in messages
    # Errors come first, then the warnings, each with file:line.
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert any("invalid app id (input: 'Not_A_Label'" in m for m in messages)
    assert any("'localhost:9092' is the pod itself" in m for m in messages)


def test_other_kinds_are_not_judged(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: Any_Name}\n"
    )
    assert check_paths([tmp_path]).findings == []


@pytest.mark.parametrize(
    ("value", "kind"),
    [("1", "integer"), ("1.0", "integer"), ("1.5", "number"), ("true", "boolean"),
     ("2024-01-01", None), ('"1"', None), ("[v1]", "array")],
)  # fmt: skip
def test_json_types_are_those_kubectl_sends(tmp_path: Path, value: str, kind: str | None) -> None:
    (tmp_path / "c.yaml").write_text(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: c}\n"
        f"spec: {{type: bindings.cron, version: {value}, metadata: []}}\nscopes: [a]\n"
    )
    found = [f.message for f in errors(check_paths([tmp_path]).findings)]
    expected = [] if kind is None else [
        f'spec.version: Invalid value: "{kind}": spec.version in body must be of type string: '
        f'"{kind}"'
    ]  # fmt: skip
    assert found == expected


@pytest.mark.parametrize(
    ("text", "lint"),
    [
        ("- {name: consumerGroup, value: '{uuid}'}", "{uuid} gives every pod"),
        ("- {name: consumerGroup, value: 'g-{podName}'}", "{podName} has a value only on Kub"),
        ("- {name: password, secretKeyRef: {name: s, key: k}}", "secretKeyRef without auth"),
        ("- {name: url, value: 'http://127.0.0.1:8080/x'}", "is the pod itself"),
        ("- {name: deadLetterTopic, value: dead}", "deadLetterTopic is daprlite's own"),
    ],
)
def test_lints(tmp_path: Path, text: str, lint: str) -> None:
    (tmp_path / "c.yaml").write_text(
        "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: c}\n"
        f"spec:\n  type: bindings.kafka\n  version: v1\n  metadata:\n    {text}\n"
        "    - {name: consumeRetryEnabled, value: 'true'}\nscopes: [a]\n"
    )
    found = check_paths([tmp_path]).findings
    assert errors(found) == []
    assert [lint in f.message for f in found] == [True], found
    assert found[0].line == 8


def test_two_components_of_one_name_are_told(tmp_path: Path) -> None:
    doc = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata: {name: same}\n" \
          "spec: {type: bindings.cron, version: v1, metadata: []}\nscopes: [a]\n"  # fmt: skip
    (tmp_path / "a.yaml").write_text(doc)
    (tmp_path / "b.yaml").write_text(doc)
    (found,) = check_paths([tmp_path]).findings
    assert found.file.name == "b.yaml" and f"{tmp_path / 'a.yaml'}:3" in found.message
