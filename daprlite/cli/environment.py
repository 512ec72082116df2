"""The environment daprlite was started with, kept before it sets anything for its own libraries:
that is what an app inherits."""

from __future__ import annotations

import os

_started_with: dict[str, str] | None = None


def prepare_process() -> None:
    """Remember the user's environment, then set what daprlite's libraries need."""
    global _started_with
    _started_with = dict(os.environ)
    # gRPC's fork handlers only log noise when the app is spawned beside live gRPC threads;
    # daprlite never uses gRPC in a forked child. Read by grpc when it starts up.
    os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")


def user_environment() -> dict[str, str]:
    """The variables an app gets before the Dapr ones are added."""
    return dict(os.environ if _started_with is None else _started_with)
