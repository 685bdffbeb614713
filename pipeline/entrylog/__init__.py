"""What the logs a runner writes (``pipeline.painlog``, ``pipeline.rehab``) share: reading a
log's CSV rows (``csv_rows``), the cells of one entry added on the command line (``cells``),
merging by key (``merge``) and folding, importing and rebuilding the stored log (``stored``).

Each log keeps its own rules (columns, validation messages, keys) in its own package and hands
them to these functions. ``csv_rows`` and ``cells`` import no pandas, so ``runload pain add``
and ``runload rehab add`` stay light; nothing is imported here.
"""
