"""One definition of each import count: the ledger's sums equal what each ingest printed."""

import pandas as pd

from pipeline.ingest.counts import counts_text, last_upload_utc, ledger_counts


def _ledger(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["status", "activity_ids", "ingested_at_utc"])


def test_ledger_counts_follow_the_ingest_definitions():
    t = pd.Timestamp("2026-11-20T08:00:00Z")
    sources = _ledger([
        ("ok", ["a"], t), ("ok", ["b", "c"], t),      # 3 new activities
        ("partial", ["d"], t),                        # 1 new, recovered from damage
        ("ok", ["a"], t),                             # the same run from another source
        ("partial", ["b"], t),                        # a damaged copy of a known run
        ("duplicate", ["a"], t), ("duplicate", [], t),  # the same bytes again
        ("quarantined", [], t), ("refused", [], t + pd.Timedelta(hours=1)),
        ("not_activity", [], t), ("archive", [], t),
    ])
    sources["reason"] = ""
    # a mistyped path an older version recorded: not a file, neither counted nor listed
    sources.loc[len(sources)] = ("quarantined", [], t, "no such file or folder")
    counts = ledger_counts(sources)
    assert counts == {"new": 4, "duplicates": 4, "quarantined": 2, "partial": 2,
                      "not_activity": 1}
    assert counts_text(counts) == ("4 new, 4 duplicates, 2 quarantined, 2 partial,"
                                   " 1 not an activity")
    assert last_upload_utc(sources) == t + pd.Timedelta(hours=1)
    assert ledger_counts(_ledger([])) == dict.fromkeys(counts, 0)
    assert last_upload_utc(_ledger([])) is None
