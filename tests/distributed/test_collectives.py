"""Collectives over MPI on 2 ranks, checked against numpy on both ranks' inputs."""

import numpy as np
from mpirun import rank_files, run_mpi


def test_collectives_on_two_ranks(tmp_path):
    run_mpi("collectives.py", n=2, args=(str(tmp_path),), timeout=90)
    got = rank_files(tmp_path)
    assert sorted(got) == [0, 1]
    inputs = np.stack([np.arange(4) + 1.0 + r for r in range(2)])
    expected = {
        "SUM": inputs.sum(0),
        "PRODUCT": inputs.prod(0),
        "MIN": inputs.min(0),
        "MAX": inputs.max(0),
        "AVG": inputs.mean(0),
        "async_sum": inputs.sum(0),
        "broadcast": inputs[1],
    }
    for rank, record in got.items():
        assert record["size"] == 2 and record["backend"] == "mpi"
        for key, value in expected.items():
            np.testing.assert_array_equal(record[key], value, err_msg=f"rank {rank} {key}")
        assert record["async_dtype"] == "nettrain.float32"
        np.testing.assert_array_equal(record["all_gather"], inputs)
        assert "contiguous" in record["non_contiguous"]
        assert "floating-point" in record["avg_int"]
