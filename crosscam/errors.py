"""The one exception type that the CLI turns into a one-line error message."""


class CrosscamError(Exception):
    """A user-facing error: bad input, a missing asset, a wrong layout.

    The message must name the path (or the value) and the problem in one line;
    the CLI prints it as ``crosscam: error: <message>`` and exits non-zero.
    """
