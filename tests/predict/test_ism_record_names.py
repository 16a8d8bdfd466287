"""ISM from a FASTA file: each record's files stay in output_dir, unique; empty records refused."""

from __future__ import annotations

import pytest

from selene.predict._names import file_stems

ACGT = "ACGT" * 50


def test_file_stems_are_plain_and_unique(tmp_path) -> None:
    (tmp_path / "taken").mkdir()
    names = ["a", "a", "A", "../x", "..", "", "a b/c", "a_2", "taken", "q_ref", "q"]
    assert file_stems(names, tmp_path) == [
        "a", "a_2", "A_3", "_x", "4", "5", "a_b_c", "a_2_2", "taken_2", "q_ref", "q_2",
    ]  # fmt: skip


def test_duplicate_and_path_like_names_do_not_overwrite_or_escape(analysis, tmp_path) -> None:
    fa = tmp_path / "dup.fa"
    fa.write_text(f">a\n{ACGT}\n>a\n{'T' * 200}\n>../x\n{ACGT}\n")
    out = tmp_path / "out"
    message = r"dup.fa: 2 records are written under other names .*record 2 'a' as 'a_2'; "
    with pytest.warns(UserWarning, match=message + r"record 3 '../x' as '_x'"):
        analysis.in_silico_mutagenesis_from_file(
            str(fa), ["diffs"], str(out), start_position=0, end_position=2
        )
    assert sorted(p.name for p in out.iterdir()) == [
        "_x_diffs.tsv",
        "a_2_diffs.tsv",
        "a_diffs.tsv",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dup.fa", "out"]  # nothing escaped
    first, second = ((out / f"{s}_diffs.tsv").read_text() for s in ("a", "a_2"))
    assert first.splitlines()[1].split("\t")[:3] == ["0", "A", "C"]
    assert second.splitlines()[1].split("\t")[:3] == ["0", "T", "A"]


def test_ism_of_an_empty_sequence_is_refused(analysis, tmp_path) -> None:
    fa = tmp_path / "empty.fa"
    fa.write_text(f">ok\n{ACGT}\n>e\n\n")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"empty.fa record 2 \('e'\): the sequence is empty"):
        analysis.in_silico_mutagenesis_from_file(str(fa), ["diffs"], str(out), end_position=2)
    assert not out.exists()  # refused before any record was scored
    with pytest.raises(ValueError, match="in_silico_mutagenesis: the sequence is empty"):
        analysis.in_silico_mutagenesis("", ["diffs"], str(tmp_path / "x"), end_position=2)
    assert not list(tmp_path.glob("x_*"))


def test_fasta_prediction_names_empty_records(analysis, tmp_path) -> None:
    fa = tmp_path / "some_empty.fa"
    fa.write_text(f">a\n{ACGT}\n>hollow\n>b\n{ACGT}\n")
    with pytest.warns(UserWarning, match=r"1 empty record\(s\), e.g. \['hollow'\]: .*all-'N'"):
        analysis.get_predictions_for_fasta_file(str(fa), str(tmp_path / "out"))
    rows = (tmp_path / "out" / "some_empty_predictions.tsv").read_text().splitlines()
    assert [r.split("\t")[1] for r in rows[1:]] == ["a", "hollow", "b"]  # rows stay aligned
