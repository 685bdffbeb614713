"""runload: running load against tendon pain. ``pipeline.load_athlete`` is the analysts' entry.

Nothing heavy is imported here: the API is loaded on first use, so ``runload pain add`` stays
fast and never imports Prefect or the analysis stack.
"""

_API = {"load_athlete", "athletes", "Athlete", "SymptomRelation"}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        from pipeline import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
