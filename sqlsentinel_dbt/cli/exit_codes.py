"""Process exit codes, the contract CI gates rely on."""

from enum import IntEnum


class ExitCode(IntEnum):
    """0: all clear. 1: something fired at or above --fail-on, or errored. 2: could not start."""

    OK = 0
    FAILED = 1
    CANNOT_START = 2
