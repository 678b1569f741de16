"""Worker processes for the PDF and DOCX files: which start method, and a pool whose workers
set themselves up when they are not forked from a process that has done it already."""

from __future__ import annotations

import os
import sys
import threading
from typing import Callable, Iterable, Iterator

from ..errors import UsageError
from ..i18n import _, current_language, set_language

START_METHOD_VARIABLE = "KVP_AUDIT_START_METHOD"
START_METHODS = ("fork", "spawn", "forkserver")


def start_method() -> str:
    """The start method for worker processes: ``KVP_AUDIT_START_METHOD`` when set, else fork where
    it is there and safe (not macOS, where system libraries break in a forked child; not from a
    thread other than the main one, such as a build job of the web server, whose siblings may hold
    a lock the child would wait for forever), else forkserver or spawn. The progress bar's own
    refresh thread does not count: the workers never draw it."""
    import multiprocessing

    available = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip().lower()
    if chosen:
        if chosen not in START_METHODS:
            raise UsageError(_("{variable}={value} er ikke en startmetode; bruk en av: {methods}").format(
                variable=START_METHOD_VARIABLE, value=os.environ[START_METHOD_VARIABLE], methods=", ".join(START_METHODS)))
        if chosen not in available:
            raise UsageError(_("{variable}={value}: den startmetoden finnes ikke på denne maskinen; bruk en av: "
                               "{methods}").format(variable=START_METHOD_VARIABLE, value=chosen,
                                                   methods=", ".join(m for m in START_METHODS if m in available)))
        return chosen
    if "fork" in available and sys.platform != "darwin":
        if threading.current_thread() is threading.main_thread():
            return "fork"
        if "forkserver" in available:
            return "forkserver"
    return "spawn"


def forced() -> bool:
    """Whether ``KVP_AUDIT_START_METHOD`` names the start method; then even a single file is made
    in a worker process, so that a start method can be tried on one report."""
    return bool(os.environ.get(START_METHOD_VARIABLE, "").strip())


def _initialise(lang: str, modules: tuple[str, ...]) -> None:
    """Set a worker up that was not forked from the process that made the pool: the language of
    the messages, and the heavy libraries loaded once, before the first file."""
    import importlib

    set_language(lang)
    for name in modules:
        try:
            importlib.import_module(name)
        except (ImportError, OSError):
            pass  # the first file says what is missing, as it does in this process


def run(job: Callable, work: Iterable, workers: int, preload: tuple[str, ...],
        warm_up: Callable[[], None] | None = None) -> Iterator:
    """``job`` on every item of ``work`` on ``workers`` processes, results as they come. ``job`` is a
    function at the top of a module and the items are plain values, so any start method can send
    them. Messages are in this process's language. Forked workers share what ``warm_up`` loaded in this process; others load ``preload``
    themselves (a forkserver loads them once, for every later pool too)."""
    import multiprocessing

    method = start_method()
    ctx = multiprocessing.get_context(method)
    if method == "fork":
        if warm_up is not None:
            warm_up()
        initargs: tuple = (current_language(), ())
    else:
        if method == "forkserver":
            ctx.set_forkserver_preload(["kvp_audit.report.workers", *preload])
        initargs = (current_language(), preload)
    with ctx.Pool(workers, initializer=_initialise, initargs=initargs) as pool:
        yield from pool.imap_unordered(job, work)
