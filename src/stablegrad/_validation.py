"""Argument checks shared across the package, so that every misuse reads the same way."""

#: The sizes every experiment and notebook runs at.
SCALES = ("smoke", "book", "paper")


def check_scale(owner: str, scale) -> None:
    """Raise ``ValueError("<owner>: scale must be one of ...")`` unless ``scale`` is one of :data:`SCALES`."""
    if scale not in SCALES:
        raise ValueError(f"{owner}: scale must be one of {SCALES}, got {scale!r}")


def check_positive_ints(owner: str, **values) -> None:
    """Raise ``ValueError("<owner>: <name> must be a positive integer, got <value>")`` for the first bad one."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
