"""Registries: registration, lookup with suggestions, signatures, library coverage, type checks."""

from __future__ import annotations

import inspect

import pytest

import nettrain.nn as nn
import nettrain.optim as optim
from nettrain.errors import ConfigError
from nettrain.training.registry import (
    DATASETS,
    LOSSES,
    MODULES,
    OPTIMIZERS,
    SCHEDULERS,
    Arg,
    Registry,
    check_argument,
    takes_function,
)

SPEC_LAYERS = [
    "Linear",
    "Bilinear",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "Dropout",
    "Embedding",
    "Flatten",
    "Unflatten",
    "Identity",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "Softplus",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "LSTM",
    "GRU",
]
SPEC_LOSSES = [
    "CrossEntropyLoss",
    "NLLLoss",
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "KLDivLoss",
]
SPEC_OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
SPEC_SCHEDULERS = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "OneCycleLR",
    "LambdaLR",
    "ReduceLROnPlateau",
    "SequentialLR",
]
SPEC_DATASETS = [
    "synthetic_classification",
    "synthetic_regression",
    "spirals",
    "npz",
    "csv",
    "idx",
    "digits",
    "iris",
    "wine",
    "breast_cancer",
]


def _fresh() -> Registry:
    reg = Registry("widget", supplied=("params",))

    @reg.register()
    class Knob:
        def __init__(self, params, size: int, label: str = "x", *args, **kwargs) -> None:
            self.size = size

    @reg.register("turn")
    def rotate(angle: float = 0.0) -> float:
        return angle

    return reg


def test_register_forms_and_lookup():
    reg = _fresh()

    @reg.register
    class Bare:
        pass

    assert reg.names() == ["Bare", "Knob", "turn"]
    assert "turn" in reg and "rotate" not in reg
    assert reg.get("turn")(2.0) == 2.0
    assert len(reg) == 3 and list(reg) == reg.names()


def test_registering_another_object_under_a_taken_name_fails():
    reg = _fresh()
    reg.add(reg.get("Knob"), "Knob")  # the same object again is fine
    with pytest.raises(ValueError, match="already registered"):
        reg.add(object, "Knob")


def test_unknown_name_lists_closest_names():
    reg = _fresh()
    with pytest.raises(ConfigError) as info:
        reg.get("Knb")
    issue = info.value.issues[0]
    assert "unknown widget type 'Knb'" in issue.message
    assert "'Knob'" in issue.hint


def test_signature_hides_supplied_and_arguments_skip_var_args():
    reg = _fresh()
    assert list(reg.signature("Knob").parameters) == ["size", "label", "args", "kwargs"]
    args = reg.arguments("Knob")
    assert [(a.name, a.required, a.annotation) for a in args] == [
        ("size", True, "int"),
        ("label", False, "str"),
    ]
    assert reg.accepts_any_keyword("Knob") and not reg.accepts_any_keyword("turn")
    assert isinstance(reg.signature("turn"), inspect.Signature)


def _public_classes(namespace, base):
    return [
        name
        for name, obj in vars(namespace).items()
        if inspect.isclass(obj) and issubclass(obj, base) and not name.startswith("_")
    ]


def test_every_nn_layer_and_loss_is_registered_under_its_class_name():
    classes = _public_classes(nn, nn.Module)
    for name in classes:
        if name == "Module":
            continue
        registry = LOSSES if name.endswith("Loss") else MODULES
        assert name in registry, f"nn.{name} is not registered"
        assert registry.get(name) is getattr(nn, name)
    for name in SPEC_LAYERS:
        if hasattr(nn, name):
            assert name in MODULES
    for name in SPEC_LOSSES:
        if hasattr(nn, name):
            assert name in LOSSES
    assert "Module" not in MODULES


def test_every_optimizer_and_scheduler_is_registered():
    assert set(SPEC_OPTIMIZERS) <= set(OPTIMIZERS.names())
    assert "Optimizer" not in OPTIMIZERS
    present = [n for n in SPEC_SCHEDULERS if hasattr(optim.lr_scheduler, n)]
    assert set(present) <= set(SCHEDULERS.names())
    assert "Optimizer" not in SCHEDULERS
    assert OPTIMIZERS.get("SGD") is optim.SGD


def test_private_arguments_are_hidden():
    names = [arg.name for arg in MODULES.arguments("Embedding")]
    assert "num_embeddings" in names and not any(n.startswith("_") for n in names)


def test_builder_supplied_arguments_are_hidden():
    assert "params" not in OPTIMIZERS.signature("SGD").parameters
    assert "lr" in OPTIMIZERS.signature("SGD").parameters
    assert "optimizer" not in SCHEDULERS.signature("StepLR").parameters
    assert "device" not in MODULES.signature("Linear").parameters


def test_every_dataset_is_registered():
    assert set(SPEC_DATASETS) <= set(DATASETS.names())


@pytest.mark.parametrize("name", ["os.system", "eval", "__import__", "builtins.open", "Module"])
def test_no_arbitrary_python_is_reachable(name):
    for registry in (MODULES, LOSSES, OPTIMIZERS, SCHEDULERS, DATASETS):
        assert name not in registry
        with pytest.raises(ConfigError, match="unknown"):
            registry.get(name)


def _arg(annotation: str = "", default=inspect.Parameter.empty) -> Arg:
    return Arg("x", default is inspect.Parameter.empty, default, annotation)


@pytest.mark.parametrize(
    "arg, value, ok",
    [
        (_arg("int"), 3, True),
        (_arg("int"), 3.0, False),
        (_arg("int"), True, False),
        (_arg("int"), "3", False),
        (_arg("float"), 3, True),
        (_arg("float"), 0.5, True),
        (_arg("float"), "0.5", False),
        (_arg("bool"), False, True),
        (_arg("bool"), 0, False),
        (_arg("str"), "mean", True),
        (_arg("str"), 1, False),
        (_arg("int | None", None), None, True),
        (_arg("Optional[int]"), None, True),
        (_arg("Union[int, str]"), "a", True),
        (_arg("Union[int, str]"), 1.5, False),
        (_arg("int | tuple[int, int]"), [3, 3], True),
        (_arg("int | tuple[int, int]"), "3", False),
        (_arg("Literal['mean', 'sum']"), "sum", True),
        (_arg("Literal['mean', 'sum']"), "avg", False),
        (_arg("Tensor | None", None), [1.0, 2.0], True),
        (_arg("SomeAlias"), object(), True),  # unknown annotations accept anything
        (_arg("", 0), 0.9, True),  # unannotated: the default's type (ints count as floats)
        (_arg("", False), 1, False),
        (_arg("", "mean"), 3, False),
        (_arg("", None), "anything", True),
    ],
)
def test_check_argument(arg, value, ok):
    problem = check_argument(arg, value)
    assert (problem is None) == ok, problem
    if not ok:
        assert problem.startswith("expected") and type(value).__name__ in problem


def test_takes_function():
    assert takes_function(Arg("lr_lambda", True, None, ""))
    assert takes_function(Arg("f", True, None, "Callable[[int], float]"))
    assert not takes_function(Arg("gamma", True, None, "float"))
