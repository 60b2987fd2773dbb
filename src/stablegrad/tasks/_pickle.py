"""Reading the pickled numpy arrays that MNIST and CIFAR-10 ship as, with nothing else allowed."""
import codecs
import pickle

import numpy as np

try:  # numpy >= 2
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core.multiarray import _reconstruct

_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("_codecs", "encode"): codecs.encode,  # how Python 3 pickles bytes at protocol 2
}


def load_arrays(file, *, owner: str, encoding: str = "latin1"):
    """Unpickle ``file`` (an open binary file) allowing only numpy arrays, dtypes, bytes, lists, tuples and dicts;
    any other object raises ``pickle.UnpicklingError`` naming ``owner``."""

    class ArraysOnly(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) not in _ALLOWED:
                raise pickle.UnpicklingError(f"{owner}: unexpected object {module}.{name} in {file.name}")
            return _ALLOWED[(module, name)]

    return ArraysOnly(file, encoding=encoding).load()
