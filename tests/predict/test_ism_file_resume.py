"""ISM of a multi-record FASTA: a rerun after an interruption skips the finished records."""

from __future__ import annotations

import pytest


def test_rerun_skips_finished_records(analysis, tmp_path, monkeypatch) -> None:
    fa = tmp_path / "two.fa"
    fa.write_text(">one\n" + "ACGT" * 50 + "\n>two\n" + "GATC" * 50 + "\n")
    args = (str(fa), ["diffs", "predictions"])
    kwargs = {"start_position": 0, "end_position": 3}
    analysis.in_silico_mutagenesis_from_file(*args, str(tmp_path / "full"), **kwargs)

    runner, real, calls = analysis._runner, analysis._runner.mutants, []

    def dying(*a, **k):
        calls.append(1)
        if len(calls) == 2:  # record "one" done in one batch; "two" interrupted
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(runner, "mutants", dying)
    cut = tmp_path / "cut"
    with pytest.raises(KeyboardInterrupt):
        analysis.in_silico_mutagenesis_from_file(*args, str(cut), **kwargs)
    assert (cut / "two_ism.inprogress").read_text().splitlines()[1:] == ["one"]
    calls.clear()
    analysis.in_silico_mutagenesis_from_file(*args, str(cut), **kwargs)
    assert len(calls) == 1  # only record "two" was scored again
    names = sorted(p.name for p in (tmp_path / "full").iterdir())
    assert names == sorted(p.name for p in cut.iterdir())  # markers gone
    for name in names:
        assert (cut / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
