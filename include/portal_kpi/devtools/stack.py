"""Airflow's own processes on this machine (scheduler, API server, DAG processor, triggerer,
Celery workers), each its own process group with its output in a file under ``.local/logs/``.

Used by ``portal-kpi backfill`` (scheduler + API server, when no scheduler is running) and
``portal-kpi airflow`` (everything). Stopping sends SIGTERM to each group, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

COMMANDS = {
    "api-server": ["api-server"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
}


def airflow_bin() -> str:
    """The ``airflow`` executable beside this interpreter (the venv's), else on PATH."""
    here = Path(sys.executable).parent / "airflow"
    if here.exists():
        return str(here)
    found = shutil.which("airflow")
    if found is None:
        raise SystemExit("the airflow command is not on PATH (activate .venv or use make)")
    return found


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    _out: IO[bytes] = field(repr=False)

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Stack:
    """Airflow processes started by this command; ``stop()`` ends them all."""

    log_dir: Path
    processes: list[Process] = field(default_factory=list)

    def start(
        self, name: str, extra_env: dict[str, str] | None = None, args: list[str] | None = None
    ) -> Process:
        """Start ``airflow <COMMANDS[name]>`` (or ``airflow <args>``), logging to
        ``<log_dir>/<name>.log``."""
        path = self.log_dir / f"{name}.log"
        out = path.open("ab")
        env = os.environ.copy()
        env.update(extra_env or {})
        # The venv's bin first, as `airflow standalone` and the executors expect.
        env["PATH"] = os.pathsep.join((str(Path(airflow_bin()).parent), env.get("PATH", "")))
        popen = subprocess.Popen(
            [airflow_bin(), *(args or COMMANDS[name])],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the group ourselves
        )
        process = Process(name, popen, path, out)
        self.processes.append(process)
        log.info("started airflow %s (pid %d), log %s", name, popen.pid, path)
        return process

    def check(self) -> None:
        """Raise when a process this stack started has died."""
        for p in self.processes:
            if not p.alive():
                raise SystemExit(
                    f"airflow {p.name} exited with {p.popen.returncode}; see {p.log_path}"
                )

    def stop(self, grace_seconds: float = 8.0) -> None:
        """SIGTERM every process group, SIGKILL what is left after ``grace_seconds``."""
        for p in self.processes:
            _signal_group(p.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for p in self.processes:
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("airflow %s did not stop in %.0fs; killing it", p.name, grace_seconds)
        for p in self.processes:
            # Workers and task processes may outlive their parent: end the whole group.
            _signal_group(p.popen.pid, signal.SIGKILL)
            if p.alive():
                p.popen.wait(timeout=5)
            p._out.close()
        self.processes.clear()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_http(url: str, timeout: float, stack: Stack | None = None) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack is not None:
            stack.check()
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout:.0f}s")
