"""The checklists in use, as pages: themes, criteria, legal basis, guidance, and the links between two versions (what 'checklist diff' shows)."""

from __future__ import annotations

ROUTES: tuple = ()
