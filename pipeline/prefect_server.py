"""A private ``prefect server start`` for ``runload serve`` (Prefect's temporary in-process server
cannot schedule deployments)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pipeline.errors import RunloadError


@contextlib.contextmanager
def local_prefect_server(*, timeout_s: float = 120.0):
    """A ``prefect server start`` on a free local port for the duration; yields its API URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prefect_cli = Path(sys.executable).with_name("prefect")
    command = [str(prefect_cli)] if prefect_cli.exists() else [sys.executable, "-m", "prefect"]
    proc = subprocess.Popen(
        [*command, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us; we stop it in order
    )
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
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
