"""The round page's validation overview (every problem, in words, with a link to the form and field) and the 'ready for the report' check per office."""

from __future__ import annotations

ROUTES: tuple = ()
