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


def check_data_label(owner: str, data: str, standin: bool) -> None:
    """A grid labels each cell with the data the calling process found (``"real"`` or a stand-in label), and
    the label is part of the cache key; raise ``RuntimeError`` when this process read other data (a cluster
    node with another data folder), so that a stand-in result is never cached as a real one or back."""
    if data and (data == "real") == bool(standin):
        found, read = ("the real data", "the stand-in") if data == "real" else ("no data files", "the real files")
        raise RuntimeError(f"{owner}: the grid found {found} but this process read {read}; give every worker "
                           "the data folder of the process that calls grid ($STABLEGRAD_DATA or root=)")
