"""Train a float64 MLP data-parallel (under mpiexec) or in one process on the full batch.

    python ddp_train.py single OUT               # one process, global batch 16
    mpiexec -n 2 python ddp_train.py ddp OUT     # each rank 16 / 2 samples per step
    mpiexec -n 2 python ddp_train.py no_sync OUT # each rank: two micro-batches, one synced

Every rank writes OUT/rank<r>.json with its final parameters and, under MPI, whether the ranks'
parameters were bit-identical after every step (checked with all_gather).
"""

import json
import sys

import numpy as np

import nettrain as nt
import nettrain.distributed as dist
from nettrain import nn
from nettrain.nn.parallel import DistributedDataParallel
from nettrain.utils.data import DataLoader, TensorDataset
from nettrain.utils.data.distributed import DistributedSampler

GLOBAL_BATCH, EPOCHS = 16, 3
mode = sys.argv[1]
rng = np.random.default_rng(0)
data = TensorDataset(
    nt.tensor(rng.standard_normal((64, 8)), dtype=nt.float64),
    nt.tensor(rng.integers(0, 3, 64)),
)
nt.manual_seed(1)
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
model = model.to(nt.float64)
if mode == "single":
    replicas, rank = 1, 0
    net = model
else:
    dist.init_process_group("mpi")
    replicas, rank = dist.get_world_size(), dist.get_rank()
    if rank == 1:  # different initial values: the broadcast from rank 0 must fix them
        with nt.no_grad():
            for p in model.parameters():
                p.mul_(3.0)
    net = DistributedDataParallel(model, bucket_cap_mb=0.001)  # ~1 KB: several buckets
sampler = DistributedSampler(data, replicas, rank, shuffle=True, seed=5)
loader = DataLoader(data, batch_size=GLOBAL_BATCH // replicas, sampler=sampler)
optimizer = nt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()


def flat():
    return nt.tensor(np.concatenate([p.detach().numpy().ravel() for p in model.parameters()]))


identical = True
for epoch in range(EPOCHS):
    sampler.set_epoch(epoch)
    for x, y in loader:
        optimizer.zero_grad()
        if mode == "no_sync":
            half = len(x) // 2
            with net.no_sync():
                (loss_fn(net(x[:half]), y[:half]) * 0.5).backward()
            (loss_fn(net(x[half:]), y[half:]) * 0.5).backward()
        else:
            loss_fn(net(x), y).backward()
        optimizer.step()
        if mode != "single":
            mine = flat()
            gathered = [nt.zeros_like(mine) for _ in range(replicas)]
            dist.all_gather(gathered, mine)
            identical &= all(np.array_equal(g.numpy(), mine.numpy()) for g in gathered)
record = {"rank": rank, "params": flat().numpy().tolist(), "identical": identical}
with open(f"{sys.argv[2]}/rank{rank}.json", "w") as out:  # long lines would interleave
    json.dump(record, out)
