"""Where the libraries ``runload`` drives keep their own files: under the data folder."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.paths import DEMO_CACHE_DIR



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

    def restore():
        for variable in added:
            os.environ.pop(variable, None)

    return restore
