"""``nettrain.nn.parallel``: data parallelism across processes."""

from nettrain.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
