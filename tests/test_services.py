"""The mirror's pid file: stop only ever signals the mirror this project started."""
from __future__ import annotations

import dataclasses
import subprocess
import sys

from vnict.sandbox import MIRROR_PORTS, free_port
from vnict.services import mirror_pid, start_mirror, stop_mirror
from vnict.settings import load_settings


def _settings(tmp_path):
    return dataclasses.replace(load_settings(), state_dir=tmp_path / "state",
                               mirror_port=free_port(MIRROR_PORTS))


def test_a_stale_pid_of_a_foreign_process_is_left_alone(tmp_path):
    settings = _settings(tmp_path)
    settings.run_dir.mkdir(parents=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (settings.run_dir / "mirror.pid").write_text(str(bystander.pid))
        assert mirror_pid(settings) is None
        assert stop_mirror(settings) is False
        assert bystander.poll() is None, "stop_mirror killed a process it did not start"
    finally:
        bystander.kill()
        bystander.wait()


def test_the_project_mirror_is_found_and_stopped(tmp_path):
    settings = _settings(tmp_path)
    sites = start_mirror(settings)
    try:
        assert sites
        pid = mirror_pid(settings)
        assert pid is not None
    finally:
        assert stop_mirror(settings) is True
    assert mirror_pid(settings) is None


def test_a_mirror_left_with_another_fault_plan_is_restarted(tmp_path):
    """A killed run left its mirror running; the next run reused it, faults and all."""
    settings = _settings(tmp_path)
    plan = tmp_path / "faults.yaml"
    plan.write_text("failure_rate: 0.5\nkinds: [\"503\"]\n")
    start_mirror(settings, faults=plan)
    try:
        faulty = mirror_pid(settings)
        start_mirror(settings)
        clean = mirror_pid(settings)
        assert clean is not None and clean != faulty
        start_mirror(settings)
        assert mirror_pid(settings) == clean  # the same plan: reused
    finally:
        stop_mirror(settings)


def test_a_mirror_of_older_sites_is_restarted(tmp_path, monkeypatch):
    """A mirror left running from before a site was added served the old sites to the next run."""
    import vnict.services as services

    settings = _settings(tmp_path)
    start_mirror(settings)
    try:
        old = mirror_pid(settings)
        monkeypatch.setattr(services, "_mirror_code_fingerprint", lambda: "another checkout")
        start_mirror(settings)
        assert mirror_pid(settings) not in (None, old)
    finally:
        stop_mirror(settings)
