"""kvp-audit: quality review (kvalitetsinnsyn) of the Kvalifiseringsprogrammet (KVP).

The package is a pipeline: load and validate -> score -> compare -> render -> write.
Import the submodules you need; this module stays light so that ``kvp-audit --help``
starts fast.
"""

__version__ = "0.1.0"
