"""`daprlite components validate --kubernetes` through Typer's CliRunner: the seed's component,
every problem at once (errors, then warnings), and the exit code set by errors only."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from daprlite.cli import components

ROOT = Path(__file__).resolve().parents[2]
REJECTED = Path(__file__).parent / "fixtures" / "rejected"


@pytest.fixture
def cli() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """A root like daprlite's, so `components` is a sub-command."""

    components.register(root)
    return root


def test_the_seed_component_is_accepted_with_its_warnings(cli: typer.Typer) -> None:
    seed = ROOT / "components"
    result = CliRunner().invoke(cli, ["components", "validate", "--kubernetes", "-d", str(seed)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("⚠  3 warnings")
    assert lines[2].startswith(f"  {seed / 'kafka_bindings.yaml'}:11: spec.metadata[0] brokers")
    assert lines[-1] == (
        "✅  1 component accepted by a Kubernetes API server with Dapr's CRDs (3 warnings above)"
    )


def test_errors_fail_the_command_and_come_before_warnings(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["components", "validate", "-k", "-d", str(REJECTED)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    fixtures = len(list(REJECTED.glob("*.yaml")))
    assert lines[0] == f"❌  {fixtures} errors: a Kubernetes API server with Dapr's CRDs would " \
                       "refuse these:"  # fmt: skip
    warned = next(i for i, line in enumerate(lines) if line.startswith("⚠"))
    assert warned == fixtures + 1
    assert all(line.startswith(f"  {REJECTED}/") for line in lines[1:warned])
    assert "✅" not in result.output
