"""Gradient checks as data: one small float64 case per op, layer and loss (``nettrain gradcheck``).

Each case builds a function and its inputs; ``run_case`` compares autograd's Jacobian with
central differences and reports the worst absolute and relative errors. ``check_config``
does the same for a config's model and loss on a small batch, parameter by parameter.
Inputs avoid kinks (relu at 0, ties in max) so finite differences are meaningful.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Maker = Callable[[], tuple[Callable[..., Any], tuple[Any, ...]]]


@dataclass
class CaseResult:
    """One row of the gradcheck table (``--json`` prints these fields)."""

    name: str
    kind: str
    passed: bool | None
    max_abs_error: float | None
    max_rel_error: float | None
    checked: int
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# -- inputs -----------------------------------------------------------------------------------


def _t(*shape: int, low: float | None = None, seed: int = 0, grad: bool = True) -> Any:
    """A float64 tensor: standard normal, or uniform in [low, low + 1] (positive inputs)."""
    import nettrain

    rng = np.random.default_rng(seed + sum(shape))
    data = rng.standard_normal(shape) if low is None else low + rng.random(shape)
    return nettrain.from_numpy(data).requires_grad_(grad)


def _labels(n: int, classes: int) -> Any:
    import nettrain

    return nettrain.from_numpy(np.arange(n, dtype=np.int64) % classes)


def _probs(*shape: int) -> Any:
    import nettrain

    rng = np.random.default_rng(7)
    p = rng.random(shape) + 0.1
    return nettrain.from_numpy(p / p.sum(axis=-1, keepdims=True))


# -- the case table -----------------------------------------------------------------------------


def _op_cases() -> dict[str, Maker]:
    """Case name -> maker, from the op case table ``nettrain.ops.cases`` (first shape set).

    Every row with a gradient and smooth finite differences is a row here; the names are
    the table's case names (``add``, ``sum``, ``max`` ...), so ``--only`` patterns work on
    them.
    """
    from nettrain.ops.cases import all_cases

    return {
        case.name: _table_maker(case) for _, case in all_cases() if case.grad and case.gradcheck
    }


def _table_maker(case: Any) -> Maker:
    def make() -> tuple[Callable[..., Any], tuple[Any, ...]]:
        import nettrain
        from nettrain.ops.cases import sample_inputs

        arrays = sample_inputs(case, case.shapes[0], seed=0)
        inputs = tuple(nettrain.from_numpy(a).requires_grad_(True) for a in arrays)
        return (lambda *xs: case.fn(nettrain, *xs)), inputs

    return make


def _module_specs() -> dict[str, tuple[dict[str, Any], Callable[[], tuple[Any, ...]]]]:
    """Registered module name -> (constructor kwargs, inputs)."""
    x34 = lambda: (_t(3, 4),)  # noqa: E731
    image = lambda: (_t(2, 2, 5, 5),)  # noqa: E731
    activation = {
        name: ({}, x34)
        for name in (
            "ReLU",
            "ReLU6",
            "ELU",
            "GELU",
            "SiLU",
            "Sigmoid",
            "Tanh",
            "Softplus",
            "LogSigmoid",
            "Identity",
            "Hardtanh",
        )
    }
    return {
        **activation,
        "LeakyReLU": ({"negative_slope": 0.1}, x34),
        "Softmax": ({"dim": 1}, x34),
        "LogSoftmax": ({"dim": 1}, x34),
        "Softmin": ({"dim": 1}, x34),
        "Linear": ({"in_features": 4, "out_features": 3}, x34),
        "Bilinear": (
            {"in1_features": 4, "in2_features": 2, "out_features": 3},
            lambda: (_t(3, 4), _t(3, 2, seed=1)),
        ),
        "Conv1d": (
            {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "padding": 1},
            lambda: (_t(2, 2, 6),),
        ),
        "Conv2d": (
            {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1},
            image,
        ),
        "ConvTranspose2d": (
            {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 2},
            lambda: (_t(1, 2, 3, 3),),
        ),
        "MaxPool2d": ({"kernel_size": 2}, image),
        "AvgPool2d": ({"kernel_size": 2, "padding": 1}, image),
        "AdaptiveAvgPool2d": ({"output_size": 2}, image),
        "BatchNorm1d": ({"num_features": 4}, lambda: (_t(5, 4),)),
        "BatchNorm2d": ({"num_features": 2}, image),
        "SyncBatchNorm": ({"num_features": 2}, image),
        "LayerNorm": ({"normalized_shape": 4}, x34),
        "GroupNorm": ({"num_groups": 2, "num_channels": 4}, lambda: (_t(2, 4, 3),)),
        "Dropout": ({"p": 0.3}, x34),
        "Flatten": ({}, lambda: (_t(2, 3, 4),)),
        "Unflatten": ({"dim": 1, "unflattened_size": [2, 2]}, x34),
        "Embedding": ({"num_embeddings": 5, "embedding_dim": 3}, lambda: (_labels(4, 5),)),
        "LSTM": ({"input_size": 3, "hidden_size": 2, "batch_first": True}, lambda: (_t(2, 3, 3),)),
        "GRU": ({"input_size": 3, "hidden_size": 2, "batch_first": True}, lambda: (_t(2, 3, 3),)),
        "RNN": ({"input_size": 3, "hidden_size": 2, "batch_first": True}, lambda: (_t(2, 3, 3),)),
        # attention / transformer / recurrent cells (issue 10)
        "MultiheadAttention": (
            {"embed_dim": 4, "num_heads": 2, "batch_first": True},
            lambda: (_t(2, 3, 4), _t(2, 2, 4, seed=1), _t(2, 2, 4, seed=2)),
        ),
        "RMSNorm": ({"normalized_shape": 4}, x34),
        "RNNCell": ({"input_size": 3, "hidden_size": 2}, lambda: (_t(2, 3),)),
        "LSTMCell": ({"input_size": 3, "hidden_size": 2}, lambda: (_t(2, 3),)),
        "GRUCell": ({"input_size": 3, "hidden_size": 2}, lambda: (_t(2, 3),)),
        # resizing, 1-D and adaptive pools, channel dropout (issue 10)
        "Upsample": ({"size": (3, 7), "mode": "bilinear"}, image),
        "UpsamplingNearest2d": ({"scale_factor": 2}, image),
        "UpsamplingBilinear2d": ({"size": 4}, image),
        "MaxPool1d": ({"kernel_size": 3, "stride": 2, "padding": 1}, lambda: (_t(2, 3, 7),)),
        "AvgPool1d": ({"kernel_size": 3, "padding": 1}, lambda: (_t(2, 3, 7),)),
        "AdaptiveAvgPool1d": ({"output_size": 3}, lambda: (_t(2, 3, 7),)),
        "AdaptiveMaxPool1d": ({"output_size": 3}, lambda: (_t(2, 3, 7),)),
        "AdaptiveMaxPool2d": ({"output_size": (2, 3)}, image),
        "Dropout1d": ({"p": 0.3}, lambda: (_t(2, 4, 3),)),
        "Dropout2d": ({"p": 0.3}, image),
        "Dropout3d": ({"p": 0.3}, lambda: (_t(2, 3, 2, 2, 2),)),
        "ConvTranspose1d": (
            {"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2, "groups": 2},
            lambda: (_t(2, 2, 4),),
        ),
        **_transformer_specs(),
    }


def _transformer_specs() -> dict[str, tuple[dict[str, Any], Callable[[], tuple[Any, ...]]]]:
    """h13-transformer's rows, kept apart so the case-table restructuring can move them."""
    from nettrain import nn

    small = {"d_model": 4, "nhead": 2, "dim_feedforward": 6, "dropout": 0.0}
    seq = lambda: (_t(3, 1, 4),)  # noqa: E731
    pair = lambda: (_t(2, 1, 4), _t(3, 1, 4, seed=1))  # noqa: E731
    enc = nn.TransformerEncoderLayer(**small).double()
    dec = nn.TransformerDecoderLayer(**small).double()
    ids = lambda: (_labels(3, 5).reshape(1, 3),)  # noqa: E731
    lm = {"vocab_size": 5, "block_size": 3, "d_model": 4, "nhead": 2, "dim_feedforward": 6}
    return {
        "TransformerEncoderLayer": (small, seq),
        "TransformerDecoderLayer": (small, pair),
        "TransformerEncoder": ({"encoder_layer": enc, "num_layers": 2}, seq),
        "TransformerDecoder": ({"decoder_layer": dec, "num_layers": 2}, pair),
        "Transformer": ({**small, "num_encoder_layers": 1, "num_decoder_layers": 1}, pair),
        "TransformerLM": ({**lm, "num_layers": 1}, ids),
    }


#: Containers without a forward of their own (checked through Sequential).
NO_FORWARD = {"ModuleList", "ModuleDict"}


def _loss_specs() -> dict[str, tuple[dict[str, Any], Callable[[], tuple[Any, Any]]]]:
    """Registered loss name -> (constructor kwargs, (input, target))."""
    from nettrain.nn import functional as F  # noqa: N812

    logits = lambda: (_t(4, 3), _labels(4, 3))  # noqa: E731
    pair = lambda: (_t(4, 3), _t(4, 3, seed=1, grad=False))  # noqa: E731
    return {
        "CrossEntropyLoss": ({"label_smoothing": 0.1}, logits),
        "NLLLoss": ({}, lambda: (F.log_softmax(_t(4, 3), dim=1), _labels(4, 3))),
        "MSELoss": ({}, pair),
        "L1Loss": ({}, pair),
        "SmoothL1Loss": ({"beta": 0.5}, pair),
        "HuberLoss": ({"delta": 0.5}, pair),
        "BCELoss": ({}, lambda: (_t(4, 3, low=0.0) * 0.8 + 0.1, _probs(4, 3))),
        "BCEWithLogitsLoss": ({}, lambda: (_t(4, 3), _probs(4, 3))),
        "KLDivLoss": (
            {"reduction": "batchmean"},
            lambda: (F.log_softmax(_t(4, 3), dim=1), _probs(4, 3)),
        ),
    }


# -- building and running cases ----------------------------------------------------------------


def _module_maker(
    name: str, kwargs: dict[str, Any], inputs: Callable[[], tuple[Any, ...]]
) -> Maker:
    def make() -> tuple[Callable[..., Any], tuple[Any, ...]]:
        import nettrain
        from nettrain.training.registry import MODULES

        module = MODULES.get(name)(**kwargs).double()
        args = inputs()
        count = len(args)
        params = tuple(module.parameters())

        def fn(*values: Any) -> Any:
            nettrain.manual_seed(0)  # Dropout draws the same mask on every evaluation
            out = module(*values[:count])
            return out[0] if isinstance(out, tuple) else out

        return fn, (*args, *params)

    return make


def _loss_maker(name: str, kwargs: dict[str, Any], inputs: Callable[[], tuple[Any, Any]]) -> Maker:
    def make() -> tuple[Callable[..., Any], tuple[Any, ...]]:
        from nettrain.training.registry import LOSSES

        loss = LOSSES.get(name)(**kwargs)
        prediction, target = inputs()
        prediction = prediction.detach().requires_grad_(True)
        return (lambda p: loss(p, target)), (prediction,)

    return make


def registry_cases() -> dict[str, tuple[str, Maker | None]]:
    """Every case: ops, then each registered module and loss (None: no case written yet)."""
    from nettrain.training.registry import LOSSES, MODULES

    cases: dict[str, tuple[str, Maker | None]] = {
        name: ("op", maker) for name, maker in _op_cases().items()
    }
    specs = _module_specs()
    specs["Sequential"] = ({}, lambda: (_t(3, 4),))
    for name in MODULES.names():
        if name in NO_FORWARD:
            continue
        if name == "Sequential":
            cases[name] = ("module", _sequential_maker())
        elif name in specs:
            cases[name] = ("module", _module_maker(name, *specs[name]))
        else:
            cases[name] = ("module", None)
    losses = _loss_specs()
    for name in LOSSES.names():
        cases[name] = ("loss", _loss_maker(name, *losses[name]) if name in losses else None)
    return cases


def _sequential_maker() -> Maker:
    def make() -> tuple[Callable[..., Any], tuple[Any, ...]]:
        from nettrain import nn

        model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)).double()
        return (lambda x, *p: model(x)), (_t(3, 4), *model.parameters())

    return make


def run_case(
    name: str, kind: str, maker: Maker | None, eps: float, atol: float, rtol: float
) -> CaseResult:
    """Build and check one case; exceptions become failed rows, not crashes."""
    if maker is None:
        return CaseResult(name, kind, None, None, None, 0, "skipped: no gradcheck case")
    try:
        fn, inputs = maker()
        return _compare_jacobians(name, kind, fn, inputs, eps, atol, rtol)
    except Exception as exc:  # a broken op is a failed check, reported with its message
        return CaseResult(name, kind, False, None, None, 0, f"{type(exc).__name__}: {exc}")


def _compare_jacobians(
    name: str,
    kind: str,
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    eps: float,
    atol: float,
    rtol: float,
) -> CaseResult:
    from nettrain.autograd.gradcheck import _analytical_jacobian, _numerical_jacobian

    targets = [i for i, t in enumerate(inputs) if getattr(t, "requires_grad", False)]
    analytical = _analytical_jacobian(fn, inputs, targets)
    worst_abs = worst_rel = 0.0
    passed, checked = True, 0
    for i in targets:
        numerical = _numerical_jacobian(fn, inputs, i, eps)
        error = np.abs(analytical[i] - numerical)
        checked += int(error.size)
        if error.size:
            worst_abs = max(worst_abs, float(error.max()))
            worst_rel = max(worst_rel, float((error / np.maximum(np.abs(numerical), 1e-12)).max()))
            passed &= bool(np.all(error <= atol + rtol * np.abs(numerical)))
    return CaseResult(
        name,
        kind,
        passed,
        worst_abs,
        worst_rel,
        checked,
        "" if passed else f"max |analytical - numerical| = {worst_abs:.3g}",
    )


def select(names: list[str], only: str | None) -> list[str]:
    """Names matching ``only`` (exact or glob); ValueError with close names when none do."""
    if only is None:
        return names
    chosen = [n for n in names if n == only or fnmatch.fnmatchcase(n, only)]
    if not chosen:
        from nettrain.errors import ConfigError
        from nettrain.training.suggest import closest

        hits = closest(only, names, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(h) for h in hits)}?" if hits else "see --help"
        raise ConfigError(f"no gradcheck case named {only!r} ({hint})")
    return chosen


def run_cases(
    only: str | None = None, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> list[CaseResult]:
    """Check every case (or those matching ``only``) and return one result each.

    Example:
        >>> [r.passed for r in run_cases("Linear")]
        [True]
    """
    cases = registry_cases()
    return [run_case(n, *cases[n], eps, atol, rtol) for n in select(list(cases), only)]


def check_config(
    resolved: Any,
    only: str | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    batch: int = 4,
    max_elements: int = 32,
) -> list[CaseResult]:
    """Check d(loss)/d(parameter) of a config's model on ``batch`` training samples.

    Up to ``max_elements`` entries of each parameter (spread over it, seeded) are perturbed
    by +-eps; the analytical gradient comes from one backward pass in float64.
    """
    import nettrain
    from nettrain.training.build import build_components

    parts = build_components(resolved, "cpu")
    model = parts.model.double()
    loss_fn = parts.loss_fn.double() if hasattr(parts.loss_fn, "double") else parts.loss_fn
    count = min(batch, len(parts.splits.train))
    x, y = _first(parts.splits.train, count)
    x = x.double() if x.is_floating_point() else x
    y = y.double() if y.is_floating_point() else y

    def loss_value() -> Any:
        nettrain.manual_seed(0)
        return loss_fn(model(x), y)

    named = [(f"model.{n}", p) for n, p in model.named_parameters() if p.requires_grad]
    chosen = select([n for n, _ in named], only)
    return [
        _check_parameter(n, p, loss_value, eps, atol, rtol, max_elements)
        for n, p in named
        if n in chosen
    ]


def _first(dataset: Any, count: int) -> tuple[Any, Any]:
    import nettrain

    items = [dataset[i] for i in range(count)]
    return nettrain.stack([a for a, _ in items]), nettrain.stack([b for _, b in items])


def _check_parameter(
    name: str,
    param: Any,
    loss_value: Callable[[], Any],
    eps: float,
    atol: float,
    rtol: float,
    max_elements: int,
) -> CaseResult:
    try:
        param.grad = None
        loss_value().backward()
        analytical = param.grad.numpy().reshape(-1).astype(np.float64)
        flat = param._data.reshape(-1)
        picks = np.arange(flat.size)
        if flat.size > max_elements:
            picks = np.sort(np.random.default_rng(0).choice(flat.size, max_elements, False))
        numerical = np.empty(len(picks))
        for j, k in enumerate(picks):
            original = float(flat[k])
            flat[k] = original + eps
            plus = float(loss_value().item())
            flat[k] = original - eps
            minus = float(loss_value().item())
            flat[k] = original
            numerical[j] = (plus - minus) / (2 * eps)
    except Exception as exc:
        return CaseResult(name, "parameter", False, None, None, 0, f"{type(exc).__name__}: {exc}")
    error = np.abs(analytical[picks] - numerical)
    passed = bool(np.all(error <= atol + rtol * np.abs(numerical)))
    worst_rel = float((error / np.maximum(np.abs(numerical), 1e-12)).max()) if error.size else 0.0
    return CaseResult(
        name,
        "parameter",
        passed,
        float(error.max(initial=0.0)),
        worst_rel,
        int(len(picks)),
        "" if passed else f"worst element {int(picks[error.argmax()])}",
    )


def all_passed(results: list[CaseResult]) -> bool:
    """True when no case failed (skipped cases do not fail)."""
    return not any(r.passed is False for r in results)


def finite(value: float | None) -> bool:
    """For renderers: a number worth printing."""
    return value is not None and math.isfinite(value)
