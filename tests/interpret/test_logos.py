from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from selene.interpret import heatmap, save_figure, sequence_logo

RNG = np.random.default_rng(0)
SCORES = RNG.normal(size=(10, 4))
SEQUENCE = "ACGTNACGTA"


def test_heatmap_draws_letters_by_positions_centred_on_zero():
    ax = heatmap(SCORES, SEQUENCE, start=100)
    image = ax.images[0]
    assert image.get_array().shape == (4, 10)
    low, high = image.get_clim()
    assert low == -high == -np.abs(SCORES).max()
    assert [t.get_text() for t in ax.get_yticklabels()] == list("ACGT")
    dots = ax.collections[0].get_offsets()
    assert len(dots) == 9  # every reference letter but the N
    np.testing.assert_array_equal(dots[:4], [[100, 0], [101, 1], [102, 2], [103, 3]])
    assert len(ax.figure.axes) == 2  # the colour bar


def test_heatmap_on_given_axes_with_mask_and_vmax():
    _, ax = plt.subplots()
    mask = np.zeros_like(SCORES, dtype=bool)
    mask[0, 0] = True
    out = heatmap(SCORES, ax=ax, mask=mask, vmax=2.0, colorbar=False)
    assert out is ax
    assert ax.images[0].get_clim() == (-2.0, 2.0)
    assert ax.images[0].get_array().mask[0, 0]
    assert len(ax.figure.axes) == 1
    heatmap(np.zeros((3, 4)), colorbar=False)  # an all-zero matrix still has a scale


def test_heatmap_accepts_tensors_and_protein_alphabet():
    ax = heatmap(torch.tensor(SCORES, requires_grad=True), colorbar=False)
    assert ax.images and ax.images[0].get_array().shape == SCORES.T.shape
    ax = heatmap(RNG.normal(size=(5, 20)), "ACDEF", alphabet="ACDEFGHIKLMNPQRSTVWY")
    assert ax.images[0].get_array().shape == (20, 5)


@pytest.mark.parametrize("plot", [heatmap, sequence_logo])
@pytest.mark.parametrize(
    ("matrix", "kwargs", "match"),
    [
        (np.ones((4, 10)), {}, "looks transposed"),
        (np.ones((2, 4, 10)), {}, "one sequence at a time"),
        (np.ones(4), {}, "shape \\(length, 4\\)"),
        (np.ones((0, 4)), {}, "shape \\(length, 4\\)"),
        (np.ones((10, 4)), {"alphabet": "ACDEFGHIKLMNPQRSTVWY"}, "shape \\(length, 20\\)"),
        (np.ones((10, 4)), {"alphabet": "ACGG"}, "distinct letters"),
        (pd.DataFrame(np.ones((3, 4)), columns=list("ACGU")), {}, "do not match the alphabet"),
        (np.full((3, 4), np.inf), {}, "non-finite"),
    ],
)
def test_plots_reject_wrong_shape_or_alphabet(plot, matrix, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot(matrix, **kwargs)


def test_heatmap_errors():
    with pytest.raises(ValueError, match="sequence has 3 letters but the score matrix has 10"):
        heatmap(SCORES, "ACG")
    with pytest.raises(ValueError, match="outside the alphabet"):
        heatmap(SCORES, "ACGUACGUAC")
    with pytest.raises(ValueError, match="mask must have the score matrix's shape"):
        heatmap(SCORES, mask=np.zeros((4, 10), dtype=bool))
    with pytest.raises(ValueError, match="vmax must be positive"):
        heatmap(SCORES, vmax=0)


def test_sequence_logo_stacks_negatives_below_zero():
    ax = sequence_logo(SCORES, start=5)
    assert len(ax.patches) > 0
    low, high = ax.get_ylim()
    assert low < 0 < high
    assert ax.get_xlim()[0] < 5 < ax.get_xlim()[1]
    _, given = plt.subplots()
    assert sequence_logo(np.abs(SCORES), ax=given, order="alpha") is given


@pytest.mark.parametrize(
    ("alphabet", "scheme"),
    [
        ("ACGT", None),
        ("ACGU", None),
        ("ACDEFGHIKLMNPQRSTVWY", None),
        ("XYZ", None),
        ("ACGT", ["red", "blue", "orange", "green"]),
        ("ACGT", {"A": "red", "C": "blue", "G": "orange", "T": "green"}),
        ("ACGT", "grays"),
    ],
)
def test_sequence_logo_alphabets_and_colours(alphabet, scheme):
    ax = sequence_logo(RNG.random((4, len(alphabet))), alphabet=alphabet, color_scheme=scheme)
    assert len(ax.patches) == 4 * len(alphabet)  # one glyph per letter and position


def test_sequence_logo_errors():
    with pytest.raises(ValueError, match="order must be one of"):
        sequence_logo(SCORES, order="random")
    with pytest.raises(ValueError, match="2 colours for the 4 letters"):
        sequence_logo(SCORES, color_scheme=["red", "blue"])
    with pytest.raises(ValueError, match="no colour for letters \\['T'\\]"):
        sequence_logo(SCORES, color_scheme={"A": "red", "C": "blue", "G": "orange"})
    with pytest.raises(ValueError, match="non-finite"):
        sequence_logo(np.full((3, 4), np.nan))


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".svg", b"<?xml")]
)
def test_save_figure_formats(tmp_path, suffix, magic):
    ax = heatmap(SCORES, SEQUENCE)
    path = save_figure(ax, tmp_path / "sub" / f"ism{suffix}")
    assert path.read_bytes().startswith(magic)
    assert save_figure(ax.figure, tmp_path / f"fig{suffix}").is_file()


def test_save_figure_errors(tmp_path):
    ax = sequence_logo(SCORES)
    with pytest.raises(ValueError, match="use one of the suffixes"):
        save_figure(ax, tmp_path / "logo.jpg")
    with pytest.raises(TypeError, match="expected a matplotlib Axes or Figure"):
        save_figure("not a figure", tmp_path / "logo.png")
