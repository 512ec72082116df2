"""The PNG: output msgs/s and latency percentiles per path and concurrency, and the input cases.
Bars are medians; whiskers span the min and max run."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _bar(case: Mapping[str, Any] | None, key: str) -> tuple[float, float, float]:
    value = (case or {}).get(key)
    if not isinstance(value, Mapping):
        return 0.0, 0.0, 0.0
    med = value["median"]
    return med, med - value["min"], value["max"] - med


def write_png(results: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a build machine
    import matplotlib.pyplot as plt

    meta, out, inp = results["meta"], results["output"], results["input"]
    paths = ["ceiling"] + [f"{k}-{api}" for k in meta["kinds"] for api in ("http", "grpc")]
    concurrencies = meta["concurrencies"]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    width = 0.8 / len(paths)

    ax = axes[0]
    for i, name in enumerate(paths):
        bars = [_bar(out.get(f"{name}/c{c}"), "msgs_per_s") for c in concurrencies]
        xs = [x + i * width for x in range(len(concurrencies))]
        ax.bar(xs, [b[0] for b in bars], width, label=name,
               yerr=[[b[1] for b in bars], [b[2] for b in bars]], capsize=3)  # fmt: skip
    ax.set_xticks([x + width * (len(paths) - 1) / 2 for x in range(len(concurrencies))])
    ax.set_xticklabels([f"c={c}" for c in concurrencies])
    ax.set_ylabel("msgs/s")
    ax.set_title("Output throughput")
    ax.legend()

    ax = axes[1]
    labels, groups = [], []
    for c in concurrencies:
        for name in paths:
            labels.append(f"{name}\nc={c}")
            groups.append(out.get(f"{name}/c{c}"))
    for j, q in enumerate(("p50_ms", "p90_ms", "p99_ms")):
        bars = [_bar(case, q) for case in groups]
        xs = [x + j * 0.27 for x in range(len(groups))]
        ax.bar(xs, [b[0] for b in bars], 0.27, label=q.removesuffix("_ms"),
               yerr=[[b[1] for b in bars], [b[2] for b in bars]], capsize=2)  # fmt: skip
    ax.set_xticks([x + 0.27 for x in range(len(groups))])
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel("ms (log)")
    ax.set_title("Output latency percentiles")
    ax.legend()

    ax = axes[2]
    names = [f"{k}-input/p{p}" for k in meta["kinds"] for p in (1, 6)]
    bars = [_bar(inp.get(n), "msgs_per_s") for n in names]
    ax.bar(range(len(names)), [b[0] for b in bars],
           yerr=[[b[1] for b in bars], [b[2] for b in bars]], capsize=3)  # fmt: skip
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([n.replace("-input/", "\n") for n in names])
    ax.set_ylabel("msgs/s delivered to the app")
    ax.set_title("Input throughput")
    for x, n in enumerate(names):
        e2e = (inp.get(n) or {}).get("e2e_p50_ms")
        if isinstance(e2e, Mapping):
            ax.annotate(f"e2e p50 {e2e['median']:.1f} ms", (x, 0), ha="center", va="bottom",
                        fontsize=8)  # fmt: skip

    fig.suptitle(f"daprlite bench, {meta['date']} ({meta['machine']})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
