"""A private ``prefect server start`` for ``runload serve`` (Prefect's temporary in-process server
cannot schedule deployments)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipeline import lifeline
from pipeline.errors import RunloadError


@contextlib.contextmanager
def local_prefect_server(*, timeout_s: float = 120.0):
    """A ``prefect server start`` on a free local port for the duration; yields its API URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prefect_cli = Path(sys.executable).with_name("prefect")
    command = [str(prefect_cli)] if prefect_cli.exists() else [sys.executable, "-m", "prefect"]
    lifeline.start_watchdog()
    with lifeline.critical():  # no SIGTERM between starting it and registering it
        proc = subprocess.Popen(
            [*command, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us; we stop it in order
        )
        lifeline.watch(proc, group=True)  # and if we are killed, the watchdog stops it
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RunloadError("could not start a local Prefect server; start one with"
                                   " `prefect server start` and set PREFECT_API_URL")
            time.sleep(0.5)
        yield url
    finally:
        _signal_group(proc, signal.SIGTERM)  # the server and any process it started
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        lifeline.unwatch(proc)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(OSError):  # already gone
        os.killpg(proc.pid, sig)


def temporary_server_stops_with_runload() -> None:
    """Make the temporary API server Prefect starts for a flow (a uvicorn child process) stop
    when this process ends, however: Prefect stops it only at a normal exit (``atexit``).

    Call before the first flow runs, only when Prefect will start that server (no
    ``PREFECT_API_URL``): Prefect imports the module itself then, so importing it here costs
    nothing extra.
    """
    from prefect.server.api import server  # Prefect's own module: the one class that starts it

    start = server.SubprocessASGIServer._run_uvicorn_command
    if getattr(start, "watched_by_runload", False):
        return
    lifeline.start_watchdog()

    def run_uvicorn_command(self):
        with lifeline.critical():  # no SIGTERM between starting it and registering it
            proc = start(self)
            lifeline.watch(proc)
        return proc

    run_uvicorn_command.watched_by_runload = True
    server.SubprocessASGIServer._run_uvicorn_command = run_uvicorn_command
