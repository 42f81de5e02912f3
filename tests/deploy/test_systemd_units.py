"""The systemd units of deploy/systemd, as docs/deploy.md installs them, checked without systemd running.

This machine has no running systemd, so the units are checked two ways: `systemd-analyze verify` reads
each one as systemd would (syntax, directives, executables), and the commands each unit runs
(ExecStartPre, ExecStart) run here as written, with only the install paths, the user and the loopback
ports rewritten for this checkout, and the environment read from an env file written as docs/deploy.md
says. What a unit runs therefore cannot drift from what the rest of the deployment test exercises.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.deploy.test_deploy import _free_port

UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/dashboard"


def install(unit: Path, tmp: Path, env_file: Path, ports: dict[str, int]) -> str:
    """The unit's text as installed on this machine: paths to this checkout and ``tmp``, loopback ports free."""
    text = unit.read_text()
    text = text.replace(f"{INSTALLED}/.venv/bin/python", sys.executable).replace(INSTALLED, str(ROOT))
    text = text.replace("/etc/dashboard/dashboard.env", str(env_file)).replace("/var/lib/dashboard", str(tmp / "var"))
    for old, new in ports.items():
        text = text.replace(old, str(new))
    return text


def service(text: str, instance: str = "") -> dict[str, list[str]]:
    """The [Service] section's settings (a key may repeat), with the instance name put in for %i."""
    found: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip().replace("%i", instance))
    return found


def read_env(path: Path) -> dict[str, str]:
    """An EnvironmentFile as systemd reads it: KEY=VALUE lines, comments and blank lines ignored."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def answers(url: str, proc: subprocess.Popen, timeout: float = 120) -> tuple[int, bytes]:
    """(status, body) of ``url`` once the process behind it answers at all."""
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                out = proc.communicate()[0] or b""
                pytest.fail(f"{url} never answered: {out.decode(errors='replace')[-2000:]}")
            time.sleep(0.5)


@pytest.fixture
def installed(embedded_db, users_file, tmp_path):
    """(the installed unit files by name, the environment every unit reads), on a copy of the embedded store."""
    var = tmp_path / "var"
    (var / "site").mkdir(parents=True)
    shutil.copy(embedded_db, var / "dashboard.duckdb")
    env_file = tmp_path / "dashboard.env"
    # As docs/deploy.md writes /etc/dashboard/dashboard.env (a DuckDB store here; PostgreSQL is the deploy test's).
    env_file.write_text(
        f"DASHBOARD_DB={var / 'dashboard.duckdb'}\n"
        f"DASHBOARD_USERS_FILE={users_file}\n"
        "DASHBOARD_LOCK_TIMEOUT=120\n"
        "# The nightly job (deploy/nightly.sh)\n"
        f"DASHBOARD_HOME={ROOT}\n"
        f"DASHBOARD_SITE_ROOT={var / 'site'}\n"
        f"DASHBOARD_BACKUP_ROOT={var / 'backups'}\n"
    )
    ports = {"8500": _free_port()}
    units = tmp_path / "units"
    units.mkdir()
    app_port = _free_port()
    names = {}
    for unit in sorted(UNITS.iterdir()):
        # A template is installed as an instance: dashboard@8501.service, the port its name gives.
        name = unit.name.replace("@.", f"@{app_port}.")
        (units / name).write_text(install(unit, tmp_path, env_file, ports))
        names[unit.name] = units / name
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DASHBOARD_")}, **read_env(env_file)}
    return names, env, app_port, ports["8500"]


def test_every_unit_passes_systemd_analyze_verify(installed):
    names, _, _, _ = installed
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    done = subprocess.run(
        ["systemd-analyze", "verify", *map(str, names.values())], capture_output=True, text=True, timeout=120
    )
    ours = [line for line in done.stderr.splitlines() if "dashboard" in line]
    assert done.returncode == 0 and not ours, done.stderr


def test_the_units_commands_run_as_written_the_nightly_job_then_the_app_and_readiness(installed):
    names, env, app_port, ready_port = installed
    nightly = service(names["dashboard-nightly.service"].read_text())
    assert nightly["Type"] == ["oneshot"]
    [command] = nightly["ExecStart"]
    done = subprocess.run(
        shlex.split(command),
        cwd=nightly["WorkingDirectory"][0],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    site = Path(env["DASHBOARD_SITE_ROOT"]) / "current"
    assert (site / "index.html").exists() and site.is_symlink()
    assert len(list(Path(env["DASHBOARD_BACKUP_ROOT"]).iterdir())) == 1

    app = service(names["dashboard@.service"].read_text(), instance=str(app_port))
    # ExecStartPre: the app process is refused on a store it cannot use; this one is ready.
    for command in app["ExecStartPre"]:
        pre = subprocess.run(shlex.split(command), cwd=app["WorkingDirectory"][0], env=env, capture_output=True)
        assert pre.returncode == 0, pre.stdout.decode() + pre.stderr.decode()
    procs = []
    try:
        for unit, port, path in ((app, app_port, "/_stcore/health"), (None, ready_port, "/ready")):
            unit = unit or service(names["dashboard-ready.service"].read_text())
            [command] = unit["ExecStart"]
            proc = subprocess.Popen(
                shlex.split(command),
                cwd=unit["WorkingDirectory"][0],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            procs.append(proc)
            status, body = answers(f"http://127.0.0.1:{port}{path}", proc)
            assert status == 200, body[:2000]
            if path == "/ready":
                # Ready after the nightly job: the store, its schema, fresh data, the site and the release.
                assert json.loads(body)["ready"] is True
        # The app process serves the dashboard on the port its instance name gives.
        status, body = answers(f"http://127.0.0.1:{app_port}/", procs[0])
        assert status == 200 and b"<html" in body.lower()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
