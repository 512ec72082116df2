"""The Kubernetes fixtures: YAML files under fixtures/rejected (a real API server must refuse
them) and fixtures/accepted (it must take them), each opening with `# expect: <fragment>`."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).parent / "fixtures"
REJECTED = sorted((FOLDER / "rejected").glob("*.yaml"))
ACCEPTED = sorted((FOLDER / "accepted").glob("*.yaml"))
_EXPECT = "# expect:"


def expected_fragment(fixture: Path) -> str:
    """The text after `# expect:` on the first line: part of the message the fixture must
    draw (for accepted fixtures, possibly a warning of daprlite's)."""
    first_line = fixture.read_text().partition("\n")[0]
    if not first_line.startswith(_EXPECT):
        raise ValueError(f"{fixture}: the first line must be `{_EXPECT} <message fragment>`")
    fragment = first_line.removeprefix(_EXPECT).strip()
    if not fragment:
        raise ValueError(f"{fixture}: `{_EXPECT}` names no message fragment")
    return fragment


def fixture_id(fixture: Path) -> str:
    return f"{fixture.parent.name}/{fixture.name}"
