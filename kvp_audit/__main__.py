"""``python -m kvp_audit``: the ``kvp-audit`` command (the launchers use it, and it works where
the command's folder is not on PATH, as on a fresh Windows install)."""

import sys


def run() -> None:
    """Run the command line; a Ctrl-C while the libraries load ends quietly, as it does later."""
    try:
        from .cli import main
    except KeyboardInterrupt:
        from .i18n import pgettext, set_language

        set_language(None)  # KVP_AUDIT_LANG; --lang is not read yet
        sys.stderr.write("kvp-audit: " + pgettext("kommando", "avbrutt") + "\n")
        sys.exit(130)
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
