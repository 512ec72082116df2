"""Multi-App Run of the quickstart template, driven from other shells: list, binding invoke,
stop one app (the other goes on), stop the rest by template; log files where Dapr writes them."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import psutil

from tests.e2e.cli import daprlite, listed, wait_listed
from tests.e2e.runner import DaprliteRun

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "quickstart"
NODE, PYTHON = "bindings-nodeapp", "bindings-pythonapp"

TEMPLATE = """\
version: 1
common:
  resourcesPath: ./components
  env:
    ORDER_INTERVAL_SECONDS: "0.2"
apps:
  - appID: bindings-nodeapp
    appDirPath: ./nodeapp
    appPort: {port}
    command: ["node", "app.js"]
  - appID: bindings-pythonapp
    appDirPath: ./pythonapp
    command: ["python3", "app.py"]
"""


def quickstart_copy(tmp_path: Path, bootstrap: str, topic: str, port: int) -> Path:
    """The quickstart's apps and template in a folder of the test's own (the node app's files
    linked, so its node_modules resolve), the seed component pointed at the test's broker."""
    node = tmp_path / "nodeapp"
    node.mkdir()
    for name in ("app.js", "package.json", "node_modules"):
        (node / name).symlink_to(QUICKSTART / "nodeapp" / name)
    (tmp_path / "pythonapp").mkdir()
    shutil.copy(QUICKSTART / "pythonapp" / "app.py", tmp_path / "pythonapp")
    seed = (ROOT / "components" / "kafka_bindings.yaml").read_text()
    seed = seed.replace("localhost:9092", bootstrap).replace("value: sample", f"value: {topic}")
    seed = seed.replace("value: group1", f"value: group-{topic}")
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "kafka_bindings.yaml").write_text(seed)
    template = tmp_path / "dapr.yaml"
    template.write_text(TEMPLATE.format(port=port))
    return template


def test_quickstart_template_list_invoke_stop(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port
) -> None:
    home = tmp_path / "home"
    template = quickstart_copy(tmp_path, kafka_broker.bootstrap, kafka_topic(), unused_tcp_port)
    run = DaprliteRun(["-f", str(template)], cwd=tmp_path, env={"DAPRLITE_HOME": str(home)})
    try:
        run.wait_for(f'Started Dapr with app id "{PYTHON}"', timeout=90)
        # The consumer was up before the producer started: the first order arrives.
        run.wait_for(rf"== APP - {NODE} == {{ orderId: 1 }}", timeout=60)
        run.wait_for(rf"== APP - {PYTHON} == <Response \[204\]>", timeout=30)
        assert run.output.index(f'starting app "{NODE}"') < run.output.index(
            f'starting app "{PYTHON}"'
        )

        rows = {row["appId"]: row for row in wait_listed(home, {NODE, PYTHON})}
        node = rows[NODE]
        assert node["appPort"] == unused_tcp_port
        assert node["command"] == "node app.js"
        assert node["cliPid"] == node["daprdPid"] == run.process.pid
        assert psutil.Process(node["appPid"]).name() == "node"
        assert node["runTemplatePath"] == str(template)
        assert node["appLogPath"].startswith(str(tmp_path / "nodeapp" / ".dapr" / "logs"))
        table = daprlite("list", home=home).stdout
        assert table.splitlines()[0].split()[:4] == ["APP", "ID", "HTTP", "PORT"]
        assert NODE in table and PYTHON in table

        # From another shell, through the producer's running sidecar, to the consumer.
        invoke = ["binding", "invoke", "sample-topic", "--operation", "create"]
        invoked = daprlite(*invoke, "--data", '{"orderId": 4242}', "--app-id", PYTHON, home=home)
        assert invoked.returncode == 0, invoked.stdout + invoked.stderr
        assert "HTTP 204" in invoked.stdout
        run.wait_for(rf"== APP - {NODE} == {{ orderId: 4242 }}", timeout=30)

        stopped = daprlite("stop", "--app-id", NODE, home=home)
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.strip() == f"✅  app stopped successfully: {NODE}"
        assert not psutil.pid_exists(node["appPid"]) or (
            psutil.Process(node["appPid"]).status() == psutil.STATUS_ZOMBIE
        )
        assert [row["appId"] for row in listed(home)] == [PYTHON]
        # The producer goes on sending after the consumer has gone.
        sent = len(run.wait_for(rf"== APP - {PYTHON} == <Response \[204\]>"))
        run.wait_for(rf"== APP - {PYTHON} == <Response \[204\]>", count=sent + 2, timeout=30)
        assert run.process.poll() is None

        unknown = daprlite("stop", "--app-id", NODE, home=home)
        assert unknown.returncode == 1
        assert f"❌  failed to stop app id {NODE}: couldn't find app id {NODE}" in unknown.stderr

        by_template = daprlite("stop", "-f", str(tmp_path), home=home)
        assert by_template.returncode == 0, by_template.stderr
        assert "Dapr and app processes stopped successfully" in by_template.stdout
        assert run.wait_exit(timeout=30) == 143
    finally:
        if run.process.poll() is None:
            run.stop()
    assert listed(home) == []

    node_logs = tmp_path / "nodeapp" / ".dapr" / "logs"
    app_log = next(node_logs.glob(f"{NODE}_app_*.log")).read_text()
    assert f"== APP - {NODE} == Hello from Kafka!" in app_log
    assert "\x1b[" not in app_log
    daprd_log = next(node_logs.glob(f"{NODE}_daprd_*.log")).read_text()
    assert re.search(
        rf"INFO\[\d+\] input binding sample-topic is reading .*app_id={NODE}", daprd_log
    )
    # daprd's lines go to the file only (Dapr's default), never to the console.
    assert "input binding sample-topic is reading" not in run.output
    python_daprd = next((tmp_path / "pythonapp" / ".dapr" / "logs").glob("*_daprd_*.log"))
    assert f"app_id={PYTHON}" in python_daprd.read_text()
    assert f"app_id={NODE}" not in python_daprd.read_text()
    assert os.listdir(home / "runs") == []
