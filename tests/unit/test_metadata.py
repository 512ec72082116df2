"""MetadataReader: typed, case-insensitive metadata, and errors that name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from daprlite.components.metadata import MetadataReader, parse_duration
from daprlite.model.component import Component
from daprlite.model.errors import MetadataError

FILE = Path("components/kafka.yaml")


def reader(**metadata: str) -> MetadataReader:
    lines = {key: 10 + index for index, key in enumerate(metadata)}
    component = Component(
        name="orders",
        type="bindings.kafka",
        version="v1",
        metadata=metadata,
        file=FILE,
        line=1,
        metadata_lines=lines,
    )
    return MetadataReader(component)


def test_keys_are_case_insensitive() -> None:
    meta = reader(consumerGroup="g1", Brokers="a:9092")
    assert meta.text("consumergroup") == "g1"
    assert meta.text("CONSUMERGROUP") == "g1"
    assert meta.items("brokers") == ["a:9092"]
    assert meta.has("BROKERS") and not meta.has("topics")


def test_text_and_required() -> None:
    meta = reader(topic="orders", empty="")
    assert meta.text("topic") == "orders"
    assert meta.text("missing") is None
    assert meta.text("missing", "fallback") == "fallback"
    assert meta.text("empty", "fallback") == "fallback"
    assert meta.required("TOPIC") == "orders"
    with pytest.raises(MetadataError) as caught:
        meta.required("empty")
    assert str(caught.value) == (
        f"{FILE}:11: component orders: metadata field 'empty' is required but missing or empty"
    )
    with pytest.raises(MetadataError, match=rf"^{FILE}:1: .*'publishTopic' is required"):
        meta.required("publishTopic")  # absent: the component's own line


def test_has_and_explicit() -> None:
    meta = reader(empty="", set="x")
    assert meta.has("empty") and not meta.explicit("empty")
    assert meta.has("set") and meta.explicit("SET")
    assert not meta.has("absent") and not meta.explicit("absent")


@pytest.mark.parametrize("word", ["1", "t", "T", "TRUE", "true", "True", "yes", "ON", " true "])
def test_boolean_true(word: str) -> None:
    assert reader(flag=word).boolean("flag", False) is True


@pytest.mark.parametrize("word", ["0", "f", "F", "FALSE", "false", "False", "no", "off"])
def test_boolean_false(word: str) -> None:
    assert reader(flag=word).boolean("flag", True) is False


def test_boolean_default_and_error() -> None:
    assert reader().boolean("flag", True) is True
    assert reader(flag="").boolean("flag", False) is False
    with pytest.raises(MetadataError, match=rf"^{FILE}:10: .*'disableTls' must be true or false"):
        reader(disableTls="maybe").boolean("disabletls", False)


def test_integer() -> None:
    assert reader(n="42").integer("n", 0) == 42
    assert reader(n=" -1 ").integer("n", 0, minimum=-1) == -1
    assert reader().integer("n", 7) == 7
    with pytest.raises(
        MetadataError, match=rf"^{FILE}:10: .*'n' must be a whole number, got '4.5'"
    ):
        reader(n="4.5").integer("n", 0)
    with pytest.raises(MetadataError, match=r"'n' must be at least 0, got -3"):
        reader(n="-3").integer("n", 0, minimum=0)


def test_number() -> None:
    assert reader(x="1.5").number("x", 0.0) == 1.5
    assert reader(x="2e3").number("x", 0.0) == 2000.0
    assert reader().number("x", 0.5) == 0.5
    with pytest.raises(MetadataError, match="must be a number"):
        reader(x="fast").number("x", 0.0)
    with pytest.raises(MetadataError, match="must be at least 1"):
        reader(x="0.5").number("x", 0.0, minimum=1.0)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("5s", 5.0),
        ("100ms", 0.1),
        ("1m", 60.0),
        ("1h2m3.5s", 3723.5),
        ("1.5h", 5400.0),
        (".5s", 0.5),
        ("250us", 0.00025),
        ("250µs", 0.00025),
        ("10ns", 1e-8),
        ("-5s", -5.0),
        ("+2m", 120.0),
        ("0", 0.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "s", "5 s", "1d", "5s3", "--5s", "1.2.3s", "٣s"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_duration_bare_numbers_use_the_bare_unit() -> None:
    assert reader(d="250").duration("d", 1.0) == 0.25
    assert reader(d="3").duration("d", 1.0, bare_unit="s") == 3.0
    assert reader(d="2m").duration("d", 1.0) == 120.0
    assert reader().duration("d", 1.5) == 1.5
    with pytest.raises(MetadataError, match=rf"^{FILE}:10: .*'d' must be a duration"):
        reader(d="soon").duration("d", 1.0)


def test_duration_trims_what_parse_duration_refuses() -> None:
    # Go's ParseDuration refuses " 2m " (so does parse_duration); the reader trims it first.
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(" 2m ")
    assert reader(d=" 2m ").duration("d", 1.0) == 120.0


def test_choice() -> None:
    options = ("newest", "oldest")
    assert reader(initialOffset="OLDEST").choice("initialoffset", options, "newest") == "oldest"
    assert reader().choice("initialOffset", options, "newest") == "newest"
    with pytest.raises(MetadataError, match=r"must be one of newest, oldest, got 'latest'"):
        reader(initialOffset="latest").choice("initialOffset", options, "newest")


def test_items_trim_and_drop_empties() -> None:
    assert reader(brokers="a:9092, b:9092,,").items("brokers") == ["a:9092", "b:9092"]
    assert reader(brokers="").items("brokers") == []
    assert reader().items("brokers") == []


def test_metadata_error_keeps_its_parts() -> None:
    with pytest.raises(MetadataError) as caught:
        reader(port="x").integer("PORT", 0)
    error = caught.value
    assert (error.component, error.field, error.where) == ("orders", "port", f"{FILE}:10")


def test_error_for_a_binding_own_checks_names_file_and_line() -> None:
    error = reader(authType="").error("AUTHTYPE", "is missing or empty")
    assert str(error) == (
        f"{FILE}:10: component orders: metadata field 'authType' is missing or empty"
    )
    assert str(reader().error("brokers", "is required")).startswith(f"{FILE}:1: ")
