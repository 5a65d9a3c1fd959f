"""What a student's network computes, layer by layer: the engine of chapter 6's architecture checks.

A check that counts parameters tests a proxy: average pooling, a sigmoid or a dropout in the wrong
place give the same count. :func:`network_problem` tests the function instead. It runs the network
on a batch, records what each of its layers gets and returns (with forward hooks), and compares
every layer's input with what the practical's network would feed it *from that same network's
previous layer*: the ReLU of its outputs, max-pooled or flattened, with the dropout the task names.
So any way of writing the same network passes (``nn.Sequential``, ``F.relu`` or ``nn.ReLU``, pooling
before or after the ReLU, dropout before or after it, any order of the flattened values), and any
difference the task names is found and put into words.

Dropout is recognised by what it does in training mode: it zeroes some entries and multiplies the
others by exactly ``1 / (1 - p)``, which gives ``p`` to within rounding from a single batch
(:func:`dropout_probability`). In evaluation mode there must be no dropout at all.

This module imports torch only; no other module of the package imports it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn


@dataclass
class Link:
    """What a layer should get from the outputs of the layer called before it."""

    words: str  # e.g. "the ReLU of {before}'s outputs"; {before} is that layer's name
    function: Callable[[torch.Tensor], torch.Tensor]  # those outputs -> the input, without dropout
    dropout: float = 0.0  # the dropout probability in between, in training mode
    any_order: bool = False  # a flatten: the values of each row may come in any order


def trace(model: nn.Module, x: torch.Tensor, layers: dict[str, nn.Module], calls: list):
    """Run ``model`` on ``x`` without gradients and return its output; append to ``calls``, for
    each call of one of ``layers`` (name -> module), in call order, ``(name, input, output)`` (so
    that what ran before an error is kept)."""

    def record(name):
        def hook(module, args, out):
            calls.append((name, args[0].detach().clone(), out.detach().clone()))

        return hook

    hooks = [module.register_forward_hook(record(name)) for name, module in layers.items()]
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for hook in hooks:
            hook.remove()


def dropout_probability(before: torch.Tensor, after: torch.Tensor) -> float | None:
    """The probability ``p`` of a dropout that turns ``before`` into ``after`` (0 when they are
    equal), or None when ``after`` is not ``before`` with about a fraction ``p`` of its entries
    zeroed and all others multiplied by one factor ``1 / (1 - p)``."""
    if before.shape != after.shape:
        return None
    if torch.equal(before, after):
        return 0.0
    kept = (after != 0) & (before != 0)
    if not kept.any() or ((after != 0) & (before == 0)).any():
        return None
    factors = after[kept] / before[kept]
    factor = factors.median()
    if not torch.allclose(factors, factor.expand_as(factors), rtol=1e-4) or factor <= 1:
        return None
    p = 1.0 - 1.0 / factor.item()
    # and about a fraction p of the entries zeroed (a plain scale is no dropout)
    n = int((before != 0).sum())
    dropped = int(((after == 0) & (before != 0)).sum()) / n
    if abs(dropped - p) > 0.02 + 4 * (p * (1 - p) / n) ** 0.5:
        return None
    return p


def _same(got: torch.Tensor, expected: torch.Tensor, any_order: bool) -> bool:
    if got.shape != expected.shape:
        return False
    if any_order:
        got, expected = got.sort(dim=1).values, expected.sort(dim=1).values
    return torch.equal(got, expected)


def _shape(shape) -> str:
    return str(tuple(shape)) if len(shape) > 1 else str(shape[0])


def network_problem(
    class_name: str,
    model: nn.Module,
    x: torch.Tensor,
    shapes: list[tuple[int, ...]],
    links: list[Link],
    layers: dict[str, nn.Module] | None = None,
    channels_last: bool = False,
) -> str | None:
    """What differs between ``model`` and the network the task describes, in one sentence for
    the student; None when nothing does.

    ``shapes``: the output shape per image of each layer, in the order ``forward`` should call them;
    ``links[i]``: what layer ``i + 1`` should get from layer ``i``'s outputs. ``layers``: the layers
    to follow, by the name the task gives them (their calls must come in this order); by default
    every ``nn.Linear`` and ``nn.Conv2d`` of the model, named as in the model, in call order.
    ``channels_last``: store the model channels-last first, as chapter 6 stores its CNN. Give ``x``
    values large enough that an activation that clips large values (ReLU6) shows.
    """
    if channels_last:
        try:
            model.to(memory_format=torch.channels_last)
        except Exception as error:  # e.g. nn.LazyLinear, whose size is not known yet
            return (
                f"{class_name}() cannot be stored channels-last, as the cells below store it"
                f" ({type(error).__name__}: {error}): give every layer its size"
            )
    named = layers is not None
    order = (
        f"{class_name}'s forward should call {', '.join(layers or [])}, in this order and once"
        " each; it calls "
    )
    if layers is None:
        layers = {
            name: module
            for name, module in model.named_modules()
            if isinstance(module, (nn.Linear, nn.Conv2d))
        }
    for training in (False, True):
        mode = "training mode" if training else "evaluation mode"
        model.train(training)
        torch.manual_seed(0)  # the same dropout masks every time
        calls: list = []
        try:
            out = trace(model, x, layers, calls)
        except Exception as error:  # the student's forward: any error is the answer's
            out = error
        names = [name for name, _, _ in calls]
        if named and names != list(layers)[: len(names)]:  # before an error, if any
            return order + ", ".join(names)
        got_shapes = [tuple(output.shape[1:]) for _, _, output in calls]
        for name, got, want in zip(names, got_shapes, shapes):
            if got != tuple(want):
                return (
                    f"layer {name} of {class_name} gives {_shape(got)} values per image where the"
                    f" practical's gives {_shape(want)}: check how it is built"
                )
        if isinstance(out, Exception):
            hint = ""
            if "view" in str(out):
                hint = (
                    " (x.view needs the numbers in one particular memory order; x.flatten(1) or"
                    " x.reshape(len(x), -1) work in every layout)"
                )
            layout = ", stored channels-last as the cells below store it" if channels_last else ""
            return (
                f"{class_name}{layout}, fails in {mode} on a batch of shape {tuple(x.shape)}:"
                f" {type(out).__name__}: {out}{hint}"
            )
        if named and names != list(layers):
            return order + (", ".join(names) or "none of them")
        if len(got_shapes) != len(shapes):
            return (
                f"{class_name}'s layers, in the order forward calls them, give"
                f" {', '.join(map(_shape, got_shapes)) or 'nothing'} values per image; the"
                f" practical's give {', '.join(map(_shape, shapes))}"
            )
        first, first_input, _ = calls[0]
        if not torch.equal(first_input, x):
            return (
                f"in {mode}, {class_name}'s first layer, {first}, should get the images"
                " themselves; it gets other numbers"
            )
        for (before, _, outputs), (after, inputs, _), link in zip(calls, calls[1:], links):
            expected = link.function(outputs)
            words = link.words.format(before=before)
            if _same(inputs, expected, link.any_order):
                if training and link.dropout:
                    return (
                        f"there is no dropout between {before} and {after} in training mode: the"
                        f" task puts one there, with probability {link.dropout}"
                    )
                continue
            p = None if link.any_order else dropout_probability(expected, inputs)
            if p is None and training and not link.dropout:
                return (
                    f"in training mode, layer {after} of {class_name} gets other numbers than"
                    f" {words}: the task puts no dropout between {before} and {after}"
                )
            if p is None:
                where = "in training mode, " if training else ""
                return f"{where}layer {after} of {class_name} should get {words}; it gets other numbers"
            if not training:
                return (
                    f"in evaluation mode (model.eval()) there is still a dropout between {before}"
                    f" and {after}: use nn.Dropout, or F.dropout(x, p, training=self.training)"
                )
            if not link.dropout:
                return (
                    f"{class_name} has a dropout between {before} and {after}, with probability"
                    f" {p:.2g}: the task puts none there"
                )
            if abs(p - link.dropout) > 1e-3:
                return (
                    f"the dropout between {before} and {after} has probability {p:.2g}; the task"
                    f" asks for {link.dropout}"
                )
        last, _, last_output = calls[-1]
        if not torch.equal(out, last_output):
            return (
                f"in {mode}, {class_name} should return the outputs of its last layer, {last}, as"
                " they are: no activation or dropout after it"
            )
    model.eval()
    return None
