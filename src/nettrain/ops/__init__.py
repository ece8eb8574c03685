"""Built-in differentiable ops, one small class per op with forward and backward adjacent.

An op's ``forward(ctx, *arrays)`` computes on raw arrays through ``ctx.xp`` (numpy or
cupy). Its ``backward(ctx, grad)`` uses only operators and ``ctx.xp`` functions, so the
engine can run it on arrays (fast) or on Tensors (``create_graph=True``). Generic work -
unbroadcasting, dtype casts, accumulation, freeing - is the engine's, never the op's.

Adding an op (the steps ``tests/ops/test_op_coverage.py`` checks):

1. its class in ``ops/<family>.py`` (``class Foo(Op)`` with ``forward``/``backward``);
2. its public function in ``functions/<family>.py`` (re-exported by
   ``functions/__init__.py`` and named in ``nettrain/__init__.py``), or in
   ``nn/functional`` for a layer op; the Tensor method in ``_tensor_methods.py`` where
   PyTorch has one;
3. one row in ``ops/cases.py``, inside ``_cases()``::

       family.Foo: _entry("foo", Case("foo", lambda L, x: L.foo(x, 2), [((3, 4),)])),

   ``L`` is ``nettrain`` or ``torch``, so the row runs on both; that one line gives
   ``nettrain gradcheck`` a row named ``foo`` and ``tests/ops/test_cases.py`` a float64
   gradcheck plus float32/float64 comparisons with PyTorch on every device. Options:
   ``domain=`` (``pos``, ``unit``, ``nonzero``, ``distinct``), ``grad=False``,
   ``gradcheck=False``. An op that is only an adjoint or an internal step goes in the
   short ``INTERNAL`` allow-list of ``test_op_coverage.py`` instead, with its reason.
"""

from nettrain.autograd.function import Function


class Op(Function):
    """Base of built-in ops: array forward, backward reusable for higher-order grads."""

    __slots__ = ()
    _array_forward = True
    _simple = True  # until an output hook, retain_grad or a second output says otherwise
