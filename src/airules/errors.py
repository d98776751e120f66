class FatalError(RuntimeError):
    """A problem the user must fix: the message says what is wrong and how to fix it.

    ``main`` catches it once, prints it on one line and exits 2.
    """
