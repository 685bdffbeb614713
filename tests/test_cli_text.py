from pipeline.cli_text import recommendation_text, run_text

REC = {"athlete": "me", "status": "hold", "week_start": "2026-11-23", "confidence": "low",
       "weekly_run_km": {"min": 20.4, "max": 24.0}, "runs_per_week": 1,
       "longest_run_km_max": 8.0, "cross_training_min": 45,
       "red_flags": [{"code": "weakness_reported", "message": "Weakness was reported."}],
       "reasons": ["First reason.", "Second reason."]}


def test_recommendation_text_has_the_numbers_flags_and_every_reason():
    lines = recommendation_text(REC).splitlines()
    assert lines[0] == "me: HOLD for the week of 2026-11-23 (confidence low)"
    assert lines[1] == ("  run 20.4-24.0 km in 1 run, longest run <= 8.0 km,"
                        " cross-training 45 min")
    assert lines[2] == "  RED FLAG: Weakness was reported."
    assert lines[3:] == ["  - First reason.", "  - Second reason."]


def test_run_text_says_what_each_athlete_got_and_ends_with_the_report(tmp_path):
    result = {"athletes": [
        {"athlete": "me", "ingest": {"new": 3, "duplicates": 1}, "pain_logs": [{"new": 5}],
         "recommendation": {**REC, "runs_per_week": 4}, "rejected": [
             {"source": "bad.fit", "reason": "not a FIT file"}]},
        {"athlete": "you", "ingest": None, "pain_logs": [], "recommendation": None,
         "rejected": []}],
        "reports": [str(tmp_path / "me" / "report.pdf"), str(tmp_path / "index.html")]}
    lines = run_text(result).splitlines()
    assert lines[0] == "me: 3 new activities, 1 duplicates, 5 new pain entries"
    assert lines[1].startswith("  HOLD for the week of 2026-11-23 (confidence low): run 20.4-24.0")
    assert "in 4 runs" in lines[1]
    assert lines[2] == "  RED FLAG: Weakness was reported."
    assert lines[3] == "  rejected bad.fit: not a FIT file"
    assert lines[4:6] == ["you: nothing new", "  nothing to analyse yet"]
    assert lines[-1] == f"report: {(tmp_path / 'index.html').resolve()}"
