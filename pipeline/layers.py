"""The stages of ``pipeline`` in the order data flows through them (docs/architecture.md).

A module may import from its own stage and the stages before it, never from a later one; the
test ``tests/test_architecture.py`` holds every module to it. A new module is placed here.
"""

STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("pipeline.config", "pipeline.errors", "pipeline.schemas",
                    "pipeline.code_version", "pipeline.layers", "pipeline.vocabulary",
                    "pipeline.paths", "pipeline.lockfile", "pipeline.lifeline", "pipeline.table_rules",
                    "pipeline.terminal")),
    ("parse", ("pipeline.ingest.parse",)),
    ("store", ("pipeline.store", "pipeline.parquet_files", "pipeline.files", "pipeline.rawlog",
               "pipeline.profile")),
    ("ingest", ("pipeline.ingest", "pipeline.entrylog", "pipeline.painlog", "pipeline.rehab")),
    ("features", ("pipeline.features",)),
    ("relation", ("pipeline.relation",)),
    ("recommend", ("pipeline.recommend", "pipeline.week_plan", "pipeline.plan",
                   "pipeline.analysis", "pipeline.rebuild")),
    ("report", ("pipeline.plots", "pipeline.report", "pipeline.api", "pipeline.sql")),
    ("demo", ("pipeline.demo",)),
    ("flows", ("pipeline.flows", "pipeline.prefect_defaults", "pipeline.prefect_server",
               "pipeline.cli_text")),
    ("cli", ("pipeline.cli", "pipeline.cli_environment")),
]


def stage_of(module: str) -> int | None:
    """The index in ``STAGES`` of the most specific prefix naming ``module``; None if none."""
    best: tuple[int, int] | None = None
    for i, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (i, len(prefix))
    return None if best is None else best[0]
