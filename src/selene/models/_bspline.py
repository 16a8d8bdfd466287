"""B-spline bases in torch, as sei-framework builds them with ``scipy.interpolate.splev``."""

from __future__ import annotations

import torch
from torch import nn


def bspline_basis(x: torch.Tensor, knots: torch.Tensor, degree: int = 3) -> torch.Tensor:
    """Evaluate every B-spline basis function of a knot vector at ``x`` (Cox-de Boor).

    Matches FITPACK's ``splev``: the last knot interval is closed on the right, and points
    outside the knots extrapolate the end polynomials.

    Parameters
    ----------
    x : torch.Tensor, shape (n,)
    knots : torch.Tensor, shape (m,)
        Non-decreasing, with at least ``2 * (degree + 1)`` entries.
    degree : int

    Returns
    -------
    torch.Tensor, shape (n, m - degree - 1), dtype float64
    """
    x, t = x.to(torch.float64), knots.to(device=x.device, dtype=torch.float64)
    m = t.numel()
    # Interval index l with t[l] <= x < t[l+1], kept inside [t[degree], t[m-degree-1]].
    interval = torch.searchsorted(t, x, right=True) - 1
    last = int(torch.nonzero(t[: m - degree - 1] < t[m - degree - 1]).max())
    interval = interval.clamp(min=degree, max=last)
    basis = torch.nn.functional.one_hot(interval, m - 1).to(torch.float64)
    xc = x[:, None]
    for d in range(1, degree + 1):
        n_funcs = m - 1 - d
        left_den = t[d : d + n_funcs] - t[:n_funcs]
        right_den = t[d + 1 : d + 1 + n_funcs] - t[1 : 1 + n_funcs]
        left = _safe_div(xc - t[:n_funcs], left_den) * basis[:, :n_funcs]
        right = _safe_div(t[d + 1 : d + 1 + n_funcs] - xc, right_den) * basis[:, 1 : 1 + n_funcs]
        basis = left + right
    return basis


def _safe_div(num: torch.Tensor, den: torch.Tensor) -> torch.Tensor:
    # 0/0 terms of the recursion (repeated knots) are 0 by convention.
    return torch.where(den > 0, num / torch.where(den > 0, den, 1.0), 0.0)


def bs(
    x: torch.Tensor,
    df: int | None = None,
    knots: torch.Tensor | None = None,
    degree: int = 3,
    intercept: bool = False,
) -> torch.Tensor:
    """Build a B-spline design matrix, as patsy's / sei-framework's ``bs``.

    Parameters
    ----------
    x : torch.Tensor, shape (n,)
    df : int, optional
        Number of columns; the interior knots are then equally spaced quantiles of ``x``.
    knots : torch.Tensor, optional
        Interior knots (overrides ``df``).
    degree : int
    intercept : bool
        Keep the first basis function (the columns then sum to 1).

    Returns
    -------
    torch.Tensor, shape (n, n_basis), dtype float64
    """
    x = x.to(torch.float64)
    order = degree + 1
    inner = torch.empty(0, dtype=torch.float64, device=x.device)
    if knots is not None:
        inner = knots.to(device=x.device, dtype=torch.float64)
    elif df is not None:
        n_inner = max(df - order + (1 - int(intercept)), 0)
        if n_inner > 0:
            q = torch.linspace(0, 1, n_inner + 2, dtype=torch.float64, device=x.device)[1:-1]
            inner = torch.quantile(x, q)  # linear interpolation, as np.percentile
    else:
        raise ValueError("bs: give df or knots")
    ends = torch.stack([x.min(), x.max()]).repeat(order)
    all_knots = torch.sort(torch.cat([ends, inner])).values
    basis = bspline_basis(x, all_knots, degree)
    return basis if intercept else basis[:, 1:]


def spline_factory(n: int, df: int, log: bool = False) -> torch.Tensor:
    """Cubic B-spline basis over ``n`` positions, as sei-framework's ``spline_factory``.

    Always computed on the CPU (even inside a ``torch.device("meta")`` context).

    Returns
    -------
    torch.Tensor, shape (n, df), dtype float32
    """
    if log:
        dist = torch.arange(n, dtype=torch.float64, device="cpu") - n / 2.0
        dist = torch.log(dist.abs() + 1) * (2 * (dist > 0).to(torch.float64) - 1)
        knots = torch.linspace(
            float(dist.min()), float(dist.max()), df - 4 + 2, dtype=torch.float64, device="cpu"
        )[1:-1]
        return bs(dist, knots=knots, intercept=True).float()
    return bs(torch.arange(n, dtype=torch.float64, device="cpu"), df=df, intercept=True).float()


class BSplineTransformation(nn.Module):
    """Project the last axis of the input onto ``degrees_of_freedom`` B-spline bases.

    The basis is a non-persistent buffer (sei-framework keeps it as a plain attribute), so it
    follows ``.to(device)`` and stays out of the state dict.

    Parameters
    ----------
    degrees_of_freedom : int
    spatial_dim : int
        Length of the axis the basis spans.
    log : bool
        Log-spaced knots around the centre.
    scaled : bool
        Divide the basis by ``spatial_dim``.
    """

    def __init__(
        self, degrees_of_freedom: int, spatial_dim: int, log: bool = False, scaled: bool = False
    ) -> None:
        super().__init__()
        self._df, self._log, self._scaled = degrees_of_freedom, log, scaled
        basis = spline_factory(spatial_dim, degrees_of_freedom, log=log)
        self.register_buffer("_spline_tr", basis / spatial_dim if scaled else basis, False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x @ basis``: shape ``(..., L)`` to ``(..., degrees_of_freedom)``."""
        return torch.matmul(x, self._spline_tr)
