"""dtype rules: defaults, and the result dtype of every operand pairing against PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import nettrain as nt

# 1/0, 0/0 and 1e300 in float32 give inf/nan silently in PyTorch; numpy warns
pytestmark = pytest.mark.filterwarnings(
    "ignore:divide by zero:RuntimeWarning",
    "ignore:invalid value:RuntimeWarning",
    "ignore:overflow:RuntimeWarning",
)

DTYPES = ["float16", "float32", "float64", "int32", "int64", "uint8", "bool"]


def _make(lib: object, kind: str, dtype: str) -> object:
    """A 1-D tensor, a 0-d tensor, or a Python scalar of the given kind."""
    if kind == "python":
        return {"bool": True, "float": 2.5, "int": 3}[dtype]
    value = [1, 0, 1] if kind == "1d" else 1
    return lib.tensor(value, dtype=getattr(lib, dtype))


OPERANDS = [("1d", d) for d in DTYPES] + [("0d", d) for d in DTYPES]
OPERANDS += [("python", "float"), ("python", "int"), ("python", "bool")]
PAIRS = [
    (a, b)
    for a, b in itertools.product(OPERANDS, OPERANDS)
    if not (a[0] == "python" and b[0] == "python")
]
OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
}


@pytest.mark.parametrize("op", ["add", "mul", "truediv"])
def test_binary_result_dtype_matches_torch(op: str) -> None:
    torch = pytest.importorskip("torch")
    fn = OPS[op]
    mismatches = []
    for a, b in PAIRS:
        try:
            expected = fn(_make(torch, *a), _make(torch, *b)).dtype
        except RuntimeError:
            continue  # torch refuses the pairing
        got = fn(_make(nt, *a), _make(nt, *b)).dtype
        if str(got).split(".")[-1] != str(expected).split(".")[-1]:
            mismatches.append((a, b, str(got), str(expected)))
    assert not mismatches, mismatches


def test_maximum_result_dtype_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(DTYPES, DTYPES):
        expected = torch.maximum(_make(torch, "1d", a), _make(torch, "0d", b)).dtype
        got = nt.maximum(_make(nt, "1d", a), _make(nt, "0d", b)).dtype
        assert got.name == str(expected).split(".")[-1], (a, b)


def test_defaults() -> None:
    assert nt.get_default_dtype() == nt.float32
    assert nt.tensor([1.0]).dtype == nt.float32
    assert nt.tensor([1]).dtype == nt.int64
    assert nt.tensor([True]).dtype == nt.bool
    assert nt.tensor(np.array([1.0])).dtype == nt.float64  # numpy arrays keep their dtype
    assert nt.zeros(2).dtype == nt.float32
    assert nt.arange(3).dtype == nt.int64
    assert nt.arange(3.0).dtype == nt.float32


def test_set_default_dtype() -> None:
    try:
        nt.set_default_dtype(nt.float64)
        assert nt.tensor([1.0]).dtype == nt.float64
        assert nt.ones(1).dtype == nt.float64
        assert (nt.tensor([1, 2]) / 2).dtype == nt.float64
    finally:
        nt.set_default_dtype(nt.float32)
    assert nt.ones(1).dtype == nt.float32


def test_dtype_objects() -> None:
    assert nt.float is nt.float32 and nt.double is nt.float64 and nt.long is nt.int64
    assert nt.int is nt.int32 and nt.half is nt.float16 and nt.short is nt.int16
    assert repr(nt.float32) == "nettrain.float32"
    assert nt.float32.is_floating_point and not nt.int64.is_floating_point
    assert nt.float32.itemsize == 4


def test_integer_true_division_gives_default_float() -> None:
    assert (nt.tensor([1, 2]) / nt.tensor([2, 4])).dtype == nt.float32
    assert (nt.tensor([3]) / 2).tolist() == [1.5]
    assert (nt.tensor([3]) // 2).tolist() == [1]


def test_python_scalars_never_upcast_float32() -> None:
    x = nt.ones(2)
    for value in (2.5, 3, True, 1e300):
        assert (x * value).dtype == nt.float32
        assert (value - x).dtype == nt.float32
    assert (x**2.5).dtype == nt.float32 and (2.5**x).dtype == nt.float32
    assert (nt.tensor([1, 2]) * 2.5).dtype == nt.float32  # int tensor * float -> default float
    assert (nt.tensor([1, 2]) + 2).dtype == nt.int64


MIXED = {
    "cat_int_float": lambda L: L.cat([L.ones(1), L.tensor([1])]),
    "cat_f32_f64": lambda L: L.cat([L.ones(1), L.ones(1, dtype=L.float64)]),
    "stack_f64_f32": lambda L: L.stack([L.ones(1, dtype=L.float64), L.ones(1)]),
    "where_float_scalars": lambda L: L.where(L.tensor([True, False]), 1.0, 0.0),
    "where_int_scalars": lambda L: L.where(L.tensor([True, False]), 1, 0),
    "where_bool_scalars": lambda L: L.where(L.tensor([True, False]), True, False),
    "where_int_tensor_float": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 0.5),
    "clamp_int_float_bounds": lambda L: L.tensor([-1, 4]).clamp(0.5, 2),
    "clamp_int_int_bounds": lambda L: L.tensor([-1, 4]).clamp(0, 2),
    "exp_int": lambda L: L.tensor([1, 2]).exp(),
    "sqrt_int": lambda L: L.tensor([1, 4]).sqrt(),
    "sum_bool": lambda L: L.tensor([True, True]).sum(),
    "bool_times_float": lambda L: L.tensor([True]) * 1.5,
    "int_pow_float": lambda L: L.tensor([2]) ** 0.5,
    "maximum_int_float": lambda L: L.maximum(L.tensor([1, 5]), L.tensor([2.5, 1.0])),
    "reciprocal_int": lambda L: L.reciprocal(L.tensor([2])),
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_mixed_dtype_results_match_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = MIXED[name](nt), MIXED[name](torch)
    assert ours.dtype.name == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("fn", ["var", "std"])
def test_var_std_refuse_integers(fn: str) -> None:
    with pytest.raises(RuntimeError, match="floating point"):
        getattr(nt.tensor([1, 2]), fn)()
