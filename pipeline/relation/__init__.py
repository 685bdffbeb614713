"""The symptom relation: load <-> pain.

``symptoms`` (the pain-monitoring model and red flags), ``pain_model`` (the breakpoint model with
day-to-day carry-over and its search), ``tolerance`` (the tolerated weekly load, its interval,
validation and the censored or too-little-data answers), ``hinge`` (a plain breakpoint
estimator) and ``effects`` (lagged load effects on next-morning pain).
"""
