"""The pain log per local date: the day's worst pain in each context, and the day's flags."""

from __future__ import annotations

import pandas as pd

from pipeline.schemas import PAIN_CONTEXTS

PAIN_COLUMNS = {context: f"pain_{context}_0_10" for context in PAIN_CONTEXTS}
FLAG_COLUMNS = ("weakness", "rehab", "compression")


def daily_pain(pain_log: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Per day: ``pain_<context>_0_10``, the highest pain (0-10) logged in that context (null
    when none), and ``weakness``/``rehab``/``compression``: True when any entry that day says
    so, False when entries answered and none said so, null when nothing was logged."""
    out = pd.DataFrame(index=days)
    dates = pain_log["date"].to_numpy()
    for context, column in PAIN_COLUMNS.items():
        mask = (pain_log["context"] == context).to_numpy()
        worst = pain_log["pain_0_10"].astype(float)[mask].groupby(dates[mask]).max()
        out[column] = worst.reindex(days).astype(float)
    for flag in FLAG_COLUMNS:
        values = pain_log[flag].astype("boolean")
        answered = values.notna().to_numpy()
        # "any true" per day; a day where every answer is null stays null
        any_true = values[answered].astype(bool).groupby(dates[answered]).any()
        out[flag] = any_true.reindex(days).astype("boolean")
    return out
