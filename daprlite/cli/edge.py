"""The CLI's one error edge: a DaprliteError becomes one ❌ line and its exit code.

Anything else is a bug in daprlite: one line saying so (with the traceback at debug level),
never a raw traceback in the user's terminal.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import typer

from daprlite import console
from daprlite.model.errors import DaprliteError, ExitCode

log = logging.getLogger("daprlite.cli")


@contextlib.contextmanager
def reported(debug: bool = False) -> Iterator[None]:
    """Run a verb's body; `debug` (--log-level debug) adds the traceback to the log."""
    try:
        yield
    except DaprliteError as err:
        console.failure(str(err))
        if debug:
            log.exception("details")
        raise typer.Exit(int(err.exit_code)) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        console.failure(f"daprlite failed unexpectedly: {type(exc).__name__}: {exc}")
        if debug:
            log.exception("details")
        else:
            console.failure("run again with --log-level debug for the traceback")
        raise typer.Exit(ExitCode.ERROR) from None
