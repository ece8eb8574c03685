"""The op case table: per ``Op`` class, its public name and the calls that check it.

Each ``Case`` is ``fn(lib, *inputs)`` written against the PyTorch API, so one row runs on
nettrain (``lib=nettrain``) and on PyTorch (``lib=torch``). ``nettrain gradcheck`` checks
every row in float64 against central differences, and ``tests/ops`` checks every row the
same way plus against PyTorch in float32 and float64. Non-float arguments (labels,
indices) are built inside ``fn`` with ``lib.tensor(...)``.

Adding an op: write its class in ``ops/<family>.py`` and add its entry to ``_cases()``
here, one line (see ``nettrain/ops/__init__.py``). Case names are ``nettrain gradcheck``'s
row names and must be unique. The test ``tests/ops/test_op_coverage.py`` names any op
without an entry, without a public function, or without the Tensor method PyTorch has.
"""

from __future__ import annotations

from typing import Any

from nettrain.ops import (
    activation,
    arithmetic,
    conv,
    cumulative,
    einsum,
    indexing,
    linalg,
    linear,
    loss,
    normalization,
    padding,
    pooling,
    reduction,
    scatter,
    shape,
    sparse,
    unary,
)
from nettrain.ops._case import Case, Entry, Shapes, sample, sample_inputs

__all__ = ["CASES", "Case", "Entry", "Shapes", "all_cases", "sample", "sample_inputs"]

# -- shape sets ------------------------------------------------------------------------

ONE: list[Shapes] = [((2, 3),), ((4,),), ((),)]
UNARY: list[Shapes] = [((2, 3),), ((5,),), ((),), ((2, 1, 3),)]
BROADCAST: list[Shapes] = [
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((4, 1, 3), (2, 1)),
    ((), (2, 2)),
    ((1, 3), (2, 1)),
]
IMAGE: list[Shapes] = [((2, 3, 6, 6),)]


def _entry(public: str, *cases: Case) -> Entry:
    return Entry(public, cases)


def _cases() -> dict[type, Entry]:
    def F(L: Any) -> Any:  # noqa: N802 - torch.nn.functional / nettrain.nn.functional
        return L.nn.functional

    labels = lambda L: L.tensor([0, 2, 1])  # noqa: E731
    probs = lambda L, x: L.tensor([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]]).to(x.dtype)  # noqa: E731
    return {
        # arithmetic
        arithmetic.Add: _entry("add", Case("add", lambda L, a, b: a + b, BROADCAST)),
        arithmetic.Sub: _entry("sub", Case("sub", lambda L, a, b: a - b, BROADCAST)),
        arithmetic.Mul: _entry("mul", Case("mul", lambda L, a, b: a * b, BROADCAST)),
        arithmetic.Div: _entry(
            "div", Case("div", lambda L, a, b: a / b, BROADCAST, domain=("any", "nonzero"))
        ),
        arithmetic.Neg: _entry("neg", Case("neg", lambda L, a: -a, ONE)),
        arithmetic.Pow: _entry(
            "pow",
            Case("pow", lambda L, a, b: a**b, BROADCAST, domain=("pos", "any")),
            Case("pow_scalar", lambda L, a: a**2.5, ONE, domain="pos"),
        ),
        arithmetic.Maximum: _entry(
            "maximum", Case("maximum", lambda L, a, b: L.maximum(a, b), BROADCAST)
        ),
        arithmetic.Minimum: _entry(
            "minimum", Case("minimum", lambda L, a, b: L.minimum(a, b), BROADCAST)
        ),
        linalg.MatMul: _entry(
            "matmul",
            Case(
                "matmul",
                lambda L, a, b: L.matmul(a, b),
                [((2, 3, 4), (4, 5)), ((3, 4), (4,)), ((4,), (4, 2)), ((2, 1, 3, 4), (3, 4, 2))],
            ),
        ),
        # unary
        unary.Exp: _entry("exp", Case("exp", lambda L, x: L.exp(x), UNARY)),
        unary.Log: _entry("log", Case("log", lambda L, x: L.log(x), UNARY, domain="pos")),
        unary.Sqrt: _entry("sqrt", Case("sqrt", lambda L, x: L.sqrt(x), UNARY, domain="pos")),
        unary.Abs: _entry("abs", Case("abs", lambda L, x: L.abs(x), UNARY, domain="nonzero")),
        unary.Sin: _entry("sin", Case("sin", lambda L, x: L.sin(x), UNARY)),
        unary.Cos: _entry("cos", Case("cos", lambda L, x: L.cos(x), UNARY)),
        unary.Tanh: _entry("tanh", Case("tanh", lambda L, x: L.tanh(x), UNARY)),
        unary.Sigmoid: _entry("sigmoid", Case("sigmoid", lambda L, x: L.sigmoid(x), UNARY)),
        unary.Relu: _entry("relu", Case("relu", lambda L, x: L.relu(x), UNARY, domain="nonzero")),
        unary.Clamp: _entry(
            "clamp", Case("clamp", lambda L, x: L.clamp(x, -0.5, 0.5), UNARY, domain="nonzero")
        ),
        unary.Sign: _entry("sign", Case("sign", lambda L, x: L.sign(x) * x, ONE, gradcheck=False)),
        unary.Floor: _entry(
            "floor", Case("floor", lambda L, x: L.floor(x * 3) + x, ONE, gradcheck=False)
        ),
        unary.Ceil: _entry(
            "ceil", Case("ceil", lambda L, x: L.ceil(x * 3) + x, ONE, gradcheck=False)
        ),
        unary.Round: _entry(
            "round", Case("round", lambda L, x: L.round(x * 3) + x, ONE, gradcheck=False)
        ),
        # activation
        activation.Softmax: _entry(
            "softmax", Case("softmax", lambda L, x: L.softmax(x, 1), [((3, 4),), ((2, 3, 4),)])
        ),
        activation.LogSoftmax: _entry(
            "log_softmax",
            Case("log_softmax", lambda L, x: L.log_softmax(x, 0), [((3, 4),), ((5,),)]),
        ),
        activation.LeakyReLU: _entry(
            "leaky_relu",
            Case("F.leaky_relu", lambda L, x: F(L).leaky_relu(x, 0.1), ONE, domain="nonzero"),
        ),
        activation.ELU: _entry(
            "elu", Case("F.elu", lambda L, x: F(L).elu(x, 0.7), ONE, domain="nonzero")
        ),
        activation.GELU: _entry("gelu", Case("F.gelu", lambda L, x: F(L).gelu(x), ONE)),
        activation.GELUTanh: _entry(
            "gelu", Case("F.gelu_tanh", lambda L, x: F(L).gelu(x, approximate="tanh"), ONE)
        ),
        activation.SiLU: _entry("silu", Case("F.silu", lambda L, x: F(L).silu(x), ONE)),
        activation.Softplus: _entry(
            "softplus", Case("F.softplus", lambda L, x: F(L).softplus(x, beta=2.0), ONE)
        ),
        # reduction
        reduction.Sum: _entry(
            "sum",
            Case("sum", lambda L, x: x.sum(dim=1, keepdim=True), [((3, 4),)]),
            Case("sum_all", lambda L, x: x.sum(), ONE),
        ),
        reduction.Mean: _entry("mean", Case("mean", lambda L, x: x.mean(dim=0), [((3, 4),)])),
        reduction.Amax: _entry(
            "amax", Case("amax", lambda L, x: L.amax(x, dim=1), [((3, 4),)], domain="distinct")
        ),
        reduction.Amin: _entry(
            "amin", Case("amin", lambda L, x: L.amin(x, dim=0), [((3, 4),)], domain="distinct")
        ),
        reduction.MaxDim: _entry(
            "max",
            Case("max", lambda L, x: x.max(dim=1)[0], [((3, 4),)], domain="distinct"),
            Case("min", lambda L, x: x.min(dim=0)[0], [((3, 4),)], domain="distinct"),
        ),
        reduction.Var: _entry("var", Case("var", lambda L, x: x.var(dim=1), [((3, 4),)])),
        reduction.Std: _entry("std", Case("std", lambda L, x: x.std(dim=0), [((3, 4),)])),
        reduction.LogSumExp: _entry(
            "logsumexp", Case("logsumexp", lambda L, x: L.logsumexp(x, dim=1), [((3, 4),)])
        ),
        reduction.Prod: _entry(
            "prod", Case("prod", lambda L, x: x.prod(dim=1), [((3, 4),)], domain="pos")
        ),
        # shape and indexing
        shape.Reshape: _entry(
            "reshape", Case("reshape", lambda L, x: x.reshape(4, 3) * 2.0, [((3, 4),)])
        ),
        shape.Transpose: _entry(
            "transpose", Case("transpose", lambda L, x: x.transpose(0, 1) * 2.0, [((3, 4),)])
        ),
        shape.Permute: _entry(
            "permute", Case("permute", lambda L, x: x.permute(2, 0, 1) * 2.0, [((2, 3, 4),)])
        ),
        shape.Expand: _entry(
            "broadcast_to", Case("expand", lambda L, x: x.expand(3, 4) * 2.0, [((1, 4),)])
        ),
        shape.Repeat: _entry(
            "repeat", Case("repeat", lambda L, x: x.repeat(2, 1) * 2.0, [((3, 4),)])
        ),
        shape.Cat: _entry(
            "cat", Case("cat", lambda L, a, b: L.cat([a, b], dim=0), [((3, 4), (2, 4))])
        ),
        shape.Stack: _entry(
            "stack", Case("stack", lambda L, a, b: L.stack([a, b], dim=1), [((3, 4), (3, 4))])
        ),
        shape.Where: _entry(
            "where",
            Case("where", lambda L, a, b: L.where(a > 0, a, b), BROADCAST[:3]),
            Case("tril", lambda L, x: L.tril(x, -1), [((3, 4),), ((2, 3, 3),)]),
            Case("triu", lambda L, x: L.triu(x), [((3, 4),), ((2, 3, 3),)]),
            Case("masked_fill", lambda L, x: x.masked_fill(x < 0, 0.5), [((3, 4),)]),
        ),
        shape.Clone: _entry("clone", Case("clone", lambda L, x: L.clone(x) * 2.0, ONE)),
        indexing.GetItem: _entry(
            "gather",
            Case(
                "gather",
                lambda L, x: L.gather(x, 1, L.tensor([[0, 0], [1, 3], [2, 1]])),
                [((3, 4),)],
            ),
            Case(
                "sort",
                lambda L, x: L.sort(x, dim=1, descending=True).values,
                [((3, 4),)],
                domain="distinct",
            ),
            Case("topk", lambda L, x: L.topk(x, 2, dim=1).values, [((3, 4),)], domain="distinct"),
            Case("diagonal", lambda L, x: L.diagonal(x, 1), [((3, 4),), ((2, 3, 3),)]),
            Case("roll", lambda L, x: L.roll(x, (1, -1), (0, 1)), [((3, 4),)]),
            Case("repeat_interleave", lambda L, x: x.repeat_interleave(2, dim=0), [((3, 4),)]),
        ),
        indexing.IndexPut: _entry(
            "scatter",
            Case(
                "scatter",
                lambda L, a, b: a.scatter(0, L.tensor([[2, 0, 1, 1]]), b.view(1, 4)),
                [((3, 4), (4,))],
            ),
            Case("diag", lambda L, x: L.diag(x, 1), [((4,),)]),
        ),
        indexing.ScatterAdd: _entry(
            "scatter_add",
            Case(
                "scatter_add",
                lambda L, a, b: a.scatter_add(0, L.tensor([[2, 0, 2, 1]]), b[None]),
                [((3, 4), (4,))],
            ),
        ),
        scatter.ScatterReduce: _entry(
            "scatter_reduce",
            Case(
                "scatter_reduce",
                lambda L, a, b: a.scatter_reduce(0, L.tensor([[1, 0, 1, 2]]), b[None], "mean"),
                [((3, 4), (4,))],
            ),
        ),
        cumulative.Cumsum: _entry(
            "cumsum", Case("cumsum", lambda L, x: L.cumsum(x, -1), [((3, 4),), ((5,),)])
        ),
        cumulative.Cumprod: _entry(
            "cumprod",
            Case("cumprod", lambda L, x: L.cumprod(x, 1), [((3, 4),), ((2, 3, 2),)], domain="pos"),
        ),
        einsum.Einsum: _entry(
            "einsum",
            Case(
                "einsum",
                lambda L, a, b: L.einsum("bij,jk->bik", a, b),
                [((2, 3, 4), (4, 2))],
            ),
        ),
        indexing.GetItemView: _entry(
            "__getitem__", Case("index", lambda L, x: x[1:, ::2] * 2.0, [((3, 4),)])
        ),
        # layers
        linear.Linear: _entry(
            "linear",
            Case("F.linear", lambda L, x, w, b: F(L).linear(x, w, b), [((3, 4), (2, 4), (2,))]),
        ),
        linear.Bilinear: _entry(
            "bilinear",
            Case(
                "F.bilinear",
                lambda L, a, b, w, c: F(L).bilinear(a, b, w, c),
                [((3, 2), (3, 4), (5, 2, 4), (5,))],
            ),
        ),
        conv.Conv2d: _entry(
            "conv2d",
            Case(
                "F.conv2d",
                lambda L, x, w, b: F(L).conv2d(x, w, b, stride=2, padding=1),
                [((2, 2, 5, 5), (3, 2, 3, 3), (3,))],
            ),
        ),
        conv.ConvTranspose2d: _entry(
            "conv_transpose2d",
            Case(
                "F.conv_transpose2d",
                lambda L, x, w, b: F(L).conv_transpose2d(x, w, b, stride=2),
                [((2, 3, 3, 3), (3, 2, 2, 2), (2,))],
            ),
        ),
        padding.ConstantPad: _entry(
            "pad",
            Case("F.pad", lambda L, x: F(L).pad(x, (1, -1, 2, 0), value=3.0), [((3, 4),)]),
        ),
        pooling.MaxPool2d: _entry(
            "max_pool2d",
            Case("F.max_pool2d", lambda L, x: F(L).max_pool2d(x, 2), IMAGE, domain="distinct"),
        ),
        pooling.AvgPool2d: _entry(
            "avg_pool2d", Case("F.avg_pool2d", lambda L, x: F(L).avg_pool2d(x, 3, 2, 1), IMAGE)
        ),
        normalization.Normalize: _entry(
            "layer_norm",
            Case(
                "F.layer_norm",
                lambda L, x, w, b: F(L).layer_norm(x, (4,), w, b),
                [((3, 4), (4,), (4,))],
            ),
        ),
        sparse.Embedding: _entry(
            "embedding",
            Case(
                "F.embedding",
                lambda L, w: F(L).embedding(L.tensor([[0, 2], [2, 4]]), w),
                [((5, 3),)],
            ),
        ),
        # losses
        loss.MSELoss: _entry(
            "mse_loss", Case("F.mse_loss", lambda L, a, b: F(L).mse_loss(a, b), [((3, 4), (3, 4))])
        ),
        loss.L1Loss: _entry(
            "l1_loss",
            Case(
                "F.l1_loss",
                lambda L, a, b: F(L).l1_loss(a, b),
                [((3, 4), (3, 4))],
                domain="distinct",
            ),
        ),
        loss.HuberLoss: _entry(
            "huber_loss",
            Case(
                "F.huber_loss",
                lambda L, a, b: F(L).huber_loss(a, b, delta=0.5),
                [((3, 4), (3, 4))],
                domain="distinct",
            ),
        ),
        loss.BinaryCrossEntropy: _entry(
            "binary_cross_entropy",
            Case(
                "F.binary_cross_entropy",
                lambda L, x: F(L).binary_cross_entropy(L.sigmoid(x), probs(L, x)),
                [((3, 3),)],
            ),
        ),
        loss.BinaryCrossEntropyWithLogits: _entry(
            "binary_cross_entropy_with_logits",
            Case(
                "F.bce_with_logits",
                lambda L, x: F(L).binary_cross_entropy_with_logits(x, probs(L, x)),
                [((3, 3),)],
            ),
        ),
        loss.KLDivLoss: _entry(
            "kl_div",
            Case(
                "F.kl_div",
                lambda L, x: F(L).kl_div(L.log_softmax(x, 1), probs(L, x), reduction="batchmean"),
                [((3, 3),)],
            ),
        ),
        loss.NLLLoss: _entry(
            "nll_loss",
            Case(
                "F.nll_loss",
                lambda L, x: F(L).nll_loss(L.log_softmax(x, 1), labels(L)),
                [((3, 4),)],
            ),
        ),
        loss.CrossEntropy: _entry(
            "cross_entropy",
            Case("F.cross_entropy", lambda L, x: F(L).cross_entropy(x, labels(L)), [((3, 4),)]),
        ),
        loss.SoftCrossEntropy: _entry(
            "cross_entropy",
            Case(
                "F.cross_entropy_probs",
                lambda L, x: F(L).cross_entropy(x, probs(L, x)),
                [((3, 3),)],
            ),
        ),
    }


CASES: dict[type, Entry] = _cases()
"""Op class -> its entry; the one case table for ops."""


def all_cases() -> list[tuple[type, Case]]:
    """Every (op, case) pair, in table order."""
    return [(op, case) for op, entry in CASES.items() for case in entry.cases]
