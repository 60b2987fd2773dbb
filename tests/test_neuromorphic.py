"""Neuromorphic loaders: binning against hand counts, real vs stand-in, never a download, bad arguments.

Files are written here with h5py / numpy in the layouts tonic reads, independently of the module's writer.
"""
import pickle
import socket
import tarfile
import urllib.request
import zipfile

import numpy as np
import pytest
import torch

pytest.importorskip("tonic")
h5py = pytest.importorskip("h5py")

import tonic.dataset  # noqa: E402
import tonic.datasets  # noqa: E402
import tonic.download_utils  # noqa: E402

from stablegrad.tasks import neuromorphic as nm  # noqa: E402


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every way tonic could fetch data raises, and so does any socket connection."""

    def refuse(*args, **kwargs):
        raise NetworkUsed(f"download attempted: {args!r}")

    for module, attr in [
        (tonic.dataset, "download_and_extract_archive"),
        (tonic.download_utils, "download_and_extract_archive"),
        (tonic.download_utils, "download_url"),
        (urllib.request, "urlopen"),
        (socket.socket, "connect"),
    ]:
        monkeypatch.setattr(module, attr, refuse)


def write_hsd(path, times, units, labels):
    """An SHD/SSC-format HDF5 file (no zip beside it) with the given samples."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        t = f.create_dataset("spikes/times", (len(times),), dtype=h5py.vlen_dtype(np.float16))
        u = f.create_dataset("spikes/units", (len(units),), dtype=h5py.vlen_dtype(np.uint16))
        for i, (ti, ui) in enumerate(zip(times, units, strict=True)):
            t[i], u[i] = np.asarray(ti, np.float16), np.asarray(ui, np.uint16)
        f["labels"] = np.asarray(labels, np.uint8)
        f["extra/keys"] = np.array([b"k%d" % c for c in range(20)])
        f["extra/speaker"] = np.zeros(len(labels), np.uint16)


# Three spikes in the first second and one after it. 4 ms bins, channels pooled by 7:
# 0.0101 s, channel 3 -> (2, 0); 0.0103 s, channel 6 -> (2, 0); 0.5 s, channel 699 -> (125, 99);
# 1.2 s is dropped. (float16 times shift by < 0.5 ms, away from any bin edge here.)
SHD_SPIKES = ([0.0101, 0.0103, 0.5, 1.2], [3, 6, 699, 10])
SHD_EXPECTED = {(2, 0): 2.0, (125, 99): 1.0}


def test_shd_binning_matches_hand_count(tmp_path):
    write_hsd(tmp_path / "SHD" / "shd_train.h5", [SHD_SPIKES[0], [0.003]], [SHD_SPIKES[1], [7]], [4, 17])
    ds = nm.load("shd", root=tmp_path)
    assert not ds.standin and ds.message == "" and ds.classes == 20
    assert ds.source == str(tmp_path / "SHD" / "shd_train.h5")
    x, y = ds[0]
    assert x.dtype == torch.float32 and x.shape == (250, 100) and y == 4
    nonzero = {tuple(i): x[tuple(i)].item() for i in x.nonzero().tolist()}
    assert nonzero == SHD_EXPECTED
    x1, y1 = ds[1]
    assert y1 == 17 and x1.nonzero().tolist() == [[0, 1]] and x1.sum() == 1
    xs, ys = ds.tensors()
    assert torch.equal(xs[0], x) and ys.tolist() == [4, 17] and ds.labels.tolist() == [4, 17]


def test_ssc_valid_split_is_read(tmp_path):
    write_hsd(tmp_path / "SSC" / "ssc_valid.h5", [SHD_SPIKES[0]], [SHD_SPIKES[1]], [34])
    ds = nm.load("ssc", "valid", root=tmp_path)
    x, y = ds[0]
    assert not ds.standin and ds.classes == 35 and y == 34
    assert {tuple(i): x[tuple(i)].item() for i in x.nonzero().tolist()} == SHD_EXPECTED


def write_dvs(folder, label, rows):
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{label}.npy", np.asarray(rows, dtype=np.int64))


# Rows (x, y, p, t [ms]); times count from the first event (100 ms), 5 ms bins, 2x2 pixel blocks, 1.5 s cut.
DVS_ROWS = [
    (0, 0, 1, 100),  # 0 ms -> step 0, ON, block (0, 0)
    (1, 1, 1, 102),  # 2 ms -> the same bin: count 2
    (127, 64, 0, 107),  # 7 ms -> step 1, OFF, block y 32, x 63
    (10, 20, 1, 1599),  # 1499 ms -> step 299, ON, block y 10, x 5
    (10, 20, 1, 1600),  # 1500 ms -> cut
]
DVS_EXPECTED = {(0, 1, 0, 0): 2.0, (1, 0, 32, 63): 1.0, (299, 1, 10, 5): 1.0}


def test_dvs_binning_matches_hand_count(tmp_path):
    write_dvs(tmp_path / "DVSGesture" / "ibmGestureTest" / "user24_led", 3, DVS_ROWS)
    ds = nm.load("dvs_gesture", "test", root=tmp_path)
    assert not ds.standin and ds.classes == 11 and len(ds) == 1
    x, y = ds[0]
    assert x.dtype == torch.float32 and x.shape == (300, 2, 64, 64) and y == 3
    assert {tuple(i): x[tuple(i)].item() for i in x.nonzero().tolist()} == DVS_EXPECTED


def test_empty_folder_gives_labelled_standin_and_reuses_it(tmp_path, monkeypatch):
    ds = nm.load("shd", root=tmp_path, standin_per_class=2)
    assert ds.standin and len(ds) == 40 and ds.classes == 20
    url = "https://zenkelab.org/datasets/shd_train.h5.zip"
    for text in [url, str(tmp_path / "SHD" / "shd_train.h5.zip"), "STAND-IN", "not testable"]:
        assert text in ds.message
    assert ds.source.startswith(str(tmp_path / "standin"))
    assert "STAND-IN" in repr(ds)
    assert torch.bincount(ds.labels).tolist() == [2] * 20

    def no_rewrite(*args, **kwargs):
        raise AssertionError("the cached stand-in was written again")

    monkeypatch.setattr(nm, "write_standin", no_rewrite)
    test = nm.load("shd", "test", root=tmp_path, standin_per_class=2)
    assert test.standin and len(test) == 20 and test.save_to == ds.save_to
    with pytest.raises(FileNotFoundError, match="shd_test.h5.zip"):
        nm.load("shd", "test", root=tmp_path, fallback=False)


def test_other_split_alone_is_not_mistaken_for_data(tmp_path):
    # tonic's own check would pass on any .h5 in SHD/ and, missing the zip, download: ours must not.
    write_hsd(tmp_path / "SHD" / "shd_test.h5", [SHD_SPIKES[0]], [SHD_SPIKES[1]], [0])
    with pytest.raises(NetworkUsed):
        tonic.datasets.SHD(save_to=str(tmp_path), train=False)  # the guard in this file does catch tonic
    assert not nm.load("shd", "test", root=tmp_path).standin
    assert nm.load("shd", "train", root=tmp_path, standin_per_class=1).standin


def test_shd_standin_is_real_format_and_bins_every_early_spike(tmp_path):
    folder = nm.write_standin("shd", tmp_path / "s", n_per_class=2, seed=3)
    plain = tonic.datasets.SHD(save_to=str(folder), train=True)  # unmodified tonic: its zip check passes
    assert len(plain) == 40
    ds = nm.load("shd", root=folder)
    assert not ds.standin  # the stand-in folder is laid out like the real data
    with h5py.File(folder / "SHD" / "shd_train.h5") as f:
        times, units = f["spikes/times"][5], f["spikes/units"][5]
        assert f["labels"][5] == ds[5][1]
    early = np.floor(times.astype(np.float64) * 1e6) < 1e6
    x = ds[5][0]
    assert x.sum().item() == early.sum() > 0
    assert np.array_equal(x.sum(0).numpy(), np.bincount(units[early] // 7, minlength=100))
    assert (times.astype(np.float64) >= 1.0).any()  # samples run past the binned second
    again = nm.write_standin("shd", tmp_path / "t", n_per_class=2, seed=3)
    with h5py.File(again / "SHD" / "shd_train.h5") as f:
        assert np.array_equal(f["spikes/units"][5], units)
    with pytest.raises(FileExistsError):
        nm.write_standin("shd", folder, n_per_class=2)


def test_dvs_standin_is_real_format_and_bins_every_early_event(tmp_path):
    folder = nm.write_standin("dvs_gesture", tmp_path / "s", n_per_class=1, seed=0)
    ds = nm.load("dvs_gesture", root=folder)
    assert not ds.standin and len(ds) == 11 and sorted(ds.labels.tolist()) == list(range(11))
    events = np.load(folder / "DVSGesture" / "ibmGestureTrain" / "user01_fluorescent" / "4.npy")
    i = ds.reader.data.index(str(folder / "DVSGesture" / "ibmGestureTrain" / "user01_fluorescent" / "4.npy"))
    x, y = ds[i]
    rel = events[:, 3] - events[:, 3].min()
    early = events[rel < 1500]
    assert y == 4 and (rel >= 1500).any()
    assert x.sum().item() == len(early)
    on = early[early[:, 2] == 1]
    expected_on = np.zeros((64, 64))
    np.add.at(expected_on, (on[:, 1] // 2, on[:, 0] // 2), 1)
    assert np.array_equal(x[:, 1].sum(0).numpy(), expected_on)


def test_archives_are_unpacked_locally(tmp_path):
    source = tmp_path / "src" / "shd_train.h5"
    write_hsd(source, [SHD_SPIKES[0]], [SHD_SPIKES[1]], [9])
    (tmp_path / "SHD").mkdir()
    with zipfile.ZipFile(tmp_path / "SHD" / "shd_train.h5.zip", "w") as zf:
        zf.write(source, arcname="shd_train.h5")
    ds = nm.load("shd", root=tmp_path)
    assert not ds.standin and ds[0][1] == 9 and (tmp_path / "SHD" / "shd_train.h5").is_file()

    write_dvs(tmp_path / "src" / "ibmGestureTest" / "user24_led", 3, DVS_ROWS)
    with tarfile.open(tmp_path / "DVSGesture.tar.gz", "w:gz") as tf:
        tf.add(tmp_path / "src" / "ibmGestureTest", arcname="ibmGestureTest")
    (tmp_path / "DVSGesture").mkdir()
    (tmp_path / "DVSGesture.tar.gz").rename(tmp_path / "DVSGesture" / "ibmGestureTest.tar.gz")
    dvs = nm.load("dvs_gesture", "test", root=tmp_path)
    x, y = dvs[0]
    assert not dvs.standin and y == 3
    assert {tuple(i): x[tuple(i)].item() for i in x.nonzero().tolist()} == DVS_EXPECTED


def test_limit_picks_a_seeded_subset(tmp_path):
    full = nm.load("ssc", root=tmp_path, standin_per_class=1)
    a = nm.load("ssc", root=tmp_path, standin_per_class=1, limit=5, seed=1)
    b = nm.load("ssc", root=tmp_path, standin_per_class=1, limit=5, seed=1)
    c = nm.load("ssc", root=tmp_path, standin_per_class=1, limit=5, seed=2)
    assert len(a) == 5 and np.array_equal(a.indices, b.indices) and not np.array_equal(a.indices, c.indices)
    assert list(a.indices) == sorted(set(a.indices)) and a.indices.max() < len(full) == 35
    assert torch.equal(a[2][0], full[int(a.indices[2])][0])
    assert len(nm.load("ssc", root=tmp_path, standin_per_class=1, limit=1000)) == 35


def test_default_root_and_pickling(tmp_path, monkeypatch):
    monkeypatch.setenv("STABLEGRAD_DATA", str(tmp_path))
    assert nm.default_root() == tmp_path
    write_hsd(tmp_path / "SHD" / "shd_test.h5", [SHD_SPIKES[0]], [SHD_SPIKES[1]], [2])
    ds = nm.load("shd", "test")
    assert not ds.standin and ds.source == str(tmp_path / "SHD" / "shd_test.h5")
    copy = pickle.loads(pickle.dumps(ds))
    assert torch.equal(copy[0][0], ds[0][0])


def test_urls_and_names_are_tonics():
    shd, ssc, dvs = tonic.datasets.SHD, tonic.datasets.SSC, tonic.datasets.DVSGesture
    shd_urls = {"train": shd.base_url + shd.train_zip, "test": shd.base_url + shd.test_zip}
    assert nm.NEUROMORPHIC["shd"].urls == shd_urls
    assert nm.NEUROMORPHIC["ssc"].urls["valid"] == ssc.base_url + ssc.valid_zip
    assert nm.NEUROMORPHIC["dvs_gesture"].urls == {"train": dvs.train_url, "test": dvs.test_url}
    assert nm.NEUROMORPHIC["dvs_gesture"].archives["train"].endswith(dvs.train_filename)
    assert len(dvs.classes) == nm.NEUROMORPHIC["dvs_gesture"].classes


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"name": "nmnist"}, "name must be one of"),
        ({"name": "shd", "split": "valid"}, "split must be one of"),
        ({"name": "dvs_gesture", "split": "validation"}, "split must be one of"),
        ({"name": "shd", "limit": 0}, "limit must be a positive integer"),
        ({"name": "shd", "limit": -3}, "limit must be a positive integer"),
        ({"name": "shd", "limit": 2.5}, "limit must be a positive integer"),
        ({"name": "shd", "limit": True}, "limit must be a positive integer"),
        ({"name": "shd", "seed": 1.5}, "seed must be an integer"),
        ({"name": "shd", "standin_per_class": 0}, "standin_per_class must be a positive integer"),
    ],
)
def test_load_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nm.load(root=tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())  # nothing written before the arguments are checked


def test_write_standin_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        nm.write_standin("mnist", tmp_path / "a")
    with pytest.raises(ValueError, match="n_per_class must be a positive integer"):
        nm.write_standin("shd", tmp_path / "a", n_per_class=0)
    with pytest.raises(ValueError, match="at most 115"):
        nm.write_standin("dvs_gesture", tmp_path / "a", n_per_class=116)
    assert not any(tmp_path.iterdir())
