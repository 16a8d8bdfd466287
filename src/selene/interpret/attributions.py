"""Gradient attributions of a model's logits to its one-hot input: saliency, x*grad, IG.

Every function takes any ``nn.Module`` mapping one-hot ``(N, A, L)`` to logits ``(N, F)`` (for a
``SequenceLitModule`` pass ``module.net``: its ``forward`` returns probabilities), a target
feature per sequence, and returns attributions of the same shape as the input, ``(N, A, L)``.
Transpose one sequence's attributions (``attributions[i].T``) to draw it as a score matrix.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn

IG_METHODS = ("gausslegendre", "riemann_trapezoid")


@contextmanager
def _inference_mode_for_grads(model: nn.Module, device: torch.device) -> Iterator[None]:
    """Eval mode (dropout off), restored after; cuDNN off for RNNs, whose backward needs it.

    CUDA convolutions run in float32, not cuDNN's default TF32 (u = 2**-11), so attributions
    equal the CPU's within float32 rounding, as predictions do (``ModelRunner``).
    """
    was_training = model.training
    model.eval()
    has_rnn = any(isinstance(m, nn.RNNBase) for m in model.modules())
    try:
        with torch.backends.cudnn.flags(
            enabled=not (has_rnn and device.type == "cuda"), allow_tf32=False
        ):
            yield
    finally:
        model.train(was_training)


def _prepare(
    model: nn.Module, inputs: Any, target: int | Sequence[int] | torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.device]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    x = torch.as_tensor(inputs)
    if x.ndim != 3 or not x.is_floating_point():
        raise ValueError(
            "inputs must be a float one-hot tensor of shape (N, alphabet, length); got "
            f"{tuple(x.shape)} {x.dtype} (add a batch axis with x[None], or one-hot uint8 codes "
            "with selene.sequences.codes_to_one_hot)"
        )
    param = next(iter(model.parameters()), None)
    device = param.device if param is not None else x.device
    n = x.shape[0]
    if isinstance(target, (int, np.integer)):
        targets = torch.full((n,), int(target), dtype=torch.long)
    else:
        targets = torch.as_tensor(target, dtype=torch.long).reshape(-1)
        if targets.shape[0] != n:
            raise ValueError(
                f"target must be one feature index, or one per sequence ({n}); got {len(targets)}"
            )
    if n and (targets < 0).any():
        raise ValueError(f"target feature indices must be >= 0; got {targets.min().item()}")
    return x, targets.to(device), device


def _gradients(
    model: nn.Module, x: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient of ``model(x)[i, targets[i]]`` w.r.t. ``x``, and those logits; one batch."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = model(x)
        if out.ndim != 2 or out.shape[0] != x.shape[0]:
            raise ValueError(
                f"model must return logits of shape (N, features); got {tuple(out.shape)} "
                f"for input {tuple(x.shape)}"
            )
        if int(targets.max()) >= out.shape[1]:
            raise IndexError(
                f"target feature index {int(targets.max())} out of range: the model predicts "
                f"{out.shape[1]} features"
            )
        selected = out.gather(1, targets[:, None]).squeeze(1)
        (grad,) = torch.autograd.grad(selected.sum(), x)
    return grad.detach(), selected.detach()


def _check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")


def _return_like(result: torch.Tensor, inputs: Any) -> Any:
    if isinstance(inputs, torch.Tensor):
        return result.to(device=inputs.device, dtype=inputs.dtype)
    return result.cpu().numpy().astype(np.asarray(inputs).dtype, copy=False)


def saliency(
    model: nn.Module,
    inputs: Any,
    target: int | Sequence[int] | torch.Tensor,
    *,
    batch_size: int = 128,
) -> Any:
    """Gradient of the target logit with respect to each input entry (signed).

    Parameters
    ----------
    model : torch.nn.Module
        Maps one-hot ``(N, A, L)`` to logits ``(N, F)``; run in eval mode, then restored.
    inputs : torch.Tensor or numpy.ndarray, shape (N, A, L)
        One-hot sequences (moved to the model's device batch by batch).
    target : int, sequence of int or torch.Tensor
        Feature index, for all sequences or one per sequence.
    batch_size : int
        Sequences per forward / backward pass.

    Returns
    -------
    torch.Tensor or numpy.ndarray, shape (N, A, L)
        Same type, dtype and device as ``inputs``. Take ``abs`` or the max over letters for the
        classic saliency map.
    """
    _check_batch_size(batch_size)
    x, targets, device = _prepare(model, inputs, target)
    grads = torch.empty(x.shape, dtype=torch.float32, device=device)
    with _inference_mode_for_grads(model, device):
        for i in range(0, x.shape[0], batch_size):
            xb = x[i : i + batch_size].to(device, torch.float32)
            grads[i : i + batch_size] = _gradients(model, xb, targets[i : i + batch_size])[0]
    return _return_like(grads, inputs)


def input_x_gradient(
    model: nn.Module,
    inputs: Any,
    target: int | Sequence[int] | torch.Tensor,
    *,
    batch_size: int = 128,
) -> Any:
    """Input times gradient: on one-hot input, the gradient at each reference letter.

    Parameters and returns as :func:`saliency`.

    Returns
    -------
    torch.Tensor or numpy.ndarray, shape (N, A, L)
    """
    grads = saliency(model, inputs, target, batch_size=batch_size)
    return grads * inputs if isinstance(grads, torch.Tensor) else grads * np.asarray(inputs)


def _ig_nodes(n_steps: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Points in [0, 1] along the path and their quadrature weights (summing to 1)."""
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return (nodes + 1) / 2, weights / 2
    if n_steps < 2:
        raise ValueError("riemann_trapezoid needs n_steps >= 2")
    weights = np.full(n_steps, 1.0 / (n_steps - 1))
    weights[[0, -1]] /= 2
    return np.linspace(0.0, 1.0, n_steps), weights


def integrated_gradients(
    model: nn.Module,
    inputs: Any,
    target: int | Sequence[int] | torch.Tensor,
    *,
    baseline: str | Any = "zeros",
    n_steps: int = 50,
    method: str = "gausslegendre",
    batch_size: int = 128,
) -> Any:
    """Integrated gradients along the straight path from a baseline to each input.

    Attributions of a sequence sum to ``f(x) - f(baseline)`` for its target logit, up to the
    quadrature error of ``n_steps`` points (exact for a model linear in its input).

    Parameters
    ----------
    model : torch.nn.Module
        Maps one-hot ``(N, A, L)`` to logits ``(N, F)``; run in eval mode, then restored.
    inputs : torch.Tensor or numpy.ndarray, shape (N, A, L)
    target : int, sequence of int or torch.Tensor
        Feature index, for all sequences or one per sequence.
    baseline : {'zeros', 'uniform'} or array-like
        All-zero input, Selene's unknown base (``1 / A`` in every row), or a tensor broadcastable
        to ``inputs`` (e.g. a dinucleotide-shuffled sequence).
    n_steps : int
        Points along the path.
    method : {'gausslegendre', 'riemann_trapezoid'}
        Quadrature rule.
    batch_size : int
        Path points per forward / backward pass.

    Returns
    -------
    torch.Tensor or numpy.ndarray, shape (N, A, L)
        Same type, dtype and device as ``inputs``.
    """
    _check_batch_size(batch_size)
    if method not in IG_METHODS:
        raise ValueError(f"method must be one of {IG_METHODS}; got {method!r}")
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1; got {n_steps}")
    x, targets, device = _prepare(model, inputs, target)
    x = x.to(device, torch.float32)
    if isinstance(baseline, str):
        if baseline not in ("zeros", "uniform"):
            raise ValueError(f"baseline must be 'zeros', 'uniform' or a tensor; got {baseline!r}")
        fill = 0.0 if baseline == "zeros" else 1.0 / x.shape[1]
        base = torch.full_like(x, fill)
    else:
        try:
            base = torch.as_tensor(baseline).to(device, torch.float32).expand_as(x)
        except RuntimeError as err:
            raise ValueError(
                f"baseline of shape {tuple(torch.as_tensor(baseline).shape)} does not broadcast "
                f"to the inputs {tuple(x.shape)}"
            ) from err
    alphas, weights = (
        torch.as_tensor(a, dtype=torch.float32, device=device) for a in _ig_nodes(n_steps, method)
    )
    attributions = torch.empty_like(x)
    per_chunk = max(1, batch_size // n_steps)  # sequences whose whole path fits one batch
    with _inference_mode_for_grads(model, device):
        for i in range(0, x.shape[0], per_chunk):
            xb, bb, tb = x[i : i + per_chunk], base[i : i + per_chunk], targets[i : i + per_chunk]
            delta, total = xb - bb, torch.zeros_like(xb)
            steps = max(1, batch_size // len(xb))
            for k in range(0, n_steps, steps):
                a, w = alphas[k : k + steps], weights[k : k + steps]
                points = bb[None] + a[:, None, None, None] * delta[None]  # (m, s, A, L)
                grad = _gradients(model, points.flatten(0, 1), tb.repeat(len(a)))[0]
                total += (w[:, None, None, None] * grad.view(points.shape)).sum(0)
            attributions[i : i + per_chunk] = delta * total
    return _return_like(attributions, inputs)
