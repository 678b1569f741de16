"""The round file (runde.yaml) as a form: name, county, period, offices added or renamed, checklists chosen."""

from __future__ import annotations

ROUTES: tuple = ()
