"""Where the libraries ``runload`` drives keep their own files: under the data folder."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.paths import DEMO_CACHE_DIR

FLOW_COMMANDS = ("demo", "run", "serve")  # the commands that start Prefect


def caches_in_data_folder(args):
    """Prefect's home (its database of runs) and matplotlib's font cache go under the data
    folder (``.prefect/``, ``.cache/matplotlib/``), not into the home folder; a value the user
    set wins, and a data folder that cannot be written leaves them where they were. Returns the
    function that puts the environment back (``main`` runs in-process in tests)."""
    data = args.data_dir
    if args.command == "demo" and data == Path("data"):
        # the demo keeps everything in --dir, its caches beside the data it replaces on a re-run
        data = args.dir / DEMO_CACHE_DIR
    data = Path(os.path.abspath(data))
    existing = next((p for p in (data, *data.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK):
        return lambda: None
    added = {}
    for variable, path in (("PREFECT_HOME", data / ".prefect"),
                           ("MPLCONFIGDIR", data / ".cache" / "matplotlib")):
        if variable not in os.environ:
            os.environ[variable] = added[variable] = str(path)
    if "PREFECT_HOME" in added and args.command in FLOW_COMMANDS:
        # made now, before Prefect is imported: its temporary server keeps its database there
        # and, when the folder is missing, fails to start again and again (seen once under load
        # in a demo: "Timed out while attempting to connect to ephemeral Prefect API server")
        Path(added["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)

    def restore():
        for variable in added:
            os.environ.pop(variable, None)

    return restore
