"""url.QueryEscape, pinned to Go 1.26's output (`fmt.Printf("%q", url.QueryEscape(s))`)."""

from __future__ import annotations

import pytest

from daprlite.gocompat.urlquery import query_escape


@pytest.mark.parametrize(
    ("text", "go"),
    [
        ("plain", "plain"),
        ("a b", "a+b"),
        ("x-y_z.w~", "x-y_z.w~"),
        ("a/b?c=d&e", "a%2Fb%3Fc%3Dd%26e"),
        ("naïve", "na%C3%AFve"),
        ("ü€", "%C3%BC%E2%82%AC"),
        ("+%", "%2B%25"),
        ("Content-Type", "Content-Type"),
        ("", ""),
        ("tab\there", "tab%09here"),
        ("*'()!", "%2A%27%28%29%21"),
    ],
)
def test_query_escape_matches_go(text: str, go: str) -> None:
    assert query_escape(text) == go
