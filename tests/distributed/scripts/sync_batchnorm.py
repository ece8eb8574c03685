"""Each rank normalizes its half of a fixed batch with SyncBatchNorm; writes the results.

ARGV[1]: the folder for rank<r>.json (output, input gradient and parameter gradients of
this rank's half, running statistics). test_sync_batchnorm.py compares them with
BatchNorm on the whole batch.
"""

import json
import sys

import numpy as np

import nettrain as nt
import nettrain.distributed as dist
from nettrain import nn

dist.init_process_group("mpi")
rank, size = dist.get_rank(), dist.get_world_size()
rng = np.random.default_rng(3)
full = rng.standard_normal((6, 3, 4, 5)) * 2 + 1
weights = rng.standard_normal(full.shape)
rows = np.array_split(np.arange(len(full)), size)[rank]
x = nt.tensor(full[rows], dtype=nt.float64, requires_grad=True)
bn = nn.SyncBatchNorm(3, momentum=0.3).to(nt.float64)
with nt.no_grad():
    bn.weight.copy_(nt.tensor([0.5, -1.0, 2.0], dtype=nt.float64))
    bn.bias.copy_(nt.tensor([0.1, 0.2, 0.3], dtype=nt.float64))
y = bn(x)
(y * nt.tensor(weights[rows], dtype=nt.float64)).sum().backward()
record = {
    "rank": rank,
    "rows": rows.tolist(),
    "y": y.detach().numpy().tolist(),
    "x_grad": x.grad.numpy().tolist(),
    "weight_grad": bn.weight.grad.numpy().tolist(),
    "bias_grad": bn.bias.grad.numpy().tolist(),
    "running_mean": bn.running_mean.numpy().tolist(),
    "running_var": bn.running_var.numpy().tolist(),
}
with open(f"{sys.argv[1]}/rank{rank}.json", "w") as out:
    json.dump(record, out)
