"""Local web form for ``kvp-audit serve``: capture case and office reviews during a visit.

The form is generated from the round's checklists and writes the same YAML files the
command line reads. :mod:`.reviews` holds the file logic (no Flask: read, apply a form,
validate, write with conflict detection); :mod:`.app` is the Flask shell over it and
:mod:`.server` runs it on 127.0.0.1.
"""
