"""Two Prometheus scrapes compared family by family (type, help, names as written, label names
and values, bucket bounds, recorded counts) and written as markdown, for bench.compare_metrics."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

Series = tuple[tuple[str, str], ...]  # sorted (label, value) pairs, `le` left out

APP_ID = "<app-id>"
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


@dataclass
class Family:
    name: str
    kind: str
    help: str
    written: set[str] = field(default_factory=set)  # sample names exactly as in the text
    label_names: tuple[str, ...] = ()
    values: dict[str, set[str]] = field(default_factory=dict)
    buckets: tuple[str, ...] = ()  # `le` bounds as written, in order
    counts: dict[Series, float] = field(default_factory=dict)  # counter, gauge or _count value
    samples: int = 0


def parse(text: str, app_id: str, prefix: str = "dapr_") -> dict[str, Family]:
    """The `prefix` families of one scrape, the app's id in any label value made `<app-id>`."""
    families: dict[str, Family] = {}
    for parsed in text_string_to_metric_families(text):
        if not parsed.name.startswith(prefix):
            continue
        family = families[parsed.name] = Family(parsed.name, parsed.type, parsed.documentation)
        names: set[str] = set()
        bounds: list[str] = []
        for sample in parsed.samples:
            family.samples += 1
            labels = {k: _normalised(v, app_id) for k, v in sample.labels.items()}
            le = labels.pop("le", None)
            names |= labels.keys()
            for key, value in labels.items():
                family.values.setdefault(key, set()).add(value)
            series: Series = tuple(sorted(labels.items()))
            if le is not None and le not in bounds:
                bounds.append(le)
            if parsed.type != "histogram" or sample.name.endswith("_count"):
                family.counts[series] = sample.value
        family.label_names, family.buckets = tuple(sorted(names)), tuple(bounds)
    for line in text.splitlines():
        match = _NAME.match(line)
        if match is None:
            continue
        written = match.group()
        owner = max((f for f in families if written.startswith(f)), key=len, default=None)
        if owner is not None:
            families[owner].written.add(written)
    return families


def _normalised(value: str, app_id: str) -> str:
    return value.replace(app_id, APP_ID) if app_id else value


@dataclass(frozen=True, slots=True)
class Rules:
    """What the comparison knows beforehand.

    `known_gaps`: family-name prefixes someone is building, marked rather than counted as
    differences. `polled`: label values, and `polled_families`, whose counts depend on how
    often a client polled, not compared. `explained`: per family, why it differs (printed only
    when it does)."""

    known_gaps: tuple[str, ...] = ()
    polled: frozenset[str] = frozenset()
    polled_families: frozenset[str] = frozenset()
    explained: Mapping[str, str] = field(default_factory=dict)


def compare(
    left: Mapping[str, Family],
    right: Mapping[str, Family],
    sides: tuple[str, str],
    rules: Rules = Rules(),
) -> list[str]:
    """Markdown: one summary table, then what differs (or is alike) in each family."""
    gaps = rules.known_gaps
    a, b = sides
    lines = [f"| family | {a} | {b} | verdict |", "|---|---|---|---|"]
    details: list[str] = []
    for name in sorted(left.keys() | right.keys()):
        x, y = left.get(name), right.get(name)
        if x is None or y is None:
            present = x or y
            assert present is not None
            only = a if x else b
            verdict = f"{only} only"
            if y is None and name.startswith(gaps):
                verdict += " (known gap, being built)"
            shown = _shown(present)
            lines.append(f"| {shown} | {_brief(x)} | {_brief(y)} | {verdict} |")
            labels = ", ".join(present.label_names)
            details.append(
                f"- {shown} ({verdict}): {present.kind}, labels `{labels}`; "
                + _values_text(present.values)
            )
            if name in rules.explained:
                details.append(f"  - why: {rules.explained[name]}")
            continue
        counts_polled = name in rules.polled_families
        notes = _differences(x, y, sides, None if counts_polled else rules.polled)
        verdict = "same" if not notes else "differs: " + ", ".join(sorted({n[0] for n in notes}))
        shown = _shown(x) if x.written == y.written else f"{_shown(x)} / {_shown(y)}"
        lines.append(f"| {shown} | {_brief(x)} | {_brief(y)} | {verdict} |")
        details.append(f"- {shown}: {verdict}")
        details += [f"  - {text}" for _, text in notes]
        if notes and name in rules.explained:
            details.append(f"  - why: {rules.explained[name]}")
        if not notes:
            details.append(
                f"  - labels `{', '.join(x.label_names)}`; {_values_text(x.values)}"
                + (f"; {len(x.buckets)} bounds" if x.buckets else "")
            )
    return [*lines, "", *details]


def _shown(family: Family) -> str:
    """The family as written: a counter's own name (which the parser may have cut `_total`
    from), a histogram's or gauge's base name."""
    if family.kind == "counter" and family.written:
        return ", ".join(f"`{name}`" for name in sorted(family.written))
    return f"`{family.name}`"


def _brief(family: Family | None) -> str:
    if family is None:
        return "–"
    return f"{family.kind}, {len(family.counts)} series, {family.samples} samples"


def _values_text(values: Mapping[str, set[str]]) -> str:
    return "; ".join(f"`{k}` ∈ {_set(v)}" for k, v in sorted(values.items())) or "no labels"


def _set(values: Iterable[str]) -> str:
    return "{" + ", ".join(f'"{v}"' for v in sorted(values)) + "}"


def _differences(
    x: Family, y: Family, sides: tuple[str, str], polled: frozenset[str] | None
) -> list[tuple[str, str]]:
    """(kind of difference, sentence) pairs; empty when the two families agree. Counts are
    compared except for series with a `polled` label value, or at all when `polled` is None."""
    a, b = sides
    notes: list[tuple[str, str]] = []
    if x.kind != y.kind:
        notes.append(("type", f"type: {a} {x.kind}, {b} {y.kind}"))
    if x.help != y.help:
        notes.append(("help", f'help: {a} "{x.help}", {b} "{y.help}"'))
    if x.written != y.written:
        notes.append(("names", f"sample names: {a} {_set(x.written)}, {b} {_set(y.written)}"))
    if x.label_names != y.label_names:
        notes.append(
            ("label names", f"label names: {a} {_set(x.label_names)}, {b} {_set(y.label_names)}")
        )
    for label in sorted(x.values.keys() | y.values.keys()):
        ours, theirs = x.values.get(label, set()), y.values.get(label, set())
        if ours != theirs:
            text = f"`{label}`: both {_set(ours & theirs)}"
            if ours - theirs:
                text += f"; {a} only {_set(ours - theirs)}"
            if theirs - ours:
                text += f"; {b} only {_set(theirs - ours)}"
            notes.append(("label values", text))
    if x.buckets != y.buckets:
        notes.append(("buckets", f"bounds: {a} {', '.join(x.buckets)}; {b} {', '.join(y.buckets)}"))
    for series in sorted(x.counts.keys() - y.counts.keys()):
        notes.append(("series", f"series only in {a}: {_series(series)} = {x.counts[series]:g}"))
    for series in sorted(y.counts.keys() - x.counts.keys()):
        notes.append(("series", f"series only in {b}: {_series(series)} = {y.counts[series]:g}"))
    for series in sorted(x.counts.keys() & y.counts.keys()):
        if polled is None or polled & {value for _, value in series}:
            continue
        if x.counts[series] != y.counts[series]:
            notes.append(
                (
                    "counts",
                    f"count of {_series(series)}: {a} {x.counts[series]:g}, "
                    f"{b} {y.counts[series]:g}",
                )
            )
    return notes


def _series(series: Series) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in series) + "}"
