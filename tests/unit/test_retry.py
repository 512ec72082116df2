"""Dapr's backOff* retry policy as daprlite reads it from component metadata."""

from __future__ import annotations

import random
from itertools import islice
from pathlib import Path

import pytest

from daprlite.bindings.retry import RetryPolicy
from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component
from daprlite.model.errors import MetadataError


def policy(**metadata: str) -> RetryPolicy:
    component = Component("c", "bindings.kafka", "v1", metadata, Path("c.yaml"), 1)
    return RetryPolicy.from_metadata(MetadataReader(component))


def test_defaults_are_daprs_constant_five_seconds_for_ever() -> None:
    delays = policy().delays()
    assert list(islice(delays, 100)) == [5.0] * 100


def test_constant_policy_stops_after_max_retries() -> None:
    assert list(policy(backOffDuration="200ms", backOffMaxRetries="3").delays()) == [0.2] * 3


def test_zero_max_retries_means_no_retry() -> None:
    assert list(policy(backOffMaxRetries="0").delays()) == []


def test_exponential_policy_grows_to_its_cap_within_the_randomisation() -> None:
    chosen = policy(
        backOffPolicy="Exponential",
        backOffInitialInterval="100ms",
        backOffMultiplier="2",
        backOffMaxInterval="1s",
        backOffRandomizationFactor="0",
        backOffMaxRetries="6",
    )
    assert list(chosen.delays(random.Random(1))) == pytest.approx([0.1, 0.2, 0.4, 0.8, 1, 1])


def test_exponential_policy_stops_when_its_time_budget_is_spent() -> None:
    chosen = policy(
        backOffPolicy="exponential",
        backOffInitialInterval="1s",
        backOffMultiplier="1",
        backOffRandomizationFactor="0",
        backOffMaxElapsedTime="3s",
    )
    now = [0.0]
    taken = []
    for delay in chosen.delays(clock=lambda: now[0]):
        taken.append(delay)
        now[0] += delay  # the pause is all the time that passes
    assert taken == [1, 1, 1]


def test_exponential_budget_counts_time_spent_failing_too() -> None:
    chosen = policy(
        backOffPolicy="exponential",
        backOffInitialInterval="1s",
        backOffMultiplier="1",
        backOffRandomizationFactor="0",
        backOffMaxElapsedTime="3s",
    )
    now = [0.0]
    taken = []
    for delay in chosen.delays(clock=lambda: now[0]):
        taken.append(delay)
        now[0] += delay + 1.5  # each failing attempt takes 1.5 s before it fails
    assert taken == [1]


def test_bad_value_names_the_field() -> None:
    with pytest.raises(MetadataError, match="backOffMultiplier"):
        policy(backOffMultiplier="fast")
