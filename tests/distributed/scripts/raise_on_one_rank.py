"""Rank 1 raises while rank 0 waits in an all-reduce that can never complete.

With install_abort_hook the job ends at once; without it, it would hang forever.
"""

import nettrain as nt
import nettrain.distributed as dist
from nettrain.training.distributed import install_abort_hook

install_abort_hook()
dist.init_process_group("mpi")
if dist.get_rank() == 1:
    raise ValueError("loss is nan at step 3 on rank 1")
dist.all_reduce(nt.ones(4))
