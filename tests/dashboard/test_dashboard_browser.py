"""The dashboard as a person sees it: headless Chromium (the system's, /usr/bin/chromium) drives
the page against real sidecars and the real broker. Each tab is saved as a screenshot under
tests/artifacts/dashboard/. Without a browser these tests fail: CI installs one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.harness import World

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
# Offline and quiet: no first-run pages, no update or sync traffic, no QUIC probing.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_MS = 30_000

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError as missing:  # pragma: no cover - the dev extras install it
    pytest.fail(f"playwright is not installed ({missing}): pip install -e '.[dev]'", pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need it (apt-get install chromium; "
            ".ci/run installs it)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, world: World) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((world.url, "data:")) else external.append(r.url),
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page
    finally:
        context.close()
    assert external == [], "the page asked something of another host"
    assert errors == [], "the page's script failed"


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def number(text: str) -> float:
    return float(text) if re.fullmatch(r"[0-9.]+", text) else -1.0


def test_apps_tab_shows_both_apps_and_the_seed_component(page: Page, world: World) -> None:
    page.goto(world.url + "/#apps")
    for app in ("consumer", "producer"):
        row = page.locator(f'[data-testid="app-row"][data-app-id="{app}"]')
        expect(row).to_be_visible(timeout=WAIT_MS)
        expect(row.get_by_test_id("app-status")).to_have_text("running")
        expect(row.get_by_test_id("component").first).to_have_text("orders (bindings.kafka/v1)")
    expect(page.get_by_test_id("live")).to_contain_text("live", timeout=WAIT_MS)
    screenshot(page, "apps")
    page.locator('[data-app-id="consumer"] [data-testid="log-link"]').click()
    expect(page.get_by_test_id("log-lines")).to_contain_text("printing app ready", timeout=WAIT_MS)
    screenshot(page, "log")


def test_binding_numbers_move_when_messages_flow(page: Page, world: World) -> None:
    page.goto(world.url + "/#bindings")
    out = page.locator(
        '[data-testid="binding-row"][data-app-id="producer"][data-binding="orders"]'
        '[data-direction="output"]'
    )
    inp = page.locator(
        '[data-testid="binding-row"][data-app-id="consumer"][data-binding="orders"]'
        '[data-direction="input"]'
    )
    expect(out).to_be_visible(timeout=WAIT_MS)
    before = number(out.get_by_test_id("total").inner_text())
    for n in range(30):
        world.send("orders", {"browser": n})
    expect(out.get_by_test_id("total")).not_to_have_text(str(int(before)), timeout=WAIT_MS)
    page.wait_for_function(
        """([selector, wanted]) => {
            const cell = document.querySelector(selector + ' [data-testid="total"]');
            return cell && Number(cell.textContent) >= wanted;
        }""",
        arg=[
            '[data-testid="binding-row"][data-app-id="producer"][data-binding="orders"]'
            '[data-direction="output"]',
            before + 30,
        ],
        timeout=WAIT_MS,
    )
    expect(out.get_by_test_id("rate")).not_to_have_text("0.0", timeout=WAIT_MS)
    expect(inp.get_by_test_id("rate")).not_to_have_text("0.0", timeout=WAIT_MS)
    expect(out.get_by_test_id("p50")).not_to_have_text("—", timeout=WAIT_MS)
    screenshot(page, "bindings")


def test_send_form_delivers_a_message_the_consumer_prints(page: Page, world: World) -> None:
    page.goto(world.url + "/#bindings")
    marker = f"from-the-form-{uuid.uuid4().hex[:8]}"
    app = page.get_by_test_id("send-app")
    expect(app.locator("option", has_text="producer")).to_have_count(1, timeout=WAIT_MS)
    app.select_option(label="producer")
    page.get_by_test_id("send-binding").select_option("orders")
    page.get_by_test_id("send-operation").fill("create")
    page.get_by_test_id("send-data").fill(f'{{"marker": "{marker}"}}')
    page.get_by_test_id("send-metadata").fill("partitionKey=form")
    page.get_by_test_id("send-submit").click()
    expect(page.get_by_test_id("send-status")).to_have_text("204", timeout=WAIT_MS)
    world.consumer.wait_for(rf"== APP ==.*received on orders: .*{marker}", timeout=30)
    screenshot(page, "send")


def test_a_stalled_partition_shows_stall(page: Page, world: World) -> None:
    world.send("stalls", "poison")
    page.goto(world.url + "/#partitions")
    row = page.locator('[data-testid="partition-row"][data-binding="stalls"]')
    expect(row.get_by_test_id("partition-status")).to_have_text("STALL", timeout=WAIT_MS)
    expect(row.get_by_test_id("held-up")).to_contain_text("attempts", timeout=WAIT_MS)
    expect(row.get_by_test_id("held-up")).to_contain_text("500")
    orders = page.locator('[data-testid="partition-row"][data-binding="orders"]')
    expect(orders.get_by_test_id("partition-status")).to_have_text("OK", timeout=WAIT_MS)
    screenshot(page, "partitions")


def test_live_tail_shows_messages_with_secrets_masked(page: Page, world: World) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    marker = f"tailed-{uuid.uuid4().hex[:8]}"
    page.goto(world.url + "/#tail")
    expect(page.get_by_test_id("tail-app").locator("option", has_text="consumer")).to_have_count(
        1, timeout=WAIT_MS
    )
    page.get_by_test_id("tail-app").select_option(label="consumer")
    page.get_by_test_id("tail-binding").select_option("orders")
    world.send("orders", marker, {"partitionKey": "tailed", "authorization": secret})
    row = page.locator('[data-testid="tail-row"]', has_text=marker).first
    expect(row).to_be_visible(timeout=WAIT_MS)
    expect(row.get_by_test_id("tail-key")).to_have_text("tailed")
    expect(row.get_by_test_id("tail-headers")).to_contain_text("authorization: ******")
    expect(row.get_by_test_id("tail-result")).to_have_text("ok")
    assert secret not in page.content()
    screenshot(page, "tail")


def test_trace_waterfall_joins_producer_and_consumer(page: Page, world: World) -> None:
    marker = f"traced-{uuid.uuid4().hex[:8]}"
    world.send("orders", marker)
    page.goto(world.url + "/#traces")
    trace = page.locator('[data-testid="trace-row"]', has_text="producer → consumer").first
    expect(trace).to_be_visible(timeout=WAIT_MS)
    trace.click()
    bars = page.get_by_test_id("trace-bar")
    expect(page.locator('[data-testid="trace-bar"][data-service="producer"]').first).to_be_visible(
        timeout=WAIT_MS
    )
    consumer_bar = page.locator(
        '[data-testid="trace-bar"][data-service="consumer"][data-name="bindings/orders"]'
    )
    expect(consumer_bar).to_have_count(1, timeout=WAIT_MS)
    assert int(consumer_bar.get_attribute("data-depth") or "0") > 0
    assert bars.count() >= 2
    path = screenshot(page, "traces")
    assert path.stat().st_size > 0
