"""A fake output binding shared by the in-process API tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse


@dataclass
class FakeOutput:
    """Records every request; can be told to fail or to answer with a response."""

    requests: list[InvokeRequest] = field(default_factory=list)
    fail_with: Exception | None = None
    response: InvokeResponse | None = None

    async def init(self, component: Component) -> None:
        pass

    def operations(self) -> Sequence[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        self.requests.append(request)
        if self.fail_with is not None:
            raise self.fail_with
        return self.response

    async def close(self) -> None:
        pass
