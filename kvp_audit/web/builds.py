"""Reports from the browser: build an office's report, its follow-up report or all the round's, with progress; the county summary and the comparison as pages; exports as downloads."""

from __future__ import annotations

ROUTES: tuple = ()
