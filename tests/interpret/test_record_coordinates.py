"""ISM of records not of the model length: the crop is stated; plots in record positions."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from selene.interpret import ISMResult, heatmap, sequence_logo
from selene.predict import AnalyzeSequences, in_silico_mutagenesis
from selene.predict.codes import fit_length, window_offset
from selene.utils.warnings import SeleneWarning

LENGTH = 20
FEATURES = ["f0", "f1"]
_RNG = np.random.default_rng(7)
LONG = "".join(_RNG.choice(list("ACGT"), 51))  # 31 letters more: 15 cropped left, 16 right
SHORT = "".join(_RNG.choice(list("ACGT"), 13))  # 7 letters fewer: 3 N left, 4 right
EXACT = "".join(_RNG.choice(list("ACGT"), LENGTH))


class _Conv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.sequence_length = LENGTH
        self.conv = nn.Conv1d(4, len(FEATURES), kernel_size=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).mean(dim=2)


@pytest.fixture(scope="module")
def analysis() -> AnalyzeSequences:
    return AnalyzeSequences(_Conv().eval(), None, LENGTH, FEATURES, show_progress=False)


@pytest.mark.parametrize("record_length", [1, 13, 19, 20, 21, 51, 52])
def test_window_offset_maps_window_positions_to_record_positions(record_length) -> None:
    record = "".join(_RNG.choice(list("ACGT"), record_length))
    window, offset = fit_length(record, LENGTH), window_offset(record_length, LENGTH)
    inside = [p for p in range(LENGTH) if 0 <= p + offset < record_length]
    assert [window[p] for p in inside] == [record[p + offset] for p in inside]
    assert set(window[p] for p in range(LENGTH) if p not in inside) <= {"N"}
    assert len(inside) == min(record_length, LENGTH)


def test_ism_from_file_states_each_records_crop(analysis, tmp_path) -> None:
    fasta = tmp_path / "records.fa"
    fasta.write_text(f">long\n{LONG}\n>short\n{SHORT}\n>exact\n{EXACT}\n")
    with pytest.warns(SeleneWarning) as record:
        analysis.in_silico_mutagenesis_from_file(str(fasta), ["diffs"], str(tmp_path / "out"))
    messages = [str(w.message) for w in record if "ISM positions" in str(w.message)]
    assert len(messages) == 2  # the exact-length record fits as it is
    assert messages[0] == (
        f"record 'long' of {fasta} has 51 letters, cropped to the model's 20-letter window, "
        "its centre: record positions [15, 35) (0-based, end excluded) were scored; ISM "
        "positions index the window: window position p is record position p + 15 (plot in "
        "record coordinates with ISMResult.from_file(..., offset=15))"
    )
    assert re.search(
        r"record 'short' .* has 13 letters, shorter than the model's 20-letter window: centred "
        r"in it with 3 unknown letters before it and 4 after; .* record position p - 3 .*"
        r"offset=-3\)\)$",
        messages[1],
    )
    assert all(w.filename == __file__ for w in record if "ISM positions" in str(w.message))

    long = ISMResult.from_file(tmp_path / "out" / "long_diffs.tsv", offset=15)
    assert (long.start, long.positions.max()) == (15, 34)
    assert long.reference_sequence == LONG[15:35]
    assert all(LONG[p] == ref for p, ref in zip(long.positions, long.refs, strict=True))
    short = ISMResult.from_file(tmp_path / "out" / "short_diffs.tsv", offset=-3)
    assert short.start == -3 and short.reference_sequence == "NNN" + SHORT + "NNNN"


def test_single_sequence_ism_states_the_crop(analysis, tmp_path) -> None:
    with pytest.warns(SeleneWarning, match=r"record positions \[15, 35\)") as record:
        analysis.in_silico_mutagenesis(LONG, ["diffs"], str(tmp_path / "one"))
    assert record[0].filename == __file__
    with pytest.warns(SeleneWarning, match=r"the sequence has 51 letters, cropped") as record:
        scores = in_silico_mutagenesis(analysis.model, LONG, device="cpu")
    assert record[0].filename == __file__
    result = ISMResult.from_scores(scores, FEATURES, offset=window_offset(len(LONG), LENGTH))
    assert result.reference_sequence == LONG[15:35] and result.start == 15
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a sequence of the model's length is not fitted
        analysis.in_silico_mutagenesis(EXACT, ["diffs"], str(tmp_path / "exact"))


def _tick_values(ax) -> list[float]:
    ax.figure.canvas.draw()
    lo, hi = ax.get_xlim()
    return [float(t.get_text().replace("\N{MINUS SIGN}", "-"))
            for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True)
            if lo <= x <= hi and t.get_text()]  # fmt: skip


def test_plots_label_positions_in_record_coordinates() -> None:
    offset = 1_000_000  # e.g. a record that starts at chr1:1,000,000
    positions = np.repeat(np.arange(LENGTH), 3)
    reference = fit_length(LONG, LENGTH)
    refs = [reference[p] for p in positions]
    alts = [b for p in range(LENGTH) for b in "ACGT" if b != reference[p]]
    values = np.linspace(-1, 1, len(positions) * 2).reshape(-1, 2)
    ism = ISMResult(positions, refs, alts, values, FEATURES, offset=offset)
    assert ism.start == offset and ism.positions.max() == offset + LENGTH - 1
    ax = heatmap(ism.score_matrix("f0"), ism.reference_sequence, start=ism.start)
    ticks = _tick_values(ax)
    assert ticks and all(offset <= t < offset + LENGTH and t == int(t) for t in ticks)
    assert ax.get_xlim() == pytest.approx((offset - 0.5, offset + LENGTH - 0.5))
    assert ax.xaxis.get_offset_text().get_text() == ""  # not "+1e6" in the corner
    ax = sequence_logo(ism.score_matrix("f1"), start=ism.start)
    ticks = _tick_values(ax)
    assert ticks and all(offset - 1 <= t <= offset + LENGTH and t == int(t) for t in ticks)
    assert ax.xaxis.get_offset_text().get_text() == ""
    with pytest.raises(TypeError, match="offset must be an int"):
        ISMResult(positions, refs, alts, values, FEATURES, offset=1.5)
