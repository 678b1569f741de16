"""Local web form for ``kvp-audit serve``: capture case, office and follow-up reviews during a visit,
and write the report's own text.

The form is generated from the round's checklists and writes the same YAML files the
command line reads. The modules import one way, each only from those before it:

- :mod:`.fields`: form text and YAML values (what an input shows, how posted text is stored);
- :mod:`.findings`: the follow-up form's findings, the part the other forms lack;
- :mod:`.reviews`: the file logic, no Flask (the round as the form sees it, one
  ``ReviewTarget`` for every form, read, validate, write with conflict detection);
- :mod:`.followups`: the findings of each office, from the scored round, and the
  office's plan for retting (plan.yaml), shown read-only on its page;
- :mod:`.view`: what the templates show;
- :mod:`.reportfile`: the report's own file (rapport.yaml): its values, how they are
  written, and what its page shows;
- :mod:`.app`: the Flask shell (plain view functions, state on ``app.extensions``);
- :mod:`.server`: runs it on 127.0.0.1, one request at a time.
"""
