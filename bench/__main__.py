"""`python -m bench`: one local broker, every case, results in bench/results/latest.*."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import costs, inputs, output, report, startup
from bench.context import Context
from bench.env import ROOT, start_broker
from daprlite.localkafka import KAFKA_VERSION


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    parser.add_argument("--only", nargs="*", choices=("output", "input", "startup", "costs"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    daprd = os.environ.get("DAPRD") or None
    if daprd and not os.access(daprd, os.X_OK):
        parser.error(f"DAPRD={daprd} is not an executable file")
    started = time.monotonic()
    load = LoadWatch()
    with load, tempfile.TemporaryDirectory(prefix="daprlite-bench-") as scratch:
        work = Path(scratch)
        print("starting the local Kafka broker", flush=True)
        broker = start_broker(work / "home")
        try:
            ctx = Context(
                bootstrap=broker.bootstrap,
                work=work,
                runs=args.runs,
                warmup=args.warmup,
                duration=args.duration,
                daprd=daprd,
                kinds=("daprlite", "daprd") if daprd else ("daprlite",),
            )
            wanted = set(args.only or ("output", "input", "startup", "costs"))
            results: dict[str, Any] = {
                "meta": _meta(ctx),
                "output": output.run(ctx) if "output" in wanted else {},
                "input": inputs.run(ctx) if "input" in wanted else {},
                "startup": startup.run(ctx) if "startup" in wanted else {},
                "costs": costs.run(ctx) if "costs" in wanted else {},
            }
        finally:
            broker.stop()
    results["meta"]["total_seconds"] = round(time.monotonic() - started, 1)
    results["meta"]["load_avg"] = load.summary()
    results["targets"] = report.targets(results)
    results["vs_daprd"] = report.versus_daprd(results) if daprd else []
    _write(results, args.out)


def _meta(ctx: Context) -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=False,
    ).stdout.strip()  # fmt: skip
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        "commit": commit,
        "kafka": KAFKA_VERSION,
        "runs": ctx.runs,
        "warmup": ctx.warmup,
        "duration": ctx.duration,
        "concurrencies": list(ctx.concurrencies),
        "kinds": list(ctx.kinds),
        "daprd": ctx.daprd,
        "daprd_version": _version(ctx.daprd),
    }


class LoadWatch:
    """The machine's 1-minute load average every 5 s while the bench runs: the bench's own
    processes count too, so only a figure well above the core count says others were busy."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(5.0):
                return

    def __enter__(self) -> LoadWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, float]:
        return {"median": sorted(self.samples)[len(self.samples) // 2], "max": max(self.samples)}


def _version(daprd: str | None) -> str | None:
    if daprd is None:
        return None
    done = subprocess.run([daprd, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


def _write(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    table = report.markdown(results)
    (out / "latest.md").write_text(table)
    from bench.plot import write_png

    write_png(results, out / "latest.png")
    print()
    print(table)
    print(f"wrote {out}/latest.json, latest.md, latest.png "
          f"in {results['meta']['total_seconds']:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
