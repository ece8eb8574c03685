"""``nettrain.backends``: PyTorch's backend switches, accepted so programs run unchanged.

nettrain computes with numpy (CPU) or cupy (GPU) and has no cuDNN, MKL-DNN, MPS or TF32
paths to switch, so each flag is a plain attribute that programs may set and read, and
each ``is_available()`` says False. Setting a flag never changes a result.

Example:
    >>> import nettrain.backends.cudnn as cudnn
    >>> cudnn.benchmark = True  # accepted; nettrain has no cuDNN autotuner
"""

from nettrain.backends import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
