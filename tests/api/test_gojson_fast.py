"""The fast path for plain request bodies gives exactly the general decoder's result, and
steps aside for everything it cannot do exactly."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daprlite.api.binding_request import OutputBindingBody, decode_output_binding_request_in_full
from daprlite.api.binding_request_fast import fast_output_binding_request

# Characters Go treats specially on the way out, mixed into ordinary text.
tricky_text = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from('<>&\u2028\u2029\x00\x1f\x7f\b\f"\\'),
    max_size=12,
)


def nested(leaves: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4)
        ),
        max_leaves=20,
    )


def request_bodies(values: st.SearchStrategy[object]) -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda data, metadata, operation, ascii_only: json.dumps(
            {"data": data, "metadata": metadata, "operation": operation}, ensure_ascii=ascii_only
        ).encode(),
        values,
        st.none() | st.dictionaries(tricky_text, tricky_text, max_size=3),
        st.none() | tricky_text,
        st.booleans(),
    )


# Values plain `json` writes exactly as Go does: no floats, integers of at most 15 digits.
plain_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15 - 1), max_value=10**15 - 1),
    tricky_text,
)
plain_bodies = request_bodies(nested(plain_leaves))
bodies = request_bodies(
    nested(
        plain_leaves
        | st.integers(min_value=-(10**18), max_value=10**18)
        | st.floats(allow_nan=False, allow_infinity=False)
    )
)


@settings(max_examples=400, deadline=None)
@given(bodies)
def test_the_fast_path_agrees_with_the_general_decoder(body: bytes) -> None:
    fast = fast_output_binding_request(body)
    if fast is not None:
        assert OutputBindingBody(*fast) == decode_output_binding_request_in_full(body)


@settings(max_examples=200, deadline=None)
@given(plain_bodies)
def test_plain_bodies_take_the_fast_path(body: bytes) -> None:
    # Without this, a fast path that always stepped aside would pass the property above.
    fast = fast_output_binding_request(body)
    assert fast is not None, body
    assert OutputBindingBody(*fast) == decode_output_binding_request_in_full(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": 1.5, "operation": "create"}',  # floats: Go's own number formatting
        b'{"data": 12345678901234567890}',  # beyond float64's exact integers
        b'{"data": -0}',
        b'{"Data": 1}',  # key matched case-insensitively by Go
        b'{"data": 1, "extra": 2}',
        b'{"metadata": {"a": 1}}',  # a type error with Go's message
        b'{"data": "\\ud800"}',  # a lone surrogate: Go writes U+FFFD
        b"[1]",
        b"",
        b'{"data": NaN}',
        b'{"data": 1} trailing',
        b'{"operation": "x", "operation": null}',  # Go: null leaves the first value
        b'{"data": {"a": 1, "a": 2}}',
    ],
)
def test_bodies_it_cannot_do_exactly_go_the_general_way(body: bytes) -> None:
    assert fast_output_binding_request(body) is None


def test_a_plain_body_is_taken_and_escaped_as_go_does() -> None:
    body = b'{"operation":"create","data":{"b":"<&>","a":[1,-2,"\\u2028"]},"metadata":{"k":"v"}}'
    assert fast_output_binding_request(body) == (
        b'{"a":[1,-2,"\\u2028"],"b":"\\u003c\\u0026\\u003e"}',
        {"k": "v"},
        "create",
    )
