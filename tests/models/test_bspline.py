from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.interpolate import splev

from selene.models._bspline import BSplineTransformation, bs, spline_factory
from selene.models.sei import Sei


def scipy_bs(x: np.ndarray, knots: np.ndarray, degree: int = 3) -> np.ndarray:
    """The reference: one splev call per basis function, as sei-framework does."""
    all_knots = np.sort(np.concatenate([[x.min(), x.max()] * (degree + 1), knots]))
    n_basis = len(all_knots) - degree - 1
    return np.stack(
        [splev(x, (all_knots, np.eye(n_basis)[i], degree)) for i in range(n_basis)], axis=1
    )


@pytest.mark.parametrize("n", [2, 3, 17, 100, 256])
def test_spline_factory_matches_scipy(n: int) -> None:
    x = np.arange(n, dtype=float)
    inner = np.percentile(x, 100 * np.linspace(0, 1, 14)[1:-1])
    expected = scipy_bs(x, inner)
    np.testing.assert_allclose(spline_factory(n, 16).double().numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("n", [3, 64, 256])
def test_log_spline_factory_matches_scipy(n: int) -> None:
    dist = np.arange(n) - n / 2.0
    dist = np.log(np.abs(dist) + 1) * (2 * (dist > 0) - 1)
    inner = np.linspace(dist.min(), dist.max(), 14)[1:-1]
    expected = scipy_bs(dist, inner)
    got = spline_factory(n, 16, log=True).double().numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_basis_is_a_partition_of_unity_and_can_drop_the_intercept() -> None:
    x = torch.linspace(0, 10, 50, dtype=torch.float64)
    full = bs(x, df=8, intercept=True)
    assert full.shape == (50, 8)
    torch.testing.assert_close(full.sum(1), torch.ones(50, dtype=torch.float64))
    knots = torch.tensor([2.0, 5.0, 7.5], dtype=torch.float64)
    with_intercept = bs(x, knots=knots, intercept=True)
    assert with_intercept.shape == (50, 7)
    torch.testing.assert_close(bs(x, knots=knots), with_intercept[:, 1:])
    with pytest.raises(ValueError, match="give df or knots"):
        bs(x)


def test_transformation_is_a_non_persistent_buffer() -> None:
    layer = BSplineTransformation(16, 256, scaled=True)
    assert "_spline_tr" not in layer.state_dict()
    torch.testing.assert_close(layer._spline_tr, spline_factory(256, 16) / 256)
    assert layer(torch.ones(2, 3, 256)).shape == (2, 3, 16)
    with torch.device("meta"):  # the basis is computed on the CPU even here
        assert Sei().spline_tr[1]._spline_tr.shape == (256, 16)
