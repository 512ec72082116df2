"""Every failure a user can act on, as one exception tree, and the process exit codes.

    DaprliteError
    ├── ConfigError                 bad flags, run file or environment
    ├── ComponentError
    │   ├── ComponentLoadError      YAML problems, each with file:line (all of them at once)
    │   ├── MetadataError           a component field with a bad or missing value
    │   └── ComponentInitError      a binding could not start (broker unreachable, ...)
    ├── BindingError
    │   ├── BindingNotFoundError    no output binding of that name
    │   ├── UnsupportedOperationError
    │   └── BindingInvokeError      the binding failed while doing its work
    ├── AppError
    │   ├── AppStartError           the app command could not be started
    │   └── AppPortTimeoutError     the app never opened its port
    ├── SecretStoreError            a secret store could not give the secret asked for
    ├── SidecarError                a running sidecar refused a client command or did not answer
    └── BrokerError                 the local Kafka broker could not be provisioned or started

The CLI's edge (cli/edge.py) is the only place that turns these into a message and an exit code;
the API adapters turn BindingError into Dapr's error JSON / gRPC status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daprlite.model.contracts import InvokeResponse


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    COMMAND_NOT_FOUND = 127
    SIGINT = 130
    SIGTERM = 143


class DaprliteError(Exception):
    """Base of every error daprlite reports to a user."""

    exit_code: ExitCode = ExitCode.ERROR


class ConfigError(DaprliteError):
    exit_code = ExitCode.USAGE


class ComponentError(DaprliteError):
    pass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in one component file, at one line (1-based; 0 when unknown)."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"


class ComponentLoadError(ComponentError):
    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        self.problems = problems
        lines = [str(p) for p in problems]
        if hint:
            lines.append(hint)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"invalid components ({count}):\n  " + "\n  ".join(lines))


class MetadataError(ComponentError):
    """`where` is the entry's `file:line` when known; it leads the message, as in Problem."""

    def __init__(self, component: str, field: str, reason: str, *, where: str = "") -> None:
        self.component, self.field, self.reason, self.where = component, field, reason, where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}component {component}: metadata field '{field}' {reason}")


class ComponentInitError(ComponentError):
    def __init__(self, log_name: str, reason: str) -> None:
        self.log_name = log_name
        super().__init__(
            f"[INIT_COMPONENT_FAILURE]: initialization error occurred for {log_name}: {reason}"
        )


class BindingError(DaprliteError):
    pass


class BindingNotFoundError(BindingError):
    def __init__(self, name: str) -> None:
        super().__init__(f"couldn't find output binding {name}")


class UnsupportedOperationError(BindingError):
    def __init__(self, name: str, operation: str, supported: list[str]) -> None:
        # daprd's exact text: no space after the colon, operations separated by one space.
        super().__init__(
            f"binding {name} does not support operation {operation}. "
            f"supported operations:{' '.join(supported)}"
        )


class BindingInvokeError(BindingError):
    """The binding failed while doing its work. `response`: what it got back all the same (an
    http binding's status and headers); daprd returns its metadata with the error."""

    def __init__(self, message: str, response: InvokeResponse | None = None) -> None:
        super().__init__(message)
        self.response = response


class AppError(DaprliteError):
    pass


class AppStartError(AppError):
    exit_code = ExitCode.COMMAND_NOT_FOUND


class AppPortTimeoutError(AppError):
    pass


class SecretStoreError(DaprliteError):
    """A secret store's own failure text (never a secret's value), as daprd's store gives it."""


class SidecarError(DaprliteError):
    pass


class BrokerError(DaprliteError):
    pass
