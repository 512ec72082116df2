"""The rejected fixtures are refused by a real API server with the message each one names, and
the accepted ones are taken; every verdict is printed in the session's summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.k8s.fixture_files import ACCEPTED, REJECTED, expected_fragment, fixture_id
from tests.support.kube_api import KubeAPI, Verdict, documents


def verdicts(api: KubeAPI, fixture: Path) -> list[Verdict]:
    docs = documents(fixture.read_text())
    assert docs, f"{fixture} holds no Kubernetes object"
    return [api.dry_run(document) for document in docs]


def test_there_are_rejected_fixtures() -> None:
    assert REJECTED, "tests/k8s/fixtures/rejected/ has no fixture"


@pytest.mark.parametrize("fixture", REJECTED, ids=fixture_id)
def test_rejected_fixture_is_refused_with_its_message(
    kube_apiserver: KubeAPI, record_verdict: list[tuple[str, Verdict]], fixture: Path
) -> None:
    fragment = expected_fragment(fixture)
    found = verdicts(kube_apiserver, fixture)
    record_verdict.extend((fixture_id(fixture), verdict) for verdict in found)
    refused = [verdict for verdict in found if not verdict.accepted]
    assert refused, f"{fixture}: the server accepted it"
    assert any(fragment in verdict.message for verdict in refused), (
        f"{fixture}: expected {fragment!r} in the server's refusal, got "
        + " | ".join(verdict.message for verdict in refused)
    )


@pytest.mark.parametrize("fixture", ACCEPTED, ids=fixture_id)
def test_accepted_fixture_is_taken(
    kube_apiserver: KubeAPI, record_verdict: list[tuple[str, Verdict]], fixture: Path
) -> None:
    found = verdicts(kube_apiserver, fixture)
    record_verdict.extend((fixture_id(fixture), verdict) for verdict in found)
    refused = [verdict for verdict in found if not verdict.accepted]
    assert not refused, f"{fixture}: " + " | ".join(verdict.message for verdict in refused)
