"""Split a network into a local convolutional front end and the rest (the head), with torch.fx.

The front end is the chain of layers from the input whose outputs at a position depend only on a
window of inputs (convolutions, pooling, and pointwise layers: activations, eval-mode batch
norm, dropout). Each layer becomes a :class:`Layer`, run on ``(N, C, 1, L)`` channels-last
tensors (2-D kernels in that layout are faster on CPU than their 1-D forms). The head is what
follows, as a ``GraphModule`` taking the front end's ``(N, C, L)`` output; if it begins with
a flatten and an ``nn.Linear``, that linear layer is kept apart, so that a change confined to a
few positions can update its output with a slice of its weights.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.fx.node import map_aggregate

_POINTWISE_MODULES = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
    nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.PReLU,
)  # fmt: skip
_IDENTITY_MODULES = (nn.Identity, nn.Dropout, nn.Dropout1d, nn.AlphaDropout)
_MONOTONE_MODULES = (nn.ReLU, nn.ReLU6, nn.ELU, nn.CELU, nn.SELU, nn.Sigmoid, nn.Tanh,
                     nn.Softplus, nn.Hardtanh, nn.Hardsigmoid)  # fmt: skip
_MONOTONE_FUNCTIONS = {F.relu, torch.relu, torch.sigmoid, torch.tanh, F.elu, F.softplus, torch.exp}
_POINTWISE_FUNCTIONS = {
    F.relu, torch.relu, F.elu, F.gelu, F.silu, F.leaky_relu, torch.sigmoid, torch.tanh,
    F.softplus, torch.exp,
}  # fmt: skip
_POINTWISE_METHODS = {"relu", "sigmoid", "tanh", "exp"}
_FLATTEN_METHODS = {"view", "reshape", "flatten"}


@dataclass
class Layer:
    """One layer of the front end, as it acts on positions.

    ``fn`` maps ``(N, C, 1, W)`` to ``(N, C', 1, W')`` with no padding of its own: ``pad`` is
    ``(left, right)`` padding the caller adds, filled with ``pad_value``. Pointwise layers have
    ``kernel == stride == 1`` and no padding.
    """

    fn: Callable[[torch.Tensor], torch.Tensor]
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    pad: tuple[int, int] = (0, 0)
    pad_value: float = 0.0
    monotone: bool = False  # pointwise and non-decreasing: commutes with max-pooling
    max_pool: bool = False
    conv: tuple[torch.Tensor, torch.Tensor | None, int] | None = None  # weight, bias, groups

    @property
    def pointwise(self) -> bool:
        """Whether each output position depends on its own input position only."""
        return self.kernel == 1 and self.stride == 1 and self.pad == (0, 0)

    @property
    def span(self) -> int:
        """Input positions one output position reads."""
        return self.dilation * (self.kernel - 1) + 1

    def out_length(self, length: int) -> int:
        """Output length for an input of ``length`` positions."""
        return (length + sum(self.pad) - self.span) // self.stride + 1


@dataclass
class Split:
    """A network split into front-end layers, an optional leading linear layer, and the rest."""

    layers: list[Layer]
    head: fx.GraphModule  # (N, C, L) front-end output -> model output
    linear: nn.Linear | None = None  # first head layer, applied to the flattened front end
    tail: fx.GraphModule | None = None  # linear output -> model output


def split_network(net: nn.Module) -> Split | None:
    """Split ``net`` (in eval mode) as described above; None when it has no local front end."""
    gm = _trace(net)
    if gm is None:
        return None
    inputs = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(inputs) != 1:
        return None
    layers, node = [], inputs[0]
    while len(node.users) == 1:
        user = next(iter(node.users))
        layer = _as_layer(gm, user, node)
        if layer is None:
            break
        if layer is not _IDENTITY:
            layers.append(layer)
        node = user
    if not any(not layer.pointwise for layer in layers):
        return None
    layers = _pool_before_activation(layers)
    head = _graph_after(gm, node)
    if head is None:
        return None
    linear, tail = _leading_linear(gm, node)
    return Split(layers, head, linear, tail)


_IDENTITY = Layer(fn=lambda x: x)


def _trace(net: nn.Module) -> fx.GraphModule | None:
    # Plain functions the forward calls (argument checks, helpers) become opaque leaves, and
    # unused results (checks) are dropped: inference needs neither.
    scope = getattr(type(net).forward, "__globals__", {})
    leaves = tuple(
        v
        for v in scope.values()
        if inspect.isfunction(v) and not v.__module__.startswith(("torch", "builtins"))
    )
    try:
        tracer = fx.Tracer(autowrap_functions=leaves)
        graph = tracer.trace(net)
    except Exception:  # noqa: BLE001 - any failure to trace means: no fast path
        return None
    gm = fx.GraphModule(tracer.root, graph)
    gm.graph.eliminate_dead_code()
    gm.recompile()
    return gm


def _constant_args(node: fx.Node, first: fx.Node) -> bool:
    rest = list(node.args[1:]) + list(node.kwargs.values())
    return (
        bool(node.args)
        and node.args[0] is first
        and not any(isinstance(a, fx.Node) for a in map_aggregate(rest, lambda x: x))
    )


def _as_layer(gm: fx.GraphModule, node: fx.Node, source: fx.Node) -> Layer | None:
    if not _constant_args(node, source):
        return None
    args, kwargs = node.args[1:], dict(node.kwargs)
    if node.op == "call_module":
        return _module_layer(gm.get_submodule(str(node.target)))
    if node.op == "call_function" and node.target in _POINTWISE_FUNCTIONS:
        kwargs.pop("inplace", None)
        fn = cast(Callable[..., torch.Tensor], node.target)
        return Layer(fn=lambda x: fn(x, *args, **kwargs), monotone=fn in _MONOTONE_FUNCTIONS)
    if node.op == "call_function" and node.target is F.dropout:
        return _IDENTITY
    if node.op == "call_method" and node.target in _POINTWISE_METHODS:
        name = str(node.target)
        return Layer(fn=lambda x: getattr(x, name)(*args, **kwargs), monotone=True)
    return None


def _module_layer(module: nn.Module) -> Layer | None:
    if isinstance(module, _IDENTITY_MODULES):
        return _IDENTITY
    if isinstance(module, _POINTWISE_MODULES):
        monotone = isinstance(module, _MONOTONE_MODULES) or (
            isinstance(module, nn.LeakyReLU) and module.negative_slope >= 0
        )
        return Layer(fn=module, monotone=monotone)
    if isinstance(module, nn.BatchNorm1d):
        if module.running_mean is None or module.running_var is None:
            return None
        m = module
        return Layer(
            fn=lambda x: F.batch_norm(
                x, m.running_mean, m.running_var, m.weight, m.bias, False, 0.0, m.eps
            )
        )
    if isinstance(module, nn.Conv1d):
        return _conv_layer(module)
    if isinstance(module, (nn.MaxPool1d, nn.AvgPool1d)):
        return _pool_layer(module)
    return None


def _conv_layer(conv: nn.Conv1d) -> Layer | None:
    if conv.padding_mode != "zeros":
        return None
    (k,), (s,), (d,) = conv.kernel_size, conv.stride, conv.dilation
    if conv.padding == "same":
        total = d * (k - 1)
        pad = (total // 2, total - total // 2)
    elif conv.padding == "valid":
        pad = (0, 0)
    else:
        pad = (int(conv.padding[0]), int(conv.padding[0]))
    weight = conv.weight.detach().unsqueeze(2).contiguous(memory_format=torch.channels_last)
    bias = None if conv.bias is None else conv.bias.detach()
    groups = conv.groups

    def fn(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, weight, bias, (1, s), 0, (1, d), groups)

    return Layer(fn=fn, kernel=k, stride=s, dilation=d, pad=pad, conv=(weight, bias, groups))


def _pool_layer(pool: nn.MaxPool1d | nn.AvgPool1d) -> Layer | None:
    one = lambda v: v[0] if isinstance(v, tuple) else v  # noqa: E731
    k, p = one(pool.kernel_size), one(pool.padding)
    s = one(pool.stride) if pool.stride else k
    if pool.ceil_mode:
        return None
    if isinstance(pool, nn.MaxPool1d):
        if pool.return_indices:
            return None
        d = one(pool.dilation)
        fn = _blocked_max(k) if (s == k and d == 1) else None
        return Layer(
            fn=fn or (lambda x: F.max_pool2d(x, (1, k), (1, s), 0, (1, d))),
            kernel=k, stride=s, dilation=d, pad=(p, p), pad_value=float("-inf"), max_pool=True,
        )  # fmt: skip
    if p and not pool.count_include_pad:
        return None
    return Layer(fn=lambda x: F.avg_pool2d(x, (1, k), (1, s)), kernel=k, stride=s, pad=(p, p))


def _blocked_max(k: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """Max-pooling with stride = kernel as a reshape and a max over channels-last blocks."""

    def fn(x: torch.Tensor) -> torch.Tensor:
        n, c, _, length = x.shape
        blocks = x.squeeze(2).permute(0, 2, 1)[:, : length // k * k]
        out = blocks.reshape(n, length // k, k, c).amax(2)
        return out.permute(0, 2, 1).unsqueeze(2)

    return fn


def _pool_before_activation(layers: list[Layer]) -> list[Layer]:
    """Move monotone activations after the max-pooling that follows them (fewer values)."""
    layers = list(layers)
    for i in range(len(layers) - 1):
        if layers[i].monotone and layers[i + 1].max_pool:
            layers[i], layers[i + 1] = layers[i + 1], layers[i]
    return layers


def _graph_after(gm: fx.GraphModule, start: fx.Node) -> fx.GraphModule | None:
    """Return the graph from ``start`` (its only input) to the output, or None."""
    graph = fx.Graph()
    env: dict[fx.Node, fx.Node] = {start: graph.placeholder("x")}
    after = False
    for node in gm.graph.nodes:
        if node is start:
            after = True
            continue
        if not after:
            continue
        if node.op == "placeholder":
            return None
        for source in node.all_input_nodes:
            if source not in env:
                if source.op != "get_attr":
                    return None
                env[source] = graph.node_copy(source, lambda n: env[n])
        env[node] = graph.node_copy(node, lambda n: env[n])
    module = fx.GraphModule(gm, graph)
    module.graph.eliminate_dead_code()
    module.recompile()
    return module


def _leading_linear(
    gm: fx.GraphModule, front: fx.Node
) -> tuple[nn.Linear | None, fx.GraphModule | None]:
    """Return the ``nn.Linear`` applied to ``flatten(front)`` and the graph after it."""
    users = [u for u in front.users if not (u.op == "call_method" and u.target in ("size",))]
    if len(users) != 1:
        return None, None
    flat = users[0]
    is_flatten = (
        (flat.op == "call_method" and flat.target in _FLATTEN_METHODS)
        or (flat.op == "call_function" and flat.target in (torch.flatten, torch.reshape))
        or (
            flat.op == "call_module" and isinstance(gm.get_submodule(str(flat.target)), nn.Flatten)
        )
    )
    if not is_flatten or len(flat.users) != 1:
        return None, None
    lin = next(iter(flat.users))
    linear = gm.get_submodule(str(lin.target)) if lin.op == "call_module" else None
    if not isinstance(linear, nn.Linear):
        return None, None
    tail = _graph_after(gm, lin)
    return (linear, tail) if tail is not None else (None, None)
