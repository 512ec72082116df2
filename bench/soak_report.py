"""The soak's numbers: samples over time, the RSS slope, and the table, JSON and PNG of a run."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

# The first samples hold start-up growth (imports, buffers, librdkafka's pools): the slope is
# fitted on what follows, where growth would mean a leak.
WARMUP_SHARE = 0.2


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the producer started
    delivered: int
    producer_rss_mb: float | None
    consumer_rss_mb: float | None
    producer_fds: int | None
    consumer_fds: int | None
    p50_ms: float  # end to end, over the messages received since the last sample
    p99_ms: float

    def line(self) -> str:
        return (
            f"  t={self.at:6.0f}s delivered={self.delivered} "
            f"rss producer/consumer={_mb(self.producer_rss_mb)}/{_mb(self.consumer_rss_mb)} MB "
            f"fds={self.producer_fds}/{self.consumer_fds} p99={self.p99_ms:.1f} ms"
        )


@dataclass(frozen=True)
class SoakResult:
    rate: float
    brokers: int
    seconds: float
    sent: int
    acked: int
    failed: int
    delivered: int
    duplicated: int
    lost: int
    out_of_order_keys: int
    samples: list[Sample] = field(default_factory=list)

    def slope(self, series: str) -> float:
        """Least-squares growth of one RSS series in MB per minute, after the warm-up."""
        points = [
            (s.at / 60, value)
            for s in self.samples[int(len(self.samples) * WARMUP_SHARE) :]
            if (value := _value(s, series)) is not None
        ]
        if len(points) < 2:
            return math.nan
        mean_x = sum(x for x, _ in points) / len(points)
        mean_y = sum(y for _, y in points) / len(points)
        spread = sum((x - mean_x) ** 2 for x, _ in points)
        if spread == 0:
            return math.nan
        return float(sum((x - mean_x) * (y - mean_y) for x, y in points) / spread)


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(pct / 100 * len(ordered)) - 1)]


def write_reports(result: SoakResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    document = asdict(result) | {
        "rssSlopeMbPerMin": {
            "producer": result.slope("producer_rss_mb"),
            "consumer": result.slope("consumer_rss_mb"),
        }
    }
    (out / "soak.json").write_text(json.dumps(document, indent=2) + "\n")
    (out / "soak.md").write_text(markdown(result))
    write_png(result, out / "soak.png")


def markdown(result: SoakResult) -> str:
    p99s = [s.p99_ms for s in result.samples if not math.isnan(s.p99_ms)]
    rows = [
        ("run", f"{result.seconds:.0f} s at {result.rate:g} msg/s, {result.brokers} broker(s)"),
        ("sent / acked / failed", f"{result.sent} / {result.acked} / {result.failed}"),
        ("delivered / duplicated", f"{result.delivered} / {result.duplicated}"),
        ("lost (must be 0)", str(result.lost)),
        ("keys out of order", str(result.out_of_order_keys)),
    ]
    for who in ("producer", "consumer"):
        rss, fd = f"{who}_rss_mb", f"{who}_fds"
        first, last = _edges(result.samples, rss)
        rows.append(
            (
                f"{who} sidecar RSS start -> end",
                f"{_mb(first)} -> {_mb(last)} MB "
                f"(slope {result.slope(rss):+.3f} MB/min after warm-up)",
            )
        )
        first_fds, last_fds = _edges(result.samples, fd)
        rows.append(
            (f"{who} sidecar open fds start -> end", f"{_count(first_fds)} -> {_count(last_fds)}")
        )
    if p99s:
        rows.append(
            (
                "end-to-end p99 per window",
                f"first {p99s[0]:.1f} ms, last {p99s[-1]:.1f} ms, worst {max(p99s):.1f} ms",
            )
        )
    lines = ["| measure | value |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows)]
    return "\n".join(lines) + "\n"


def write_png(result: SoakResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on a build machine
    import matplotlib.pyplot as plt

    minutes = [s.at / 60 for s in result.samples]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    for who in ("producer", "consumer"):
        rss = [getattr(s, f"{who}_rss_mb") for s in result.samples]
        axes[0].plot(minutes, rss, label=f"{who} sidecar")
        descriptors = [getattr(s, f"{who}_fds") for s in result.samples]
        axes[1].plot(minutes, descriptors, label=f"{who} sidecar")
    axes[0].set_title("RSS (MB)")
    axes[1].set_title("Open file descriptors")
    axes[2].plot(minutes, [s.p50_ms for s in result.samples], label="p50")
    axes[2].plot(minutes, [s.p99_ms for s in result.samples], label="p99")
    axes[2].set_title("End-to-end latency per window (ms)")
    for ax in axes:
        ax.set_xlabel("minutes")
        ax.legend()
    fig.suptitle(
        f"daprlite soak: {result.rate:g} msg/s, {result.delivered} delivered, {result.lost} lost"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _value(sample: Sample, series: str) -> float | None:
    value = getattr(sample, series)
    return None if value is None else float(value)


def _edges(samples: list[Sample], series: str) -> tuple[float | None, float | None]:
    """The first and last value of a series that was measured (a process gone reads None)."""
    values = [v for s in samples if (v := _value(s, series)) is not None]
    return (values[0], values[-1]) if values else (None, None)


def _count(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
