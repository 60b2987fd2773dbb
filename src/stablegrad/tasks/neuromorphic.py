"""The neuromorphic data sets of the EXODUS paper (Table 2): SHD, SSC and DVS Gesture, read through tonic.

Samples are binned into spike counts per time step, float32, time first:

- SHD (20 classes) and SSC (35 classes): ``(250, 100)``. Bins are a fixed 4 ms over the first second of
  each recording (the audio is aligned at t = 0 and lasts about a second; the few spikes after 1 s are
  dropped), and the 700 cochlea channels are summed in groups of 7 (channels 0-6 -> 0, ...), giving the
  inputs of the paper's 100-128-128-20 and 100-128-128-35 networks.
- DVS Gesture (11 classes): ``(300, 2, 64, 64)`` = (step, polarity, y, x). The first 1.5 s after the
  sample's first event at 5 ms per step, as the paper does; the 128 x 128 sensor is summed over 2 x 2
  pixel blocks; polarity 0 is OFF, 1 is ON.

Counts are not clipped: a bin holding several spikes of a pooled group says so, and a network can
squash it if it wants binary inputs.

There is no network at run time. :func:`load` reads the real files from a user folder (``root``, by
default ``$STABLEGRAD_DATA`` or ``~/.stablegrad/data``) in the layout tonic leaves after its own
download, and never lets tonic download: the files are checked here first, and the tonic classes are
used through subclasses whose ``download`` raises. A downloaded archive left in the folder is unpacked
locally. When the files are absent, :func:`load` falls back to a synthetic stand-in written by
:func:`write_standin` in the same file format and read back through the same tonic path, and says so
in ``dataset.standin`` and ``dataset.message``: results on it test the code, not the paper's accuracy.
"""
import functools
import gzip
import math
import os
import shutil
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._validation import check_positive_ints

__all__ = ["NEUROMORPHIC", "NeuromorphicDataset", "NeuromorphicSpec", "available", "default_root", "load",
           "write_standin"]

#: Bump when the stand-in generator changes, so that cached stand-ins are written afresh.
STANDIN_VERSION = 2
#: The stand-in that :func:`load` falls back to is always drawn with this seed, so train and test share
#: their class templates whatever ``seed`` picks a subset with.
STANDIN_SEED = 0


@dataclass(frozen=True)
class NeuromorphicSpec:
    """What one data set is on disk and what :func:`load` makes of it.

    Attributes:
        title: display name.
        tonic_class: the ``tonic.datasets`` class that reads it.
        classes: number of classes; labels are ``0 .. classes - 1``.
        steps: time steps per sample (Table 2's sequence length).
        bin_us: width of a time step in microseconds.
        input_shape: shape of one time step.
        splits: the splits the data set has.
        files: split -> path under ``root`` that tonic reads (an ``.h5`` file or a folder of ``.npy``).
        archives: split -> path under ``root`` of the downloaded archive; unpacked here when ``files`` is
            absent.
        urls: split -> where to download the archive.
        standin_per_class: samples per class in the stand-in's train split (the others get a quarter).
    """

    title: str
    tonic_class: str
    classes: int
    steps: int
    bin_us: int
    input_shape: tuple[int, ...]
    splits: tuple[str, ...]
    files: dict[str, str]
    archives: dict[str, str]
    urls: dict[str, str]
    standin_per_class: int


def _heidelberg(title: str, tonic_class: str, classes: int, splits: tuple[str, ...], per_class: int):
    folder, prefix = tonic_class, tonic_class.lower()
    return NeuromorphicSpec(
        title=title,
        tonic_class=tonic_class,
        classes=classes,
        steps=250,
        bin_us=4000,
        input_shape=(100,),
        splits=splits,
        files={s: f"{folder}/{prefix}_{s}.h5" for s in splits},
        archives={s: f"{folder}/{prefix}_{s}.h5.zip" for s in splits},
        urls={s: f"https://zenkelab.org/datasets/{prefix}_{s}.h5.zip" for s in splits},
        standin_per_class=per_class,
    )


#: The data sets by name. URLs and file names are those of tonic 1.7.0.
NEUROMORPHIC: dict[str, NeuromorphicSpec] = {
    "shd": _heidelberg("Spiking Heidelberg Digits (SHD)", "SHD", 20, ("train", "test"), 16),
    "ssc": _heidelberg("Spiking Speech Commands (SSC)", "SSC", 35, ("train", "valid", "test"), 8),
    "dvs_gesture": NeuromorphicSpec(
        title="DVS Gesture",
        tonic_class="DVSGesture",
        classes=11,
        steps=300,
        bin_us=5000,
        input_shape=(2, 64, 64),
        splits=("train", "test"),
        files={"train": "DVSGesture/ibmGestureTrain", "test": "DVSGesture/ibmGestureTest"},
        archives={"train": "DVSGesture/ibmGestureTrain.tar.gz", "test": "DVSGesture/ibmGestureTest.tar.gz"},
        urls={
            "train": "https://figshare.com/ndownloader/files/38022171",
            "test": "https://figshare.com/ndownloader/files/38020584",
        },
        standin_per_class=8,
    ),
}

_AUDIO_CHANNELS, _AUDIO_POOL = 700, 7
_DVS_SENSOR, _DVS_POOL = 128, 2
_DVS_LIGHTING = ("fluorescent", "fluorescent_led", "lab", "led", "natural")
_DVS_USERS = {"train": range(1, 24), "test": range(24, 30)}


def default_root() -> Path:
    """The data folder: ``$STABLEGRAD_DATA`` if set, else ``~/.stablegrad/data``."""
    return Path(os.environ.get("STABLEGRAD_DATA") or Path.home() / ".stablegrad" / "data").expanduser()


def _spec(owner: str, name: str) -> NeuromorphicSpec:
    if name not in NEUROMORPHIC:
        raise ValueError(f"{owner}: name must be one of {sorted(NEUROMORPHIC)}, got {name!r}")
    return NEUROMORPHIC[name]


# --- binning -------------------------------------------------------------------------------------------


def _bin_audio(events: np.ndarray, spec: NeuromorphicSpec) -> np.ndarray:
    """Counts ``(steps, 100)`` of tonic's ``(t [us], x = channel, p)`` events; t is measured from 0."""
    t, ch = events["t"].astype(np.int64), events["x"].astype(np.int64)
    keep = (t >= 0) & (t < spec.steps * spec.bin_us) & (ch >= 0) & (ch < _AUDIO_CHANNELS)
    flat = (t[keep] // spec.bin_us) * spec.input_shape[0] + ch[keep] // _AUDIO_POOL
    return np.bincount(flat, minlength=spec.steps * spec.input_shape[0]).reshape(spec.steps, -1)


def _bin_dvs(events: np.ndarray, spec: NeuromorphicSpec) -> np.ndarray:
    """Counts ``(steps, 2, 64, 64)`` of tonic's ``(x, y, p, t [us])`` events from the first event on."""
    shape = (spec.steps, *spec.input_shape)
    if len(events) == 0:
        return np.zeros(shape, dtype=np.int64)
    t = events["t"].astype(np.int64)
    t = t - t.min()
    x, y, p = (events[k].astype(np.int64) for k in ("x", "y", "p"))
    keep = (t < spec.steps * spec.bin_us) & (x >= 0) & (x < _DVS_SENSOR) & (y >= 0) & (y < _DVS_SENSOR)
    side = _DVS_SENSOR // _DVS_POOL
    t, x, y, p = t[keep] // spec.bin_us, x[keep] // _DVS_POOL, y[keep] // _DVS_POOL, p[keep]
    flat = ((t * 2 + p) * side + y) * side + x
    return np.bincount(flat, minlength=math.prod(shape)).reshape(shape)


_BIN = {"SHD": _bin_audio, "SSC": _bin_audio, "DVSGesture": _bin_dvs}


# --- reading through tonic, never downloading -----------------------------------------------------------


def _present(path: Path) -> bool:
    """Whether ``path`` holds readable data: an ``.h5`` file, or a folder with ``user*/*.npy`` samples."""
    if path.suffix == ".h5":
        return path.is_file()
    return path.is_dir() and any(path.glob("*/*.npy"))


@functools.cache
def _guarded(tonic_class: str):
    """A subclass of ``tonic.datasets.<tonic_class>`` that checks the extracted files and never downloads.

    Same class name, so that tonic looks in the same ``<save_to>/<name>`` folder.
    """
    try:
        import tonic.datasets
    except ImportError as error:  # pragma: no cover - tonic is in the data and test extras
        message = "the neuromorphic data sets are read with tonic: pip install 'stablegrad[data]'"
        raise ImportError(message) from error
    base = getattr(tonic.datasets, tonic_class)

    def _data_path(self) -> Path:
        return Path(self.location_on_system, getattr(self, "data_filename", "") or self.folder_name)

    def _check_exists(self):
        return _present(_data_path(self))

    def download(self):
        raise RuntimeError(f"stablegrad never downloads; {_data_path(self)} should have been there")

    return type(base.__name__, (base,), {"_check_exists": _check_exists, "download": download})


def _open_tonic(spec: NeuromorphicSpec, save_to: Path, split: str):
    cls = _guarded(spec.tonic_class)
    if spec.tonic_class == "SSC":
        return cls(save_to=str(save_to), split=split)
    return cls(save_to=str(save_to), train=split == "train")


def _unpack(archive: Path, target: Path) -> None:
    """Unpack a downloaded archive next to it so that ``target`` appears whole or not at all."""
    tmp = Path(tempfile.mkdtemp(dir=archive.parent, prefix=f".{target.name}."))
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                member = next(n for n in zf.namelist() if Path(n).name == target.name)
                with zf.open(member) as src, open(tmp / target.name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        elif archive.name.endswith(".h5.gz"):
            with gzip.open(archive) as src, open(tmp / target.name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            with tarfile.open(archive) as tf:  # the "data" filter (Python >= 3.11.4) keeps paths inside tmp
                tf.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        found = next(tmp.rglob(target.name), None)
        if found is None:
            raise OSError(f"{archive} holds no {target.name}")
        os.replace(found, target)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, StopIteration) as error:
        raise OSError(f"could not unpack {archive} (a partial download?): {error}") from error
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _locate(spec: NeuromorphicSpec, root: Path, split: str) -> bool:
    """Whether the split is readable under ``root``; unpacks a downloaded archive if that is what is there."""
    target = root / spec.files[split]
    if _present(target):
        return True
    archives = [root / spec.archives[split]]
    if spec.files[split].endswith(".h5"):
        archives.append(target.with_name(target.name + ".gz"))
    for archive in archives:
        if archive.is_file():
            _unpack(archive, target)
            return _present(target)
    return False


def _missing_message(spec: NeuromorphicSpec, root: Path, split: str) -> str:
    target = root / spec.files[split]
    downloads = "\n".join(f"  {spec.urls[s]}  ->  {root / spec.archives[s]}" for s in spec.splits)
    return (
        f"{spec.title}: the {split} split is not in {root} (looked for {target}).\n"
        f"To use the real data, download (no network is used here):\n{downloads}\n"
        f"Archives are unpacked on first use (or unpack them there yourself). Set STABLEGRAD_DATA or pass "
        f"root= to read another folder."
    )


class NeuromorphicDataset(torch.utils.data.Dataset):
    """One split of a neuromorphic data set: items are ``(x, y)``, ``x`` float32 counts
    ``(steps, *input_shape)`` and ``y`` the integer label.

    Samples are read from disk by tonic and binned on access, so that the full sets (tens of GB dense) fit
    a :class:`~torch.utils.data.DataLoader`; :meth:`tensors` stacks everything for small sets.

    Attributes:
        name: key of ``NEUROMORPHIC``; ``spec`` is its entry.
        split: the split read.
        standin: true when this is the synthetic stand-in, not the real data.
        source: the file or folder read.
        message: empty for real data; otherwise how to obtain it, and a note that this is a stand-in.
        indices: the samples of the split that this dataset holds, in tonic's indexing.
    """

    def __init__(
        self, name: str, split: str, save_to: Path, indices=None, *, standin: bool, message: str = ""
    ):
        self.name, self.split, self.spec = name, split, NEUROMORPHIC[name]
        self.standin, self.message = standin, message
        self.save_to = Path(save_to)
        self.source = str(self.save_to / self.spec.files[split])
        self._reader = None
        self.indices = np.arange(len(self.reader)) if indices is None else np.asarray(indices, dtype=np.int64)

    @property
    def classes(self) -> int:
        """Number of classes of the data set (the network's outputs)."""
        return self.spec.classes

    @property
    def reader(self):
        """The tonic dataset behind this one (reopened in each process; never downloads)."""
        if self._reader is None:
            self._reader = _open_tonic(self.spec, self.save_to, self.split)
            if self.spec.tonic_class == "DVSGesture":  # tonic lists files in directory order: sort them
                order = np.argsort(self._reader.data, kind="stable")
                for attr in ("data", "targets", "users", "lighting"):
                    setattr(self._reader, attr, [getattr(self._reader, attr)[i] for i in order])
        return self._reader

    def __getstate__(self):
        return {**self.__dict__, "_reader": None}

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        events, label = self.reader[int(self.indices[i])]
        counts = _BIN[self.spec.tonic_class](events, self.spec)
        return torch.from_numpy(counts.astype(np.float32)), int(label)

    @property
    def labels(self) -> torch.Tensor:
        """Labels ``(len,)`` int64 of the samples held, read without their events."""
        if self.spec.tonic_class == "DVSGesture":
            all_labels = np.asarray(self.reader.targets, dtype=np.int64)
        else:
            import h5py

            with h5py.File(self.source, "r") as f:
                all_labels = f["labels"][()].astype(np.int64)
        return torch.from_numpy(all_labels[self.indices])

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every sample stacked: ``x (n, steps, *input_shape)`` float32 and ``y (n,)`` int64.

        Memory is ``n * steps * prod(input_shape) * 4`` bytes: 0.1 MB a sample for SHD/SSC, 9.8 MB for DVS.
        """
        x = torch.empty(len(self), self.spec.steps, *self.spec.input_shape)
        y = torch.empty(len(self), dtype=torch.int64)
        for i in range(len(self)):
            x[i], y[i] = self[i]
        return x, y

    def __repr__(self) -> str:
        kind = "STAND-IN" if self.standin else "real"
        args = f"{self.name!r}, {self.split!r}, n={len(self)}, {kind}, source={self.source!r}"
        return f"NeuromorphicDataset({args})"


def available(name: str, split: str = "train", *, root: str | os.PathLike | None = None) -> bool:
    """Whether the real ``split`` of ``name`` is in ``root`` (default :func:`default_root`), as :func:`load`
    would find it; false means :func:`load` falls back to the stand-in."""
    spec = _spec("available", name)
    if split not in spec.splits:
        raise ValueError(f"available: split must be one of {spec.splits} for {name!r}, got {split!r}")
    return bool(_locate(spec, default_root() if root is None else Path(root).expanduser(), split))


def load(
    name: str,
    split: str = "train",
    *,
    root: str | os.PathLike | None = None,
    limit: int | None = None,
    seed: int = 0,
    fallback: bool = True,
    standin_per_class: int | None = None,
) -> NeuromorphicDataset:
    """One split of data set ``name`` (a key of ``NEUROMORPHIC``), binned as in the paper's Table 2.

    Args:
        name: ``"shd"``, ``"ssc"`` or ``"dvs_gesture"``.
        split: ``"train"`` or ``"test"``; SSC also has ``"valid"``.
        root: folder with the real data in tonic's layout (``spec.files``); default :func:`default_root`.
        limit: keep a random subset of this many samples (drawn with ``seed``, kept in file order);
            ``None`` keeps all.
        seed: seeds the subset only; the stand-in is always drawn with ``STANDIN_SEED``.
        fallback: when the real split is absent, return the stand-in (true) or raise
            ``FileNotFoundError`` saying how to obtain the data (false).
        standin_per_class: train samples per class of the stand-in (default ``spec.standin_per_class``).

    The stand-in is written once to ``<root>/standin/<name>-v<version>-n<per class>-seed0`` and reused.
    Check ``dataset.standin`` and print ``dataset.message``.
    """
    spec = _spec("load", name)
    if split not in spec.splits:
        raise ValueError(f"load: split must be one of {spec.splits} for {name!r}, got {split!r}")
    if limit is not None:
        check_positive_ints("load", limit=limit)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"load: seed must be an integer, got {seed!r}")
    per_class = spec.standin_per_class if standin_per_class is None else standin_per_class
    check_positive_ints("load", standin_per_class=per_class)
    root = default_root() if root is None else Path(root).expanduser()

    message = ""
    if _locate(spec, root, split):
        save_to, standin = root, False
    else:
        message = _missing_message(spec, root, split)
        if not fallback:
            raise FileNotFoundError(message)
        standin = True
        save_to = root / "standin" / f"{name}-v{STANDIN_VERSION}-n{per_class}-seed{STANDIN_SEED}"
        if not all(_present(save_to / spec.files[s]) for s in spec.splits):
            try:
                write_standin(name, save_to, n_per_class=per_class, seed=STANDIN_SEED)
            except FileExistsError:  # written meanwhile by another process, or an incomplete folder
                if not _present(save_to / spec.files[split]):
                    raise
        message += (
            f"\nUsing a synthetic STAND-IN in the real file format instead ({save_to}): "
            f"stand-in data, accuracy claims are not testable on it."
        )

    dataset = NeuromorphicDataset(name, split, save_to, standin=standin, message=message)
    n = len(dataset.indices)
    if limit is not None and limit < n:
        dataset.indices = np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))
    return dataset


# --- stand-ins in the real file formats -----------------------------------------------------------------


def _split_counts(spec: NeuromorphicSpec, n_per_class: int) -> dict[str, int]:
    """Samples per class in each split: ``n_per_class`` for train, a quarter (at least 1) for the others."""
    return {s: n_per_class if s == "train" else max(1, math.ceil(n_per_class / 4)) for s in spec.splits}


def _audio_templates(classes: int, rng: np.random.Generator) -> np.ndarray:
    """Per class two "formant" sweeps: rows (start channel, end channel, onset [s], duration [s])."""
    start = rng.uniform(60, 640, size=(classes, 2))
    end = np.clip(start + rng.uniform(-250, 250, size=(classes, 2)), 20, 680)
    onset = rng.uniform(0.05, 0.35, size=(classes, 2))
    duration = rng.uniform(0.25, 0.55, size=(classes, 2))
    return np.stack([start, end, onset, duration], axis=-1)


def _audio_sample(template: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Spike times [s] (sorted, float16) and channels (uint16) of one noisy rendition of a class template."""
    shift, stretch, transpose = rng.normal(0, 0.04), rng.uniform(0.85, 1.15), rng.normal(0, 25)
    times, units = [], []
    for start, end, onset, duration in template:
        n = rng.poisson(500)
        phase = rng.uniform(0, 1, n)
        times.append(onset + shift + phase * duration * stretch)
        units.append(start + transpose + phase * (end - start) + rng.normal(0, 12, n))
    n_bg = rng.poisson(400 * 1.1)  # Poisson background at 400 spikes/s over 1.1 s
    times.append(rng.uniform(0, 1.1, n_bg))
    units.append(rng.uniform(0, _AUDIO_CHANNELS, n_bg))
    t, u = np.concatenate(times), np.concatenate(units)
    keep = (t >= 0) & (u >= 0) & (u < _AUDIO_CHANNELS)
    order = np.argsort(t[keep], kind="stable")
    return t[keep][order].astype(np.float16), u[keep][order].astype(np.uint16)


def _write_hdf5(path: Path, times, units, labels, speakers, classes: int) -> None:
    """An SHD/SSC file: ``spikes/times`` (vlen float16 s), ``spikes/units`` (vlen uint16), ``labels``,
    ``extra/keys``, ``extra/speaker``; plus the ``.h5.zip`` archive tonic's own check looks for."""
    import h5py

    with h5py.File(path, "w") as f:
        t = f.create_dataset("spikes/times", (len(times),), dtype=h5py.vlen_dtype(np.float16))
        u = f.create_dataset("spikes/units", (len(units),), dtype=h5py.vlen_dtype(np.uint16))
        for i, (ti, ui) in enumerate(zip(times, units, strict=True)):
            t[i], u[i] = ti, ui
        f["labels"] = np.asarray(labels, dtype=np.uint8)
        f["extra/keys"] = np.array([f"standin-{c:02d}".encode() for c in range(classes)])
        f["extra/speaker"] = np.asarray(speakers, dtype=np.uint16)
    with zipfile.ZipFile(path.with_name(path.name + ".zip"), "w", zipfile.ZIP_STORED) as zf:
        zf.write(path, arcname=path.name)


def _dvs_templates(classes: int, rng: np.random.Generator) -> np.ndarray:
    """Per class a hand path: rows (kind, centre x, centre y, amplitude [px], angular speed [rad/s], phase).

    Kinds 0 (circle), 1 (horizontal wave), 2 (vertical wave). Classes 2k and 2k + 1 share a path and
    differ only in its sense, as the clockwise/counter-clockwise gestures do, so that the order of events
    matters and not only where they fall.
    """
    pairs = (classes + 1) // 2
    kind = np.arange(pairs) % 3
    centre = rng.uniform(40, 88, size=(pairs, 2))
    amplitude = rng.uniform(14, 30, pairs)
    omega = 2 * np.pi * rng.uniform(0.7, 1.5, pairs)
    phase = rng.uniform(0, 2 * np.pi, pairs)
    paired = np.column_stack([kind, centre, amplitude, omega, phase])[np.arange(classes) // 2]
    paired[1::2, 4] *= -1
    return paired


def _dvs_sample(template: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Events ``(n, 4)`` int32 columns x, y, p, t [ms] of a blob moving along a template's path, plus noise.

    ON events lead the moving blob and OFF events trail it; 2 s long, starting at a random 0-200 ms. About
    24 000 events per second (real recordings have several times more), so that the deeper layers of the
    paper's CNN spike at the default initialisation.
    """
    kind, cx, cy, amplitude, omega, phase = template
    cx, cy = cx + rng.normal(0, 5), cy + rng.normal(0, 5)
    amplitude, omega = amplitude * rng.uniform(0.8, 1.2), omega * rng.uniform(0.85, 1.15)
    phase = phase + rng.normal(0, 0.5)
    n = rng.poisson(40000)
    t = rng.uniform(0, 2.0, n)
    angle = omega * t + phase
    cos, sin = np.cos(angle), np.sin(angle)
    if kind == 0:
        pos, vel = (cx + amplitude * cos, cy + amplitude * sin), (-sin * omega, cos * omega)
    elif kind == 1:
        pos, vel = (cx + amplitude * cos, np.full(n, cy)), (-sin * omega, np.zeros(n))
    else:
        pos, vel = (np.full(n, cx), cy + amplitude * cos), (np.zeros(n), -sin * omega)
    offset = rng.normal(0, 4, size=(2, n))
    p = (offset[0] * vel[0] + offset[1] * vel[1] > 0).astype(np.int64)
    x, y = pos[0] + offset[0], pos[1] + offset[1]
    n_bg = rng.poisson(8000)
    x = np.concatenate([x, rng.uniform(0, _DVS_SENSOR, n_bg)])
    y = np.concatenate([y, rng.uniform(0, _DVS_SENSOR, n_bg)])
    p = np.concatenate([p, rng.integers(0, 2, n_bg)])
    t = np.concatenate([t, rng.uniform(0, 2.0, n_bg)])
    keep = (x >= 0) & (x < _DVS_SENSOR) & (y >= 0) & (y < _DVS_SENSOR)
    t_ms = np.floor(t[keep] * 1000).astype(np.int64) + int(rng.integers(0, 200))
    events = np.column_stack([x[keep].astype(np.int64), y[keep].astype(np.int64), p[keep], t_ms])
    return events[np.argsort(t_ms, kind="stable")].astype(np.int32)


def write_standin(
    name: str, folder: str | os.PathLike, n_per_class: int | None = None, seed: int = 0
) -> Path:
    """Write a synthetic stand-in for data set ``name`` into ``folder`` in the real on-disk format; return it.

    Every split is written (train with ``n_per_class`` samples per class, the others a quarter, at least 1),
    laid out as ``spec.files`` says, so that tonic reads it exactly like the real data:

    - SHD/SSC: ``<folder>/SHD/shd_train.h5`` etc. with the released HDF5 layout, and its ``.h5.zip``.
      Each class is two spike sweeps across the cochlea channels with a class-specific onset, duration
      and slope (like formants); samples jitter them in time, tempo and channel, over a 400 Hz Poisson
      background, and run to 1.1 s, past the 1 s that is binned.
    - DVS Gesture: ``<folder>/DVSGesture/ibmGestureTrain/user01_fluorescent/<label>.npy`` (one sample
      per class per user/lighting folder, users 1-23 train and 24-29 test, as in the real set), each an
      int32 array of rows (x, y, p, t in ms). Each class is a blob moving on a circle or a line with a
      class-specific centre, size, speed and sense; ON events lead it, OFF events trail it; uniform noise.
      Samples last 2 s, past the 1.5 s that is binned. The ``.tar.gz`` archives are not written.

    Templates depend on ``seed`` only, so all splits of one call share them. The folder appears whole or
    not at all (written to a temporary sibling and renamed); an existing non-empty ``folder`` raises
    ``FileExistsError``.
    """
    spec = _spec("write_standin", name)
    n_per_class = spec.standin_per_class if n_per_class is None else n_per_class
    check_positive_ints("write_standin", n_per_class=n_per_class)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"write_standin: seed must be an integer, got {seed!r}")
    counts = _split_counts(spec, n_per_class)
    if spec.tonic_class == "DVSGesture":
        for s, n in counts.items():
            capacity = len(_DVS_USERS[s]) * len(_DVS_LIGHTING)
            if n > capacity:
                raise ValueError(
                    f"write_standin: n_per_class={n_per_class} needs {n} {s} samples per class, but DVS "
                    f"Gesture's layout holds at most {capacity} (one per user and lighting folder)"
                )
    folder = Path(folder).expanduser()
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"write_standin: folder {folder} exists and is not empty")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        rng = np.random.default_rng(seed)
        if spec.tonic_class == "DVSGesture":
            templates = _dvs_templates(spec.classes, rng)
        else:
            templates = _audio_templates(spec.classes, rng)
        for split, n in counts.items():
            split_rng = np.random.default_rng([seed, spec.splits.index(split)])
            target = tmp / spec.files[split]
            if spec.tonic_class == "DVSGesture":
                folders = [f"user{u:02d}_{light}" for u in _DVS_USERS[split] for light in _DVS_LIGHTING][:n]
                for sub in folders:
                    (target / sub).mkdir(parents=True)
                    for c in range(spec.classes):
                        np.save(target / sub / f"{c}.npy", _dvs_sample(templates[c], split_rng))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                labels = split_rng.permutation(np.repeat(np.arange(spec.classes), n))
                samples = [_audio_sample(templates[c], split_rng) for c in labels]
                speakers = split_rng.integers(0, 10, len(labels))
                times, units = [s[0] for s in samples], [s[1] for s in samples]
                _write_hdf5(target, times, units, labels, speakers, spec.classes)
        try:
            os.rename(tmp, folder)
        except OSError as error:
            raise FileExistsError(f"write_standin: folder {folder} was written meanwhile") from error
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
