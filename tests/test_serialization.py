"""nettrain.save / nettrain.load: safetensors round trips, PyTorch interop, atomicity, errors."""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import nettrain as nt
import nettrain.nn
from nettrain.errors import CheckpointError

DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]


def _values(tensor: nt.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensors_round_trip_with_dtype_shape_and_values(tmp_path: Path, dtype: str) -> None:
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    path = tmp_path / "t.safetensors"
    nt.save({"a": nt.tensor(array), "scalar": nt.tensor(array[0, 1])}, path)
    loaded = nt.load(path)
    assert loaded["a"].dtype == getattr(nt, dtype) and loaded["scalar"].shape == ()
    np.testing.assert_array_equal(_values(loaded["a"]), array)
    assert _values(loaded["scalar"]) == array[0, 1]


def test_non_contiguous_tensor_and_parameter_are_saved_by_value(tmp_path: Path) -> None:
    base = nt.arange(6, dtype=nt.float32).reshape(2, 3)
    nt.save({"t": base.t(), "p": nt.nn.Parameter(nt.ones(2))}, tmp_path / "x.safetensors")
    loaded = nt.load(tmp_path / "x.safetensors")
    np.testing.assert_array_equal(_values(loaded["t"]), _values(base).T)
    assert not loaded["p"].requires_grad and _values(loaded["p"]).tolist() == [1.0, 1.0]


def test_nested_dict_and_non_tensor_leaves_round_trip(tmp_path: Path) -> None:
    obj = {
        "state": {0: {"step": nt.tensor(3.0), "buf": nt.ones(2)}, 1: {"step": nt.tensor(1.0)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "fused": None}],
        "name": "adam",
        "inf": math.inf,
        "flag": True,
    }
    path = tmp_path / "nested.safetensors"
    nt.save(obj, path)
    loaded = nt.load(path)
    assert loaded["param_groups"] == obj["param_groups"]
    assert isinstance(loaded["param_groups"][0]["betas"], tuple)
    assert sorted(loaded["state"]) == [0, 1]  # integer keys stay integers
    assert loaded["state"][0]["step"].item() == 3.0
    assert (loaded["name"], loaded["inf"], loaded["flag"]) == ("adam", math.inf, True)


def test_nested_tensors_are_flattened_with_dotted_keys(tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = tmp_path / "n.safetensors"
    nt.save({"encoder": {"layer": {"weight": nt.ones(2)}}, "head.bias": nt.zeros(1)}, path)
    assert sorted(safetensors_numpy.load_file(str(path))) == ["encoder.layer.weight", "head.bias"]


def test_keys_that_flatten_to_the_same_name_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same key 'a.b'"):
        nt.save({"a.b": nt.ones(1), "a": {"b": nt.ones(1)}}, tmp_path / "c.safetensors")


@pytest.mark.parametrize("bad", [nt.ones(2), [nt.ones(2)], {"x": {1, 2}}, {"x": object()}])
def test_unserialisable_objects_are_type_errors(tmp_path: Path, bad: object) -> None:
    with pytest.raises(TypeError):
        nt.save(bad, tmp_path / "bad.safetensors")
    assert not (tmp_path / "bad.safetensors").exists()


def test_user_metadata_is_stored_in_the_header(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors")
    path = tmp_path / "m.safetensors"
    nt.save({"w": nt.ones(1)}, path, metadata={"epoch": "3"})
    with safetensors.safe_open(str(path), framework="numpy") as handle:
        assert handle.metadata()["epoch"] == "3"


def test_file_objects_are_accepted() -> None:
    buffer = io.BytesIO()
    nt.save({"w": nt.full((2,), 7.0)}, buffer)
    buffer.seek(0)
    assert _values(nt.load(buffer)["w"]).tolist() == [7.0, 7.0]


def test_map_location_moves_tensors(tmp_path: Path, device: str) -> None:
    path = tmp_path / "d.safetensors"
    nt.save({"w": nt.ones(3)}, path)
    loaded = nt.load(path, map_location=device)
    assert loaded["w"].device.type == device


# -- PyTorch interop -----------------------------------------------------------------


def _torch_model(torch):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    )


def test_nettrain_state_dict_loads_into_the_equivalent_torch_model(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = nt.nn.Sequential(nt.nn.Linear(3, 4), nt.nn.ReLU(), nt.nn.Linear(4, 2))
    path = tmp_path / "nettrain_model.safetensors"
    nt.save(model.state_dict(), path)
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    twin.load_state_dict(safetensors_torch.load_file(str(path)))  # strict: same keys/shapes
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    with torch.no_grad():
        expected = twin(torch.tensor(x)).numpy()
    np.testing.assert_allclose(_values(model(nt.tensor(x))), expected, rtol=1e-5, atol=1e-6)


def test_plain_dict_of_tensors_loads_into_torch_with_dtypes(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = _torch_model(torch)
    ours = {k: nt.tensor(v.numpy()) for k, v in model.state_dict().items()}
    ours["0.weight"] = ours["0.weight"] * 2.0
    path = tmp_path / "dict.safetensors"
    nt.save(ours, path)
    model.load_state_dict(safetensors_torch.load_file(str(path)))
    assert model[1].num_batches_tracked.dtype == torch.int64
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), _values(ours["0.weight"]))


def test_torch_safetensors_file_loads_into_nettrain(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = _torch_model(torch)
    path = tmp_path / "torch_model.safetensors"
    safetensors_torch.save_file(model.state_dict(), str(path))
    loaded = nt.load(path)
    assert sorted(loaded) == sorted(model.state_dict())
    for key, value in model.state_dict().items():
        assert loaded[key].dtype == getattr(nt, str(value.dtype).removeprefix("torch."))
        np.testing.assert_array_equal(_values(loaded[key]), value.numpy())
    ours = nt.nn.Sequential(
        nt.nn.Linear(3, 4), nt.nn.BatchNorm1d(4), nt.nn.ReLU(), nt.nn.Linear(4, 2)
    )
    ours.load_state_dict(loaded)
    np.testing.assert_array_equal(_values(ours[3].bias), model[3].bias.detach().numpy())


# -- atomic writes ---------------------------------------------------------------------


def test_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    nt.save({"w": nt.ones(2)}, tmp_path / "a.safetensors")
    nt.save({"w": nt.zeros(2)}, tmp_path / "a.safetensors")  # overwrite
    assert os.listdir(tmp_path) == ["a.safetensors"]
    assert _values(nt.load(tmp_path / "a.safetensors")["w"]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_keeps_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "ckpt.safetensors"
    nt.save({"w": nt.ones(2)}, path)
    before = path.read_bytes()

    def boom(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="disk full"):
        nt.save({"w": nt.zeros(2)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]


# -- unreadable files ------------------------------------------------------------------


def _corrupt_files(good: bytes) -> dict[str, bytes]:
    return {
        "empty": b"",
        "truncated_header": good[:20],
        "truncated_data": good[:-5],
        "garbage": b"\x00\x01not a checkpoint at all" * 4,
        "json_garbage": (12).to_bytes(8, "little") + b"{not json!!}",
        "extra_bytes": good + b"junk",
    }


@pytest.mark.parametrize("case", list(_corrupt_files(b"x" * 64)))
def test_corrupt_files_raise_checkpoint_error_naming_the_path(tmp_path: Path, case: str) -> None:
    good_path = tmp_path / "good.safetensors"
    nt.save({"w": nt.ones(16), "n": 3}, good_path)
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(_corrupt_files(good_path.read_bytes())[case])
    with pytest.raises(CheckpointError, match=case):
        nt.load(path)


def test_pickle_file_is_a_checkpoint_error(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, str(path))
    # one message for nt.load and checkpoints: the file, what it is, how to write safetensors
    with pytest.raises(CheckpointError, match="model.pt is not a safetensors file.*torch.save"):
        nt.load(path)


def test_missing_file_is_a_checkpoint_error(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="nothing.safetensors.*does not exist"):
        nt.load(tmp_path / "nothing.safetensors")


def test_bfloat16_file_from_torch_loads_as_exact_float32(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "bf16.safetensors"
    weights = torch.tensor([[1.5, -2.0, 3.140625], [1e-3, -65280.0, 0.0]], dtype=torch.bfloat16)
    safetensors_torch.save_file({"w": weights}, str(path))
    loaded = nt.load(path)["w"]
    assert loaded.dtype == nt.float32 and loaded.shape == (2, 3)
    # bfloat16 is the top half of a float32, so the widening is exact: equal to torch's cast
    np.testing.assert_array_equal(_values(loaded), weights.float().numpy())
    twin = torch.nn.Linear(3, 2, bias=False)
    twin.weight.data = weights.clone()  # and it loads into a float32 model like torch does
    model = nt.nn.Linear(3, 2, bias=False)
    model.load_state_dict({"weight": loaded})
    np.testing.assert_array_equal(_values(model.weight), twin.weight.float().detach().numpy())


def test_other_dtypes_nettrain_cannot_hold_are_a_clear_checkpoint_error(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "f8.safetensors"
    safetensors_torch.save_file({"w": torch.ones(2).to(torch.float8_e4m3fn)}, str(path))
    with pytest.raises(CheckpointError, match="f8.safetensors.*'w' has dtype 'F8_E4M3'.*float32"):
        nt.load(path)


# -- the codec's layout ----------------------------------------------------------------


def test_tensors_are_laid_out_aligned_and_load_as_writable_views(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors")
    path = tmp_path / "mixed.safetensors"
    obj = {"a8": nt.ones(3, dtype=nt.uint8), "f4": nt.ones(5), "f8": nt.ones(3, dtype=nt.float64)}
    nt.save({**obj, "h": nt.ones(1, dtype=nt.float16), "flag": nt.tensor(True)}, path)
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    widths = {"F64": 8, "F32": 4, "F16": 2, "U8": 1, "BOOL": 1}
    for name, info in header.items():  # each tensor starts at a multiple of its item size
        if name != "__metadata__":
            assert (8 + size + info["data_offsets"][0]) % widths[info["dtype"]] == 0, name
    with safetensors.safe_open(str(path), framework="numpy") as handle:  # and is standard
        assert sorted(handle.keys()) == ["a8", "f4", "f8", "flag", "h"]
    loaded = nt.load(path)
    loaded["f4"].add_(1.0)  # the views are writable: in-place updates work after loading
    assert _values(loaded["f4"]).tolist() == [2.0] * 5


def test_big_endian_and_strided_numpy_arrays_are_stored_by_value(tmp_path: Path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    big = np.arange(6, dtype=">f4").reshape(2, 3)
    path = tmp_path / "np.safetensors"
    nt.save({"big": big, "strided": np.arange(10, dtype=np.int64)[::3]}, path)
    raw = safetensors_numpy.load_file(str(path))
    np.testing.assert_array_equal(raw["big"], big)
    np.testing.assert_array_equal(raw["strided"], [0, 3, 6, 9])
    assert nt.load(path)["big"].dtype == nt.float32


def test_dtypes_nettrain_has_no_type_for_are_rejected_when_saving(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="'w' of dtype uint32.*float32"):
        nt.save({"w": np.zeros(2, np.uint32)}, tmp_path / "u.safetensors")


def test_the_structure_key_is_reserved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reserved"):
        nt.save({"w": nt.ones(1)}, tmp_path / "m.safetensors", metadata={"nettrain.tree": "{}"})


@pytest.mark.parametrize(
    ("offsets", "message"),
    [([[0, 8], [4, 12]], "overlap or leave a gap"), ([[0, 8], [12, 20]], "overlap or leave")],
)
def test_overlapping_tensors_are_a_corrupt_header(
    tmp_path: Path, offsets: list[list[int]], message: str
) -> None:
    header = {
        f"t{i}": {"dtype": "F32", "shape": [2], "data_offsets": o} for i, o in enumerate(offsets)
    }
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path = tmp_path / "overlap.safetensors"
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"\x00" * offsets[-1][1])
    with pytest.raises(CheckpointError, match=f"overlap.safetensors.*{message}"):
        nt.load(path)
