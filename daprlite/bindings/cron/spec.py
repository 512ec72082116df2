"""The cron grammar daprd's cron binding accepts (dapr/kit's fork of robfig/cron), with its
error texts: 5 fields or 6 with seconds first, `*` `?` ranges steps lists and names, a `TZ=` or
`CRON_TZ=` prefix, the `@` descriptors and `@every <Go duration>`.
"""

from __future__ import annotations

from enum import IntFlag

from daprlite.bindings.cron.schedule import (
    DAYS_OF_MONTH,
    DAYS_OF_WEEK,
    HOURS,
    MINUTES,
    MONTHS,
    SECONDS,
    STAR_BIT,
    Bounds,
    EverySchedule,
    FieldSchedule,
    Schedule,
    bits,
    every_value,
)
from daprlite.gocompat.duration import DurationError, parse_duration_nanos
from daprlite.gocompat.gotime import Location
from daprlite.gocompat.strconv import AtoiError, atoi
from daprlite.gocompat.text import fields, trim_space
from daprlite.gocompat.zoneload import LocationError, load_location, local_location


class Fields(IntFlag):
    """kit's ParseOption: which fields a parser reads (the rest get their defaults)."""

    SECOND = 1
    SECOND_OPTIONAL = 2
    MINUTE = 4
    HOUR = 8
    DOM = 16
    MONTH = 32
    DOW = 64
    DOW_OPTIONAL = 128
    DESCRIPTOR = 256


# The parser components-contrib's cron binding builds.
DAPRD = (
    Fields.SECOND_OPTIONAL
    | Fields.MINUTE
    | Fields.HOUR
    | Fields.DOM
    | Fields.MONTH
    | Fields.DOW
    | Fields.DESCRIPTOR
)
_PLACES = (Fields.SECOND, Fields.MINUTE, Fields.HOUR, Fields.DOM, Fields.MONTH, Fields.DOW)
_DEFAULTS = ("0", "0", "0", "*", "*", "*")
_BOUNDS = (SECONDS, MINUTES, HOURS, DAYS_OF_MONTH, MONTHS, DAYS_OF_WEEK)


class SpecError(ValueError):
    """A schedule kit's parser refuses; the message is its error text."""


def parse(spec: str, options: Fields = DAPRD) -> Schedule:
    """The schedule `spec` describes, or SpecError where kit's Parser.Parse errors.

    Reads zone files: call it off the event loop.
    """
    if not spec:
        raise SpecError("empty spec string")
    location = local_location()
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        if space < 0:
            # kit slices up to the first space without checking there is one: daprd panics
            # ("slice bounds out of range") and exits.
            raise SpecError(
                "a TZ= or CRON_TZ= prefix must be followed by a space and the schedule "
                "(daprd panics on this spec: runtime error: slice bounds out of range [:-1])"
            )
        zone = spec[spec.find("=") + 1 : space]
        try:
            location = load_location(zone)
        except LocationError as exc:
            raise SpecError(f"provided bad location {zone}: {exc}") from None
        spec = trim_space(spec[space:])
    if spec.startswith("@"):
        if not options & Fields.DESCRIPTOR:
            raise SpecError(f"parser does not accept descriptors: {spec}")
        return _descriptor(spec, location)
    texts = normalize(fields(spec), options)
    second, minute, hour, dom, month, dow = (
        field_bits(text, bounds) for text, bounds in zip(texts, _BOUNDS, strict=True)
    )
    return FieldSchedule(second, minute, hour, dom, month, dow, location)


def normalize(given: list[str], options: Fields) -> list[str]:
    """The six fields, seconds first: the ones the options leave out get their defaults."""
    optionals = 0
    if options & Fields.SECOND_OPTIONAL:
        options |= Fields.SECOND
        optionals += 1
    if options & Fields.DOW_OPTIONAL:
        options |= Fields.DOW
        optionals += 1
    if optionals > 1:
        raise SpecError("multiple optionals may not be configured")
    most = sum(1 for place in _PLACES if options & place)
    least = most - optionals
    count = len(given)
    if not least <= count <= most:
        shown = "[" + " ".join(given) + "]"  # Go's %s of a []string
        if least == most:
            raise SpecError(f"expected exactly {least} fields, found {count}: {shown}")
        raise SpecError(f"expected {least} to {most} fields, found {count}: {shown}")
    if least < most and count == least:
        # The optional field left out takes its default: the weekday last, the second first.
        dow_left_out = bool(options & Fields.DOW_OPTIONAL)
        given = [*given, _DEFAULTS[5]] if dow_left_out else [_DEFAULTS[0], *given]
    supplied = iter(given)
    return [
        next(supplied) if options & place else default
        for place, default in zip(_PLACES, _DEFAULTS, strict=True)
    ]


def field_bits(text: str, bounds: Bounds) -> int:
    """A comma-separated list of ranges; empty items are skipped (so `,` allows nothing)."""
    found = 0
    for expr in (part for part in text.split(",") if part):
        found |= range_bits(expr, bounds)
    return found


def range_bits(expr: str, bounds: Bounds) -> int:
    """`*`, `?`, `n`, `a-b`, each with an optional `/step` (`n/step` runs to the maximum)."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    star = 0
    if low_and_high[0] in ("*", "?"):
        # What follows a star's hyphen is never read: `*-5` is `*`.
        start, end, star = bounds.low, bounds.high, STAR_BIT
    else:
        start = _number_or_name(low_and_high[0], bounds)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _number_or_name(low_and_high[1], bounds)
        else:
            raise SpecError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _number(range_and_step[1])
        if len(low_and_high) == 1:
            end = bounds.high
        if step > 1:
            star = 0
    else:
        raise SpecError(f"too many slashes: {expr}")
    if start < bounds.low:
        raise SpecError(f"beginning of range ({start}) below minimum ({bounds.low}): {expr}")
    if end > bounds.high:
        raise SpecError(f"end of range ({end}) above maximum ({bounds.high}): {expr}")
    if start > end:
        raise SpecError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise SpecError(f"step of range should be a positive number: {expr}")
    return bits(start, end, step) | star


def _number_or_name(expr: str, bounds: Bounds) -> int:
    for name, value in bounds.names:
        if expr.lower() == name:
            return value
    return _number(expr)


def _number(expr: str) -> int:
    try:
        number = atoi(expr)
    except AtoiError as exc:
        raise SpecError(f"failed to parse int from {expr}: {exc}") from None
    if number < 0:
        raise SpecError(f"negative number ({number}) not allowed: {expr}")
    return number


def _descriptor(spec: str, location: Location) -> Schedule:
    all_hours, all_days = every_value(HOURS), every_value(DAYS_OF_MONTH)
    all_months, all_weekdays = every_value(MONTHS), every_value(DAYS_OF_WEEK)
    first = 1 << 0  # second, minute and hour 0
    named = {
        "@yearly": (first, first, first, 1 << 1, 1 << 1, all_weekdays),
        "@annually": (first, first, first, 1 << 1, 1 << 1, all_weekdays),
        "@monthly": (first, first, first, 1 << 1, all_months, all_weekdays),
        "@weekly": (first, first, first, all_days, all_months, 1 << 0),
        "@daily": (first, first, first, all_days, all_months, all_weekdays),
        "@midnight": (first, first, first, all_days, all_months, all_weekdays),
        "@hourly": (first, first, all_hours, all_days, all_months, all_weekdays),
    }
    if spec in named:
        second, minute, hour, dom, month, dow = named[spec]
        return FieldSchedule(second, minute, hour, dom, month, dow, location)
    if spec.startswith("@every "):
        try:
            return EverySchedule(parse_duration_nanos(spec[len("@every ") :]))
        except DurationError as exc:
            raise SpecError(f"failed to parse duration {spec}: {exc.go_text}") from None
    raise SpecError(f"unrecognized descriptor: {spec}")
