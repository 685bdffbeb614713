"""Samples dated far from the rest of their recording, and recordings left running for hours.

A changed digit in a GPX/TCX time or a damaged FIT record can date one sample years away from the
others. Kept, it makes the activity span years (its elapsed time, its day, the store's history).
No recording pauses for a whole day between two samples, so a gap that long separates the
recording from samples that do not belong to it.
"""

from __future__ import annotations

import numpy as np

US_PER_S = 1_000_000
# A stretch a day or more from the rest holding at most this share of a recording's samples is
# damaged (a record stamped weeks late, a changed digit); more is a recording resumed another day.
STRAY_SHARE = 0.05


def _stretches(t: np.ndarray, *, max_gap_s: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The order that sorts ``t`` (int64 UTC microseconds) by time and, in that order, each
    sample's stretch number (a new stretch wherever two consecutive samples are more than
    ``max_gap_s`` seconds apart); None when there is one stretch (or fewer than 2 samples)."""
    if len(t) < 2:
        return None
    order = np.argsort(t, kind="stable")
    breaks = np.diff(t[order]) > max_gap_s * US_PER_S
    if not breaks.any():
        return None
    return order, np.concatenate([[0], np.cumsum(breaks)])


def in_main_stretch(time_us: np.ndarray, *, max_gap_s: float) -> np.ndarray:
    """True for each sample of the recording's main stretch (any order of ``time_us``, UTC
    microseconds since the epoch).

    Sorted by time, the samples split into stretches wherever two consecutive ones are more than
    ``max_gap_s`` seconds apart; the stretch with the most samples is the recording (the earliest
    of equals). A recording without such a gap is kept whole, however long.
    """
    t = np.asarray(time_us, dtype=np.int64)
    keep = np.ones(len(t), dtype=bool)
    labelled = _stretches(t, max_gap_s=max_gap_s)
    if labelled is not None:
        order, stretch = labelled
        keep[order] = stretch == int(np.argmax(np.bincount(stretch)))
    return keep


def without_strays(time_us: np.ndarray, *, max_gap_s: float, max_share: float) -> np.ndarray:
    """True for each sample except strays: those in a stretch (as in ``in_main_stretch``) other
    than the largest that holds at most ``max_share`` (0-1) of the samples.

    A damaged record dated weeks after the rest is such a stray; a multi-day recording's second
    day, thousands of samples, is not.
    """
    t = np.asarray(time_us, dtype=np.int64)
    keep = np.ones(len(t), dtype=bool)
    labelled = _stretches(t, max_gap_s=max_gap_s)
    if labelled is not None:
        order, stretch = labelled
        counts = np.bincount(stretch)
        stray = counts <= max_share * len(t)
        stray[int(np.argmax(counts))] = False
        keep[order] = ~stray[stretch]
    return keep


def day_stretches(time_us: np.ndarray, *, max_gap_s: float,
                  max_share: float = STRAY_SHARE) -> np.ndarray:
    """The stretch number (0, 1, ... in time order) of each sample: sorted by time, samples split
    wherever two are more than ``max_gap_s`` seconds apart; a stray stretch (at most
    ``max_share`` of the samples, see ``without_strays``) joins the largest stretch, where the
    far-date check drops it. All 0 without a second stretch of substance."""
    t = np.asarray(time_us, dtype=np.int64)
    out = np.zeros(len(t), dtype=np.int64)
    labelled = _stretches(t, max_gap_s=max_gap_s)
    if labelled is None:
        return out
    order, stretch = labelled
    counts = np.bincount(stretch)
    real = (counts > max_share * len(t)) & (counts >= 2)
    real[int(np.argmax(counts))] = True
    number = np.cumsum(real) - 1  # real stretches numbered in time order
    out[order] = np.where(real[stretch], number[stretch], number[int(np.argmax(counts))])
    return out


def near_session(
    time_us: np.ndarray, *, start_us: int | None, end_us: int | None, margin_s: float
) -> np.ndarray:
    """True for each sample dated at most ``margin_s`` seconds outside the session's
    ``start_us``..``end_us`` (UTC microseconds since the epoch).

    A bound that is unknown (None) is replaced by the main stretch (``in_main_stretch`` with
    ``margin_s`` as the gap), so a sample a year after a session without an end still goes.
    """
    t = np.asarray(time_us, dtype=np.int64)
    margin_us = int(margin_s * US_PER_S)
    keep = np.ones(len(t), dtype=bool)
    if start_us is not None:
        keep &= t >= start_us - margin_us
    if end_us is not None:
        keep &= t <= end_us + margin_us
    if start_us is None or end_us is None:
        keep &= in_main_stretch(t, max_gap_s=margin_s)
    return keep


def far_dates_warning(dropped: int, *, what: str, margin_s: float) -> str:
    """The warning for ``dropped`` samples dated too far away (``what``: "the session", ...)."""
    return (
        f"{dropped:,} sample(s) dated more than {_duration(margin_s)} away from {what} dropped "
        "(implausible dates: a wrong digit in a time, a damaged record)"
    )


def idle_recording_warning(
    elapsed_s: np.ndarray, *, max_gap_s: float, min_span_s: float
) -> str | None:
    """A warning when a recording spans at least ``min_span_s`` seconds and more than half of
    that is pauses (gaps over ``max_gap_s``): an app left running after the activity. None when
    not. ``elapsed_s`` ascending, seconds from the first sample."""
    if len(elapsed_s) < 2:
        return None
    span = float(elapsed_s[-1] - elapsed_s[0])
    if span < min_span_s:
        return None
    gaps = np.diff(elapsed_s)
    paused = float(gaps[gaps > max_gap_s].sum())
    if paused <= span / 2:
        return None
    return (
        f"the recording spans {_duration(span)} of which {_duration(paused)} are pauses (an app "
        "left running?): elapsed time counts them, moving time does not"
    )


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86_400:
        return f"{round(seconds / 86_400, 1):g} days"
    return f"{round(seconds / 3600, 1):g} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"
