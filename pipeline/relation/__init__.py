"""The symptom relation: load <-> pain.

``symptoms`` (the pain-monitoring model and red flags), ``tolerance`` (the tolerated weekly load),
``hinge`` (its breakpoint fit) and ``effects`` (lagged load effects on next-morning pain).
"""
