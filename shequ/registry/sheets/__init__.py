"""The register sheet (台账) in and out of Excel.

One flat sheet, one row per resident, with Chinese headers (``columns``). The import is a
staged pipeline run as background tasks (``pipeline``): upload → every row checked
(``reader`` + ``checker``) → preview with each error → commit in one transaction
(``writer``) → summary. ``export`` writes any resident list, and the empty template, in the
same columns."""
