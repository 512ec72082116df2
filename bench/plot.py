"""The PNG: daprlite and daprd side by side (same colour per sidecar in every panel) for output
throughput and c=1 latency with both ceilings, input throughput, start-up and idle RSS, and
the daprlite / daprd ratio of every row of the report. Bars are medians; whiskers span the min
and max run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.report import versus_daprd

COLOURS = {"daprlite": "tab:blue", "daprd": "tab:orange"}
CEILING_COLOURS = {"ceiling": "0.55", "latency-ceiling": "0.8"}
CEILING_LABELS = {"ceiling": "ceiling, throughput", "latency-ceiling": "ceiling, latency"}


def _bar(case: Mapping[str, Any] | None, key: str) -> tuple[float, float, float]:
    value = (case or {}).get(key)
    if not isinstance(value, Mapping) or value["median"] != value["median"]:  # absent or NaN
        return 0.0, 0.0, 0.0
    med = value["median"]
    return med, med - value["min"], value["max"] - med


def _bars(
    ax: Any,
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[tuple[float, float, float]], str]],
) -> None:
    """One cluster per group, one bar per series (label, colour, bars, hatch)."""
    width = 0.8 / len(series)
    for i, (label, colour, bars, hatch) in enumerate(series):
        xs = [x + i * width for x in range(len(groups))]
        ax.bar(xs, [b[0] for b in bars], width, label=label, color=colour, hatch=hatch,
               edgecolor="white" if hatch else None,
               yerr=[[b[1] for b in bars], [b[2] for b in bars]], capsize=2)  # fmt: skip
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(groups))])
    ax.set_xticklabels(groups)


def write_png(results: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a build machine
    import matplotlib.pyplot as plt

    meta, out, inp, start = results["meta"], results["output"], results["input"], results["startup"]
    kinds, concurrencies = meta["kinds"], meta["concurrencies"]
    fig, axes = plt.subplots(2, 3, figsize=(18, 10))

    ax = axes[0][0]
    series = [(CEILING_LABELS[m], CEILING_COLOURS[m],
               [_bar(out.get(f"{m}/c{c}"), "msgs_per_s") for c in concurrencies], "")
              for m in CEILING_LABELS]  # fmt: skip
    series += [(f"{kind} {api}", COLOURS[kind],
                [_bar(out.get(f"{kind}-{api}/c{c}"), "msgs_per_s") for c in concurrencies],
                "//" if api == "grpc" else "")
               for api in ("http", "grpc") for kind in kinds]  # fmt: skip
    _bars(ax, [f"c={c}" for c in concurrencies], series)
    _plain_log(ax, "y")
    ax.set_ylabel("msgs/s (log)")
    ax.set_title("Output throughput (hatched: gRPC)")
    ax.legend(fontsize=8)

    ax = axes[0][1]
    quantiles = ("p50_ms", "p99_ms")
    groups = [f"{api} {q.removesuffix('_ms')}" for api in ("HTTP", "gRPC") for q in quantiles]
    series = [(kind, COLOURS[kind],
               [_bar(out.get(f"{kind}-{api}/c1"), q) for api in ("http", "grpc")
                for q in quantiles], "")
              for kind in kinds]  # fmt: skip
    _bars(ax, groups, series)
    for mode, style in (("latency-ceiling", "--"), ("ceiling", ":")):
        p50 = _bar(out.get(f"{mode}/c1"), "p50_ms")[0]
        if p50:
            ax.axhline(p50, color="0.3", linestyle=style, label=f"{CEILING_LABELS[mode]} p50")
    _plain_log(ax, "y")
    ax.set_ylim(top=ax.get_ylim()[1] * 4)  # room for the legend above the bars
    ax.set_ylabel("ms (log)")
    ax.set_title("Output latency at c=1")
    ax.legend(fontsize=8, loc="upper left")

    ax = axes[0][2]
    series = [(kind, COLOURS[kind], [_bar(inp.get(f"{kind}-input/p{p}"), "msgs_per_s")
                                     for p in (1, 6)], "")
              for kind in kinds]  # fmt: skip
    _bars(ax, ["1 partition", "6 partitions"], series)
    ax.set_ylabel("msgs/s delivered to the app")
    ax.set_title("Input throughput (1 KB records)")
    ax.legend(fontsize=8)

    ax = axes[1][0]
    fields = ("outbound_ready_s", "healthz_ready_s", "cli_help_s", "cli_version_s", "cli_list_s")
    series = [(kind, COLOURS[kind], [_bar(start.get(f"{kind}-startup"), f) for f in fields], "")
              for kind in kinds]  # fmt: skip
    _bars(ax, ["outbound-\nready", "healthz-\nready", "--help", "--version", "list"], series)
    ax.set_ylabel("s (sidecar: from spawn; CLI: one whole process)")
    ax.set_title("Start-up (seed's component, app beside); CLI: daprlite only")
    ax.legend(fontsize=8)

    ax = axes[1][1]
    series = [(kind, COLOURS[kind], [_bar(start.get(f"{kind}-startup"), "idle_rss_mb"),
                                     _bar(out.get(f"{kind}-http/c64"), "rss_mb"),
                                     _bar(inp.get(f"{kind}-input/p6"), "rss_mb")], "")
              for kind in kinds]  # fmt: skip
    _bars(ax, ["idle", "peak, HTTP c=64", "peak, input 6p"], series)
    ax.set_ylabel("sidecar RSS MB")
    ax.set_title("Memory")
    ax.legend(fontsize=8)

    _ratios(axes[1][2], results if "daprd" in kinds else None)

    fig.suptitle(f"daprlite bench, {meta['date']} ({meta['machine']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _ratios(ax: Any, results: Mapping[str, Any] | None) -> None:
    """daprlite / daprd per row, green where the issue's done-means holds, red where not."""
    ax.set_title("daprlite / daprd (green: done-means met)")
    if results is None:
        ax.text(0.5, 0.5, "no DAPRD= given", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    rows = [r for r in versus_daprd(results) if r["met"] is not None]
    ys = range(len(rows))
    colours = ["tab:green" if r["met"] else "tab:red" for r in rows]
    ax.barh(list(ys), [r["ratio"] for r in rows], color=colours)
    for y, row in zip(ys, rows, strict=True):
        ax.annotate(f"{row['ratio']:.2f}", (row["ratio"], y), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=7)  # fmt: skip
    ax.set_yticks(list(ys))
    ax.set_yticklabels([f"{r['figure']} ({r['better']} better)" for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=1)
    _plain_log(ax, "x")
    ax.set_xlabel("daprlite / daprd (log)")


def _plain_log(ax: Any, axis: str) -> None:
    """A log axis labelled 0.5, 1, 2, 5, ... rather than powers of ten, minor ticks unlabelled."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    scale = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    scale.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    scale.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,g}"))
    scale.set_minor_formatter(NullFormatter())
