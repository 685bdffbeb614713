"""Daily and weekly features: volume, load, stride and pain per local date and per ISO week."""

from pipeline.features.daily import daily_features
from pipeline.features.weekly import weekly_features

__all__ = ["daily_features", "weekly_features"]
