"""Bytes -> rows: the FIT, GPX and TCX decoders, trackpoints, per-activity values, altitude and
local time. Runs in the import's workers; never touches the store."""
