"""Binding metadata → HTTP headers, named and filtered as daprd does (reference §3.2)."""

from __future__ import annotations

from daprlite.runtime.app_channel import metadata_headers


def test_names_are_lower_cased_then_canonicalised_like_go() -> None:
    headers = metadata_headers({"myHeader": "1", "x-corr-id": "2", "__topic": "t", "__key": "k"})
    assert headers == {"Myheader": "1", "X-Corr-Id": "2", "__topic": "t", "__key": "k"}


def test_framing_hop_by_hop_and_binary_keys_are_dropped() -> None:
    dropped = {
        "Content-Type": "x",
        "content-length": "1",
        "Connection": "close",
        "transfer-encoding": "chunked",
        "trace-bin": "\x00",
        "proxy-authorization": "secret",
    }
    assert metadata_headers(dropped | {"kept": "yes"}) == {"Kept": "yes"}


def test_grpc_keys_get_the_dapr_prefix() -> None:
    assert metadata_headers({"grpc-timeout": "1S"}) == {"Dapr-Grpc-Timeout": "1S"}
