"""SQL over every athlete's processed Parquet files, through DuckDB (the optional ``[sql]`` extra).

    >>> from pipeline.sql import connect
    >>> con = connect("data")
    >>> con.sql("select athlete, sum(run_km) as km from weekly group by athlete").df()

The views read the files in place (nothing is copied, nothing is written); each row carries an
``athlete`` column, the name of its folder under ``data/processed/``.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import RunloadError

VIEWS = ("activities", "daily", "weekly", "pain_log", "sources")


def _quoted(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def connect(data_dir: str | Path, *, database: str = ":memory:"):
    """A DuckDB connection with one view per dataset (``activities``, ``daily``, ``weekly``,
    ``pain_log``, ``sources``) over every athlete under ``data_dir/processed``.

    A view exists only when at least one athlete has that dataset (``daily`` and ``weekly``
    appear after ``runload analyze``). Athletes whose files differ in columns are combined by
    column name (a column one lacks is null). Raises ``RunloadError`` when duckdb is not
    installed or no athlete has processed data.
    """
    try:
        import duckdb
    except ImportError:
        raise RunloadError("SQL views need duckdb: pip install 'runload[sql]'") from None
    processed = Path(data_dir) / "processed"
    con = duckdb.connect(database)
    made = []
    for name in VIEWS:
        files = sorted(str(p) for p in processed.glob(f"*/{name}.parquet")
                       if not p.parent.name.startswith("."))
        if not files:
            continue
        listed = "[" + ", ".join(_quoted(f) for f in files) + "]"
        # the athlete is the parent folder's name: the path's second-to-last component
        con.execute(
            f"create or replace view {name} as "
            f"select split_part(filename, '/', -2) as athlete, * exclude (filename) "
            f"from read_parquet({listed}, filename = true, union_by_name = true)"
        )
        made.append(name)
    if not made:
        con.close()
        raise RunloadError(f"no processed data under {processed}: run `runload ingest` and "
                           "`runload analyze` first")
    return con
