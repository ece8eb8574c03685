"""Each rank holds a different number of samples; ARGV[1]/rank<r>.json gets the means."""

import json
import sys

import nettrain.distributed as dist
from nettrain.training.distributed import is_main_process, reduce_weighted_means

dist.init_process_group("mpi")
rank = dist.get_rank()
losses = [[1.0, 2.0, 3.0], [10.0]][rank]  # per-sample losses on this rank
means, total = reduce_weighted_means({"loss": sum(losses)}, len(losses))
with open(f"{sys.argv[1]}/rank{rank}.json", "w") as out:
    json.dump({"rank": rank, "means": means, "total": total, "main": is_main_process()}, out)
