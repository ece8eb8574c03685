"""Dataset loaders: synthetic sets, npz, csv, idx (plain and gzipped), scikit-learn's sets."""

from __future__ import annotations

import gzip
import struct
import sys

import numpy as np
import pytest

from nettrain.training import datasets as ds


def _check_classification(data, n, shape, classes):
    assert data.task == "classification"
    assert data.x.dtype == np.float32 and data.x.shape == (n, *shape)
    assert data.y.dtype == np.int64 and data.y.shape == (n,)
    assert data.num_classes == classes


def test_synthetic_classification():
    data = ds.synthetic_classification(n_samples=30, n_features=5, n_classes=3, seed=1)
    _check_classification(data, 30, (5,), 3)
    assert np.bincount(data.y).tolist() == [10, 10, 10]  # balanced
    same = ds.synthetic_classification(n_samples=30, n_features=5, n_classes=3, seed=1)
    other = ds.synthetic_classification(n_samples=30, n_features=5, n_classes=3, seed=2)
    assert np.array_equal(data.x, same.x) and np.array_equal(data.y, same.y)
    assert not np.array_equal(data.x, other.x)


def test_synthetic_classification_is_separable_by_class_means():
    data = ds.synthetic_classification(n_samples=200, n_features=4, class_sep=5.0, noise=0.5)
    means = np.stack([data.x[data.y == c].mean(axis=0) for c in range(2)])
    nearest = np.argmin(((data.x[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (nearest == data.y).mean() > 0.95


def test_the_classic_example_with_fixed_labels():
    data = ds.synthetic_classification(
        n_samples=3, n_features=4, n_classes=2, labels=[1, 0, 1], class_sep=0.0, seed=0
    )
    _check_classification(data, 3, (4,), 2)
    assert data.y.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n_samples": 3, "n_features": 4, "labels": [1, 0]}, "labels has 2"),
        ({"n_samples": 2, "n_features": 4, "labels": [0, 2]}, "must lie in"),
        ({"n_samples": 0, "n_features": 4}, "n_samples must be >= 1"),
    ],
)
def test_synthetic_classification_errors(kwargs, words):
    with pytest.raises(ValueError, match=words):
        ds.synthetic_classification(**kwargs)


def test_synthetic_regression_is_a_noisy_linear_map():
    data = ds.synthetic_regression(n_samples=200, n_features=6, n_targets=2, noise=0.01, seed=0)
    assert data.task == "regression" and data.num_classes is None
    assert data.x.dtype == np.float32 and data.x.shape == (200, 6)
    assert data.y.dtype == np.float32 and data.y.shape == (200, 2)
    design = np.hstack([data.x, np.ones((200, 1), np.float32)])
    coef, *_ = np.linalg.lstsq(design, data.y, rcond=None)
    assert np.abs(design @ coef - data.y).max() < 0.1


def test_spirals():
    data = ds.spirals(n_samples=300, n_classes=3, noise=0.0, seed=0)
    _check_classification(data, 300, (2,), 3)
    assert np.bincount(data.y).tolist() == [100, 100, 100]
    assert np.abs(data.x).max() <= 1.0
    # without noise each point sits on its arm: angle = 2*pi*(class/3 + turns*radius)
    radius = np.hypot(data.x[:, 0], data.x[:, 1])
    angle = np.arctan2(data.x[:, 0], data.x[:, 1])
    expected = 2 * np.pi * (data.y / 3 + radius)
    np.testing.assert_allclose(np.cos(angle - expected), 1.0, atol=1e-5)


def test_tensors_inline():
    data = ds.tensors(x=[[0, 1], [2, 3]], y=[1, 0])
    _check_classification(data, 2, (2,), 2)
    reg = ds.tensors(x=[[0.0], [1.0]], y=[0.5, 1.5])
    assert reg.task == "regression" and reg.y.shape == (2, 1)


@pytest.mark.parametrize(
    "y, task, expected_task",
    [
        (np.array([0, 1, 2, 1]), None, "classification"),
        (np.array([0.5, 1.0, 2.0, 3.0]), None, "regression"),
        (np.array([0.0, 1.0, 1.0, 0.0]), "classification", "classification"),
        (np.array([0, 1, 2, 1]), "regression", "regression"),
    ],
)
def test_npz(tmp_path, y, task, expected_task):
    x = np.arange(12, dtype=np.float64).reshape(4, 3)
    path = tmp_path / "d.npz"
    np.savez(path, features=x, labels=y)
    data = ds.npz(str(path), x_key="features", y_key="labels", task=task)
    assert data.task == expected_task
    assert data.x.dtype == np.float32 and np.array_equal(data.x, x.astype(np.float32))
    assert data.y.dtype == (np.int64 if expected_task == "classification" else np.float32)


def test_npz_missing_key_and_bad_file(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((2, 2)), labels=np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match=r"no array 'y' \(arrays: x, labels\)"):
        ds.npz(str(path))
    with pytest.raises(ValueError, match="no array 'label'.*did you mean 'labels'"):
        ds.npz(str(path), y_key="label")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a .npz file"):
        ds.npz(str(bad))
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match="not a readable .npz"):
        ds.npz(str(truncated))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, x=np.array([object()], dtype=object), y=np.zeros(1))
    with pytest.raises(ValueError, match="pickle|object"):
        ds.npz(str(pickled))


CSV = "a,b,species\n1.0,2.0,cat\n3.0,4.0,dog\n5.0,6.0,cat\n"


def test_csv_with_named_text_target(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV)
    data = ds.csv(str(path), target="species")
    _check_classification(data, 3, (2,), 2)
    assert data.y.tolist() == [0, 1, 0]  # classes in sorted order: cat, dog
    assert data.x.tolist() == [[1, 2], [3, 4], [5, 6]]


@pytest.mark.parametrize(
    "text, kwargs, task, y",
    [
        ("1,2,0\n3,4,1\n", {"header": False}, "classification", [0, 1]),
        ("0,1.5,2\n1,2.5,4\n", {"header": False, "target": 0}, "classification", [0, 1]),
        (
            "x;t\n1;0.25\n2;0.75\n",
            {"delimiter": ";", "target": "t"},
            "regression",
            [[0.25], [0.75]],
        ),
        ("1,2,3\n4,5,6\n", {"header": False, "task": "regression"}, "regression", [[3.0], [6.0]]),
    ],
)
def test_csv_targets(tmp_path, text, kwargs, task, y):
    path = tmp_path / "d.csv"
    path.write_text(text)
    data = ds.csv(str(path), **kwargs)
    assert data.task == task
    assert data.y.tolist() == y


@pytest.mark.parametrize(
    "text, kwargs, words",
    [
        (CSV, {"target": "specie"}, "did you mean 'species'"),
        (CSV, {"target": 5}, "out of range"),
        ("a,b\n1,x\n", {"target": 0}, r"d.csv:2: feature value 'x'"),
        ("a,b\n1,2\n3\n", {}, "expected 2 columns"),
        ("a,b\n", {}, "no data rows"),
    ],
)
def test_csv_errors(tmp_path, text, kwargs, words):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        ds.csv(str(path), **kwargs)


def _idx_bytes(array: np.ndarray, code: int) -> bytes:
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_idx_mnist_format(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    write = gzip.compress if compress else bytes
    (tmp_path / "img").write_bytes(write(_idx_bytes(images, 0x08)))
    (tmp_path / "lab").write_bytes(write(_idx_bytes(labels, 0x08)))
    data = ds.idx(str(tmp_path / "img"), str(tmp_path / "lab"))
    _check_classification(data, 5, (12,), 6)
    np.testing.assert_allclose(data.x, images.reshape(5, 12) / 255.0, rtol=1e-6)
    assert data.y.tolist() == [3, 1, 4, 1, 5]
    raw = ds.idx(str(tmp_path / "img"), str(tmp_path / "lab"), normalize=False, flatten=False)
    assert raw.x.shape == (5, 4, 3) and np.array_equal(raw.x, images.astype(np.float32))
    assert _idx_bytes(images, 0x08)[:4] == b"\x00\x00\x08\x03"  # MNIST's 2051


def test_read_idx_other_element_types(tmp_path):
    values = np.array([[1.5, -2.0], [3.25, 4.0]], dtype=np.float32)
    (tmp_path / "f").write_bytes(_idx_bytes(values, 0x0D))
    assert np.array_equal(ds.read_idx(tmp_path / "f"), values)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"\x12\x34\x56\x78rest", "not an IDX file"),
        (b"", "not an IDX file"),
        (b"\x00\x00\x08\x03\x00\x00", "truncated IDX header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "needs 5 bytes, the file holds 2"),
        (b"\x1f\x8b\x08garbage", "corrupt gzip"),
    ],
)
def test_idx_errors(tmp_path, content, words):
    (tmp_path / "bad").write_bytes(content)
    with pytest.raises(ValueError, match=words):
        ds.read_idx(tmp_path / "bad")


def test_idx_count_mismatch(tmp_path):
    (tmp_path / "img").write_bytes(_idx_bytes(np.zeros((3, 2, 2), np.uint8), 0x08))
    (tmp_path / "lab").write_bytes(_idx_bytes(np.zeros(2, np.uint8), 0x08))
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        ds.idx(str(tmp_path / "img"), str(tmp_path / "lab"))


@pytest.mark.parametrize(
    "name, n, features, classes",
    [
        ("digits", 1797, 64, 10),
        ("iris", 150, 4, 3),
        ("wine", 178, 13, 3),
        ("breast_cancer", 569, 30, 2),
    ],
)
def test_sklearn_sets(name, n, features, classes):
    pytest.importorskip("sklearn")
    data = getattr(ds, name)()
    _check_classification(data, n, (features,), classes)
    if name == "digits":
        assert data.x.min() == 0.0 and data.x.max() == 1.0  # pixels 0..16 scaled by 1/16
    else:
        np.testing.assert_allclose(data.x.mean(axis=0), 0.0, atol=1e-5)
        np.testing.assert_allclose(data.x.std(axis=0), 1.0, atol=1e-4)


def test_sklearn_missing_gives_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(ValueError, match=r"pip install 'nettrain\[sklearn\]'"):
        ds.iris()
