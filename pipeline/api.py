"""The Python entry point for analysts: one athlete's processed data as pandas objects.

    >>> import pipeline
    >>> me = pipeline.load_athlete("data", "me")
    >>> me.weekly[["week_start", "run_km", "pain_next_morning_mean_0_10"]].tail()
    >>> me.what_if([5, 6, 8, 10])          # a planned week: run distances in km
    >>> pipeline.athletes("data")          # every athlete under data/

Everything is read from ``data/processed/<athlete>/`` the first time it is asked for and then
kept (``reload()`` forgets it). Nothing here writes: ``runload ingest``, ``runload pain`` and
``runload analyze`` produce the datasets; a dataset that does not exist yet raises
``RunloadError`` saying which command makes it. The frames have the columns of
``pipeline.schemas`` (dates naive at midnight, instants UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import RunloadError
from pipeline.painlog.commands import pain_log
from pipeline.rehab.commands import rehab_log
from pipeline.relation.symptoms import (
    calm_baseline_0_10,
    morning_pain_source,
    run_day_lights,
    weekly_pain,
)
from pipeline.relation.tolerance import Estimate, lagged_load_frame, tolerated_weekly_km
from pipeline.relation.tolerance import what_if as _what_if


def athletes(data_dir: str | Path) -> list[str]:
    """Every athlete id with raw or processed data under ``data_dir``, sorted."""
    return st.athletes(Path(data_dir))


def load_athlete(data_dir: str | Path, athlete: str = "me", *,
                 thresholds: Thresholds = Thresholds()) -> Athlete:
    """The athlete ``athlete`` of ``data_dir`` (the folder holding ``raw/`` and ``processed/``).

    Raises ``RunloadError`` (naming the athletes that exist) when there is no such athlete.
    ``thresholds`` are used by the symptom relation and ``what_if``; pass the ones ``analyze``
    was run with if you changed them.
    """
    data_dir = Path(data_dir)
    known = athletes(data_dir)
    if athlete not in known:
        where = f"athletes there: {', '.join(known)}" if known else (
            "it holds no athlete yet: run `runload ingest PATH...` (or `runload demo`) first")
        raise RunloadError(f"no athlete {athlete!r} in {data_dir} ({where})")
    return Athlete(st.Store(data_dir, athlete), thresholds=thresholds)


@dataclass(frozen=True)
class SymptomRelation:
    """How the athlete's next-morning pain answers to load, as of ``as_of``.

    - ``estimate``: the tolerated weekly km (``tolerance.Estimate``: ``value`` km per 7 days or
      None with ``reason``, ``interval`` 80%, ``rise_0_10``, ``cv_skill``, fitted models);
    - ``baseline_0_10``: the calm next-morning pain (median over calm weeks; None if too few);
    - ``outcome``: the pain column used as the morning outcome;
    - ``lagged``: per date, the morning rating ``pain_0_10`` against ``load_7d_km`` (running km
      of the seven days before), ``spike_excess`` and ``week_start`` (the frame the model fits);
    - ``run_days``: per run day, km, pain during/after/next morning and each pain-monitoring zone
      (``symptoms.run_day_lights``);
    - ``windows``: seven-day windows ending on ``as_of`` with their traffic light
      (``symptoms.weekly_pain``).
    """

    as_of: date
    estimate: Estimate
    baseline_0_10: float | None
    outcome: str
    lagged: pd.DataFrame = field(repr=False)
    run_days: pd.DataFrame = field(repr=False)
    windows: pd.DataFrame = field(repr=False)

    @property
    def tolerated_weekly_km(self) -> float | None:
        """The estimate's value, km per 7 days (None when the history cannot support one)."""
        return self.estimate.value

    def curve(self, load_7d_km) -> pd.DataFrame:
        """Modelled next-morning pain (0-10) at each 7-day load (km), without a long-run spike:
        ``load_7d_km``, ``expected_0_10`` and the 80% bootstrap band ``low_0_10``/``high_0_10``.
        Empty when no relation could be fitted (``estimate.reason`` says why)."""
        km = np.asarray(load_7d_km, dtype=float).ravel()
        cols = ["load_7d_km", "expected_0_10", "low_0_10", "high_0_10"]
        if self.estimate.model is None:
            return pd.DataFrame(columns=cols, dtype=float)
        X = np.column_stack([km, np.zeros_like(km)])
        boots = np.array([m.predict(X) for m in self.estimate.boot_models]) if (
            self.estimate.boot_models) else self.estimate.model.predict(X)[None, :]
        return pd.DataFrame({
            "load_7d_km": km,
            "expected_0_10": np.clip(self.estimate.model.predict(X), 0, 10),
            "low_0_10": np.clip(np.quantile(boots, 0.1, axis=0), 0, 10),
            "high_0_10": np.clip(np.quantile(boots, 0.9, axis=0), 0, 10),
        })


class Athlete:
    """One athlete's processed data, read lazily and cached. See the module docstring."""

    def __init__(self, store: st.Store, *, thresholds: Thresholds = Thresholds()):
        self.store = store
        self.thresholds = thresholds

    def __repr__(self) -> str:
        return f"Athlete({self.id!r}, data_dir={str(self.store.data_dir)!r})"

    @property
    def id(self) -> str:
        """The athlete id (the folder name under ``raw/`` and ``processed/``)."""
        return self.store.athlete

    def reload(self) -> Athlete:
        """Forget what was read, so the next access reads the files again (after a re-run)."""
        for name in ("activities", "daily", "weekly", "pain_log", "rehab_log", "recommendation",
                     "sources", "profile", "symptom_relation"):
            self.__dict__.pop(name, None)
        return self

    def _missing(self, path: Path, command: str) -> RunloadError:
        return RunloadError(
            f"{path.name} does not exist yet for athlete {self.id!r} in {self.store.data_dir}: "
            f"run `{command} --data-dir {self.store.data_dir} --athlete {self.id}` first")

    def _ingested(self) -> None:
        if not self.store.activities_path.exists() and not self.store.pain_log_path.exists():
            raise self._missing(self.store.activities_path, "runload ingest PATH...")

    @cached_property
    def activities(self) -> pd.DataFrame:
        """``schemas.Activities``: one row per activity, oldest first (empty when the athlete
        has only a pain log)."""
        self._ingested()
        return st.read_activities(self.store)

    def samples(self, activity_id: str) -> pd.DataFrame:
        """``schemas.Samples`` of one activity: one row per recorded sample, SI units."""
        path = self.store.samples_path(activity_id)
        if not path.exists():
            known = self.activities["activity_id"] if len(self.activities) else pd.Series([])
            hint = (f"; the athlete's activity ids are in `.activities['activity_id']` "
                    f"(e.g. {known.iloc[-1]!r})" if len(known) else "")
            raise RunloadError(f"no samples stored for activity {activity_id!r} of athlete "
                               f"{self.id!r}{hint}")
        return st.read_samples(self.store, activity_id)

    @cached_property
    def pain_log(self) -> pd.DataFrame:
        """``schemas.PainLog``: every validated pain entry (empty when none was logged)."""
        self._ingested()
        return pain_log(self.store)  # entries added on the command line included

    @cached_property
    def rehab_log(self) -> pd.DataFrame:
        """``schemas.RehabLog``: every validated rehab entry with its catalogue stage (empty
        when none was logged)."""
        return rehab_log(self.store)  # entries added on the command line included

    @cached_property
    def daily(self) -> pd.DataFrame:
        """``schemas.Daily``: one row per local date up to the analysis date, rest days
        included (written by ``runload analyze``)."""
        if not self.store.daily_path.exists():
            raise self._missing(self.store.daily_path, "runload analyze")
        return st.read_daily(self.store)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        """``schemas.Weekly``: the daily picture per ISO week (Monday ``week_start``)."""
        if not self.store.weekly_path.exists():
            raise self._missing(self.store.weekly_path, "runload analyze")
        return st.read_weekly(self.store)

    @cached_property
    def recommendation(self) -> dict:
        """``recommendation.json`` as a dict (status, ``weekly_run_km`` min/max, reasons...)."""
        if not self.store.recommendation_path.exists():
            raise self._missing(self.store.recommendation_path, "runload analyze")
        return st.read_recommendation(self.store)

    @cached_property
    def sources(self) -> pd.DataFrame:
        """The ingest ledger: one row per input seen (sha256, source_file, status, reason,
        activity_ids, ingested_at_utc)."""
        return st.read_sources(self.store)

    @cached_property
    def profile(self) -> dict:
        """The athlete's settings (``timezone``, ``sex``, ``hr_rest_bpm``, ``hr_max_bpm``...)."""
        return st.read_profile(self.store)

    @property
    def as_of(self) -> date:
        """The analysis date: the recommendation's ``as_of`` (else the last day analysed)."""
        if self.store.recommendation_path.exists() and self.recommendation.get("as_of"):
            return date.fromisoformat(self.recommendation["as_of"])
        return pd.Timestamp(self.daily["date"].max()).date()

    def _history(self) -> pd.DataFrame:
        """The daily frame up to ``as_of`` (what the recommendation was computed from)."""
        return self.daily[self.daily["date"] <= pd.Timestamp(self.as_of)].reset_index(drop=True)

    @cached_property
    def symptom_relation(self) -> SymptomRelation:
        """The load <-> pain relation as of ``as_of`` (see ``SymptomRelation``); the same
        estimate as the recommendation's ``tolerance`` (same history, thresholds and seed)."""
        hist = self._history()
        th = self.thresholds
        baseline = calm_baseline_0_10(hist, thresholds=th) if len(hist) else None
        return SymptomRelation(
            as_of=self.as_of,
            estimate=tolerated_weekly_km(hist, self.weekly, thresholds=th),
            baseline_0_10=baseline,
            outcome=morning_pain_source(hist),
            lagged=lagged_load_frame(hist).reset_index(),
            run_days=run_day_lights(hist, baseline=baseline, thresholds=th),
            windows=weekly_pain(hist, end=self.as_of, baseline=baseline, thresholds=th),
        )

    def what_if(self, planned_week) -> dict:
        """Expected next-morning pain (0-10, 80% interval) after a planned week.

        ``planned_week``: run distances in km (``[5, 6, 8, 10]``) or
        ``{"weekly_km": 28, "longest_run_km": 10}``. Delegates to ``tolerance.what_if`` with the
        history up to ``as_of`` and this athlete's ``symptom_relation.estimate``;
        ``expected_0_10`` is None (with ``reason``) when the history cannot support a relation.
        """
        return _what_if(self._history(), planned_week, thresholds=self.thresholds,
                        estimate=self.symptom_relation.estimate)
