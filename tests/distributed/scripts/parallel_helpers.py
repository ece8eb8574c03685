"""training.parallel's reductions on 2 ranks; ARGV[1]/rank<r>.json gets what each saw."""

import json
import sys

import nettrain as nt
import nettrain.distributed as dist
from nettrain.training import parallel as par
from nettrain.training.metrics import MetricAccumulator

dist.init_process_group("mpi")
rank = dist.get_rank()
record = {}

# rank 0 holds 3 rows (2 correct), rank 1 holds 2 rows (1 correct); mean loss 0.25 each
rows = [3, 2][rank]
local = MetricAccumulator("classification", ["loss", "accuracy"])
out = nt.tensor([[1.0, 0.0]] * rows)
target = nt.tensor([0, 0, 1][:rows] if rank == 0 else [0, 1])
local.update(0.25, out, target)
step, stop = par.reduce_step(local, stop=rank == 1)
record["step"] = [step.count, step.loss_sum, step.correct]
record["stop"] = stop

val = par.shard_dataset(list(range(7)), rank, 2)
acc = MetricAccumulator("classification", ["loss"])
acc.count, acc.loss_sum = len(val), float(len(val))
par.reduce_accumulator(acc)
record["val_count"] = acc.count

record["text"] = par.broadcast_text("runs/tiny/20260101-000000" if rank == 0 else None)

params = [nt.tensor([1.0, 2.0 + (1e-6 if rank == 1 else 0.0)])]
try:
    par.check_replicas(params, "at epoch 1")
    record["mismatch"] = "none"
except par.ReplicaMismatchError as error:
    record["mismatch"] = str(error)
par.check_replicas([nt.tensor([1.0, 2.0])], "at epoch 1")
record["same"] = "ok"

with open(f"{sys.argv[1]}/rank{rank}.json", "w") as handle:
    json.dump(record, handle)
