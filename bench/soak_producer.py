"""The soak's producer, a pythonapp-style app under `daprlite run`: posts orders to its sidecar's
bindings API at a steady rate, one key after another per key (so Kafka sees each key in order).

Env: DAPR_HTTP_PORT (set by daprlite), SOAK_RATE, SOAK_MESSAGES, SOAK_SECONDS, SOAK_KEYS,
SOAK_ACKS (a file: `A <id>` per 204, `F <id> <status>` per failure).
"""

from __future__ import annotations

import asyncio
import os
import time

import aiohttp

URL = f"http://127.0.0.1:{os.environ.get('DAPR_HTTP_PORT', '3500')}/v1.0/bindings/soak"


async def main() -> None:
    rate = float(os.environ["SOAK_RATE"])
    messages = int(os.environ["SOAK_MESSAGES"])
    keys = int(os.environ["SOAK_KEYS"])
    started = time.monotonic()
    deadline = started + float(os.environ["SOAK_SECONDS"])
    with open(os.environ["SOAK_ACKS"], "a", buffering=1 << 16) as acks:  # noqa: ASYNC230
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

            async def one_key(key: int) -> None:
                for seq, n in enumerate(range(key, messages, keys)):
                    delay = started + n / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if time.monotonic() > deadline:
                        return
                    order = {"orderId": n, "key": key, "seq": seq, "sentAt": time.time()}
                    body = {
                        "operation": "create",
                        "data": order,
                        "metadata": {"partitionKey": f"k{key}"},
                    }
                    try:
                        async with session.post(URL, json=body) as response:
                            await response.read()
                            status = response.status
                    except (aiohttp.ClientError, TimeoutError):
                        status = 0
                    acks.write(f"A {n}\n" if status == 204 else f"F {n} {status}\n")

            await asyncio.gather(*(one_key(k) for k in range(keys)))
    print("soak producer done", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
