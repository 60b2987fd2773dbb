"""Argument checks shared across the package, so that every misuse reads the same way."""


def check_positive_ints(owner: str, **values) -> None:
    """Raise ``ValueError("<owner>: <name> must be a positive integer, got <value>")`` for the first bad one."""
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
