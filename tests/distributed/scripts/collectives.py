"""Each rank runs every collective once and writes the results to ARGV[1]/rank<r>.json."""

import json
import sys

import numpy as np

import nettrain as nt
import nettrain.distributed as dist

dist.init_process_group("mpi")
rank, size = dist.get_rank(), dist.get_world_size()
out = {"rank": rank, "size": size, "backend": dist.get_backend()}


def base(dtype=nt.float64):
    return nt.tensor(np.arange(4) + 1.0 + rank, dtype=dtype)


for name in ("SUM", "PRODUCT", "MIN", "MAX", "AVG"):
    t = base()
    dist.all_reduce(t, op=getattr(dist.ReduceOp, name))
    out[name] = t.numpy().tolist()
t = base(nt.float32)
work = dist.all_reduce(t, async_op=True)
work.wait()
out["async_sum"] = t.numpy().tolist()
out["async_dtype"] = str(t.dtype)
t = base()
dist.broadcast(t, src=size - 1)
out["broadcast"] = t.numpy().tolist()
gathered = [nt.zeros(4, dtype=nt.float64) for _ in range(size)]
dist.all_gather(gathered, base())
out["all_gather"] = [g.numpy().tolist() for g in gathered]
dist.barrier()
try:
    dist.all_reduce(nt.zeros(2, 3).t())
except ValueError as error:
    out["non_contiguous"] = str(error)
try:
    dist.all_reduce(nt.tensor([1, 2]), op=dist.ReduceOp.AVG)
except TypeError as error:
    out["avg_int"] = str(error)
with open(f"{sys.argv[1]}/rank{rank}.json", "w") as file:  # printed lines would interleave
    json.dump(out, file)
dist.destroy_process_group()
assert not dist.is_initialized()
