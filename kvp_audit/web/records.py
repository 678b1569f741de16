"""The plan for retting (plan.yaml) and the sample draw (utvalg.yaml) as forms."""

from __future__ import annotations

ROUTES: tuple = ()
