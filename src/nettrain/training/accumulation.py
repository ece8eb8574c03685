"""Gradient accumulation (``train.accumulate_grad_batches: K``): the loop's plan per batch.

K consecutive batches form a group; their gradients add up and the optimizer steps once at
the end of each group. For a mean-reduced loss, scaling batch ``b``'s loss by
``n_b / N_g`` (its share of the group's samples) makes the summed gradient equal to the
gradient of the mean loss over the whole group: one step over the K-times-larger batch.
For full groups the scale is ``1/K``; the last, partial group of an epoch (fewer than K
batches, or a short last batch) still gets exact weights, so it too equals one step over
its concatenated samples. (Lightning scales by ``1/K`` everywhere, which shrinks that last
step; exact equality is the promise here.)

With a fixed seed the data order of an epoch does not depend on the batch size, so K
batches of B samples are the same samples as one batch of K*B: the equality holds run to
run, not only step to step. It does not hold for models whose forward depends on the batch
(BatchNorm in training mode) or that draw random numbers per batch (Dropout).

Example:
    >>> accumulation_plan([3, 3, 3, 1], 2)
    [(0.5, False), (0.5, True), (0.75, False), (0.25, True)]
"""

from __future__ import annotations


def accumulation_plan(batch_sizes: list[int], k: int) -> list[tuple[float, bool]]:
    """Per batch: ``(loss scale, step after this batch)``; see the module docstring.

    Args:
        batch_sizes: the sample count of each batch of the epoch, in order.
        k: ``accumulate_grad_batches`` (1 means a step after every batch, scale 1).

    Raises:
        ValueError: ``k`` below 1.
    """
    if k < 1:
        raise ValueError(f"accumulate_grad_batches must be >= 1, got {k}")
    plan: list[tuple[float, bool]] = []
    for start in range(0, len(batch_sizes), k):
        group = batch_sizes[start : start + k]
        total = sum(group)
        for position, size in enumerate(group):
            plan.append((size / total, position == len(group) - 1))
    return plan


def optimizer_steps_per_epoch(num_batches: int, k: int) -> int:
    """Optimizer steps in an epoch of ``num_batches`` batches: ``ceil(num_batches / k)``."""
    return -(-num_batches // k)
