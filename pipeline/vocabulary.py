"""The words the data uses (sports, formats, pain contexts): plain tuples, importable without
pandas, so the one-line commands (``runload pain add``) validate without the analysis stack."""

SPORTS = (
    "running",
    "trail_running",
    "treadmill_running",
    "cycling",
    "swimming",
    "water_running",
    "walking",
    "other",
)
RUNNING_SPORTS = ("running", "trail_running", "treadmill_running")
FORMATS = ("fit", "gpx", "tcx")
LOCAL_DATE_SOURCES = ("fit_local_timestamp", "gps_timezone", "profile_timezone")
PAIN_CONTEXTS = ("during_run", "after_run", "next_morning", "sitting", "daily",
                 "during_cross_training", "after_cross_training")
CROSS_CONTEXTS = ("during_cross_training", "after_cross_training")  # these name an ``activity``
# Cross-training sports a pain entry can name (elliptical has no sport of its own in watch files)
CROSS_SPORTS = ("cycling", "swimming", "water_running", "elliptical", "walking", "other")
