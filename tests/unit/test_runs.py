"""Run files: written, read back only while their process lives, and cleaned when it is gone."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

from daprlite.process.runs import live_entries, new_entry, remove_entry, write_entry


def test_an_entry_of_this_process_is_listed_until_removed(tmp_path) -> None:
    entry = new_entry("orders", 3500, 50001, app_port=3000, command="node app.js")
    path = write_entry(entry, tmp_path)
    assert json.loads(path.read_text())["app_id"] == "orders"
    assert live_entries(tmp_path) == [entry]
    remove_entry(entry, tmp_path)
    assert live_entries(tmp_path) == []


def test_entries_of_dead_processes_are_deleted_not_listed(tmp_path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = dataclasses.replace(new_entry("gone", 1, 2), cli_pid=child.pid)
    path = write_entry(dead, tmp_path)
    assert live_entries(tmp_path) == []
    assert not path.exists()


def test_a_recycled_pid_is_not_taken_for_the_run(tmp_path) -> None:
    # Same pid as a live process (ours), but another start time: the run's process is gone.
    entry = new_entry("old", 1, 2)
    recycled = dataclasses.replace(entry, cli_started=entry.cli_started - 3600)
    path = write_entry(recycled, tmp_path)
    assert live_entries(tmp_path) == []
    assert not path.exists()


def test_unreadable_files_are_cleaned(tmp_path) -> None:
    (tmp_path / "123-x.json").write_text("{not json")
    (tmp_path / "124-y.json").write_text(json.dumps({"app_id": "y"}))
    assert live_entries(tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_lists_nothing(tmp_path) -> None:
    assert live_entries(tmp_path / "none") == []
