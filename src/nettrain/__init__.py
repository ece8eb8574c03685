"""nettrain: PyTorch's core API on numpy (CPU) and cupy (GPU), with a training tool.

``import nettrain as torch`` runs PyTorch-style model code unchanged.
"""

from nettrain import autograd, nn, optim, utils
from nettrain.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from nettrain.backend import device
from nettrain.creation import (
    BoolTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from nettrain.dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from nettrain.functions import (
    abs,
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    bmm,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clip,
    clone,
    concat,
    cos,
    count_nonzero,
    cumsum,
    div,
    dot,
    eq,
    equal,
    exp,
    flatten,
    flip,
    floor,
    gather,
    ge,
    gt,
    is_floating_point,
    is_tensor,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log,
    log_softmax,
    logsumexp,
    lt,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    ne,
    neg,
    numel,
    outer,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    reshape,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softmax,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    t,
    tanh,
    transpose,
    unbind,
    unflatten,
    unsqueeze,
    var,
    where,
)
from nettrain.random import (
    Generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from nettrain.serialization import load, save
from nettrain.tensor import Tensor

__version__ = "0.1.0"


def cuda_is_available() -> bool:
    """True when cupy imports and a GPU is visible."""
    from nettrain.backend import cuda_is_available as _available

    return _available()


class _Cuda:
    """``nettrain.cuda.is_available()`` and friends, as in ``torch.cuda``."""

    @staticmethod
    def is_available() -> bool:
        return cuda_is_available()

    @staticmethod
    def device_count() -> int:
        if not cuda_is_available():
            return 0
        from nettrain.backend import cupy_module

        return cupy_module().cuda.runtime.getDeviceCount()

    @staticmethod
    def manual_seed(seed: int) -> None:
        manual_seed(seed)

    manual_seed_all = manual_seed


cuda = _Cuda()
