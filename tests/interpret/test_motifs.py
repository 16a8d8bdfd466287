"""motifs(): TF-MoDISco on attributions with planted motifs, TOMTOM, files, and every check.

The attributions here are made, not computed: random sequences carry two known motifs, and the
hypothetical contribution of each motif base is 1 (plus noise), so the patterns MoDISco must find
are known without a model (test_motifs_demo.py does the same on a trained model).
"""

from __future__ import annotations

import socket
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

from selene.interpret import (
    DeepLiftShapResult,
    MotifResult,
    consensus_ppm,
    jaspar_motifs,
    motifs,
    read_meme,
    write_meme,
)
from selene.interpret._motif_inputs import average_folds
from selene.interpret.motif_db import (
    MotifDatabase,
    _jaspar,
    load_motif_database,
    require,
    tomtom_matches,
)
from selene.utils.warnings import SeleneWarning

PLANTED = {"m0 MOTIF0": "TACTGAATCGGT", "m1 MOTIF1": "CTCCGGGTCA"}
N, LENGTH = 120, 120


def _planted(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two copies of one of the motifs per sequence; hypothetical 1 at each motif base.

    The copies' spacing varies, else MoDISco rightly finds the pair as one pattern.
    """
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, (N, LENGTH))
    hyp = rng.normal(0, 0.02, (N, 4, LENGTH)).astype(np.float32)
    consensuses = list(PLANTED.values())
    for i in range(N):
        site = np.array(["ACGT".index(c) for c in consensuses[i % 2]])
        for start in (rng.integers(5, 45), rng.integers(65, LENGTH - 15)):  # spacing varies
            codes[i, start : start + len(site)] = site
            hyp[i, site, np.arange(start, start + len(site))] += 1.0
    return hyp, np.eye(4, dtype=np.float32)[codes].transpose(0, 2, 1)


@pytest.fixture(scope="module")
def planted_meme(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("meme") / "planted.meme"
    return write_meme(path, {key: consensus_ppm(c) for key, c in PLANTED.items()})


@pytest.fixture(scope="module")
def result(planted_meme) -> MotifResult:
    hyp, one_hot = _planted()
    return motifs(hyp, one_hot, databases=[planted_meme, "jaspar"], window=None, tomtom_top=3)


def test_motifs_recovers_both_planted_motifs_with_tiny_q(result: MotifResult) -> None:
    table = result.table
    positive = table[table["sign"] == 1]
    assert set(positive["target_id"]) == {"m0", "m1"}
    assert (positive["q_value"] < 1e-3).all(), positive[["pattern", "target_id", "q_value"]]
    assert (positive["database"] == "planted.meme").all()
    for row in positive.itertuples():
        consensus = PLANTED[f"{row.target_id} MOTIF{row.target_id[1]}"]
        assert row.consensus in consensus or _revcomp(row.consensus) in consensus
    pattern = result.patterns[0]
    width = pattern.cwm.shape[1]
    assert pattern.ppm.shape == pattern.hcwm.shape == (4, width)
    assert pattern.n_seqlets == len(pattern.seqlets)
    assert pattern.seqlets["example_idx"].between(0, N - 1).all()


def _revcomp(sequence: str) -> str:
    return sequence[::-1].translate(str.maketrans("ACGT", "TGCA"))


def test_matches_keep_the_top_targets_per_pattern(result: MotifResult) -> None:
    matches = result.matches
    assert len(matches) == 3 * len(result.patterns)
    for _, group in matches.groupby("pattern"):
        assert group["rank"].tolist() == [1, 2, 3]
        assert group["p_value"].is_monotonic_increasing
        assert (group["q_value"] >= group["p_value"]).all()
    assert set(matches["orientation"]) <= {"+", "-"}
    assert set(matches["database"]) <= {"planted.meme", "JASPAR2024"}


def test_report_writes_table_logos_and_html(result: MotifResult, tmp_path) -> None:
    page = result.write_report(tmp_path / "report")
    assert page.name == "motifs.html"
    logos = sorted((tmp_path / "report" / "logos").glob("*.png"))
    assert len(logos) == len(result.patterns)
    assert all(logo.stat().st_size > 1000 for logo in logos)
    text = page.read_text()
    assert all(f"logos/{logo.name}" in text for logo in logos)
    table = pd.read_csv(tmp_path / "report" / "motifs.tsv", sep="\t")
    assert table["pattern"].tolist() == [p.name for p in result.patterns]
    matches = pd.read_csv(tmp_path / "report" / "matches.tsv", sep="\t")
    assert len(matches) == len(result.matches)


def test_save_load_round_trip_in_modisco_layout(result: MotifResult, tmp_path) -> None:
    path = result.save(tmp_path / "modisco_results.h5")
    with h5py.File(path) as f:  # what `modisco report` reads
        group = f["pos_patterns/pattern_0"]
        assert group["contrib_scores"].shape == result.patterns[0].cwm.T.shape
        assert group["seqlets/n_seqlets"][0] == result.patterns[0].n_seqlets
    from modiscolite.io import write_meme_from_h5  # `modisco meme`
    from modiscolite.util import MemeDataType

    write_meme_from_h5(path, MemeDataType.PFM, tmp_path / "patterns.meme", True)
    pfms = read_meme(tmp_path / "patterns.meme")
    assert list(pfms) == [p.name for p in result.patterns]
    np.testing.assert_allclose(pfms[result.patterns[0].name], result.patterns[0].ppm, atol=1e-5)
    loaded = MotifResult.load(path)
    pd.testing.assert_frame_equal(loaded.matches, result.matches)
    pd.testing.assert_frame_equal(loaded.table, result.table)
    assert loaded.window == result.window == LENGTH
    for a, b in zip(loaded.patterns, result.patterns, strict=True):
        assert (a.name, a.sign, a.n_seqlets, a.trim) == (b.name, b.sign, b.n_seqlets, b.trim)
        np.testing.assert_array_equal(a.cwm, b.cwm)
        pd.testing.assert_frame_equal(a.seqlets, b.seqlets)
    assert loaded.targets.keys() == result.targets.keys()


def test_load_reads_a_file_without_matches(result: MotifResult, tmp_path) -> None:
    path = result.save(tmp_path / "r.h5")
    with h5py.File(path, "a") as f:
        del f["selene"]  # as `modisco motifs` writes it
    loaded = MotifResult.load(path)
    assert [p.trim for p in loaded.patterns] == [p.trim for p in result.patterns]
    assert loaded.matches.empty and list(loaded.matches.columns) == list(result.matches.columns)


def test_load_refuses_missing_or_foreign_files(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MotifResult.load(tmp_path / "none.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = [1]
    with pytest.raises(ValueError, match="not a TF-MoDISco result"):
        MotifResult.load(tmp_path / "other.h5")


def test_folds_are_averaged() -> None:
    hyp, _ = _planted()
    noise = np.random.default_rng(1).normal(0, 0.1, hyp.shape).astype(np.float32)
    folds = [hyp + noise, hyp - noise]
    np.testing.assert_allclose(average_folds(folds, "h"), hyp, atol=1e-6)
    results = [DeepLiftShapResult(f, 2 * f, np.zeros(N), np.zeros(N)) for f in folds]
    hypothetical = average_folds(results, "hypothetical")
    np.testing.assert_array_equal(hypothetical, average_folds(folds, "h"))
    np.testing.assert_array_equal(
        average_folds(results, "contributions"), average_folds([2 * f for f in folds], "c")
    )
    np.testing.assert_array_equal(average_folds(hyp, "h"), hyp)


def test_contributions_replace_the_hypothetical_at_the_bases(planted_meme) -> None:
    hyp, one_hot = _planted()
    contributions = hyp * one_hot
    with pytest.warns(SeleneWarning, match="2 target motifs"):
        same = motifs(hyp, one_hot, contributions, databases=[planted_meme], window=None)
    with pytest.warns(SeleneWarning, match="2 target motifs"):
        plain = motifs(hyp, one_hot, databases=[planted_meme], window=None)
    for a, b in zip(same.patterns, plain.patterns, strict=True):
        np.testing.assert_allclose(a.cwm, b.cwm, atol=1e-6)


def test_too_few_seqlets_warn_and_give_an_empty_result(planted_meme) -> None:
    hyp, one_hot = _planted()
    with pytest.warns(SeleneWarning, match="found no pattern"):
        empty = motifs(hyp[:4], one_hot[:4], databases=[planted_meme])
    assert empty.patterns == [] and empty.matches.empty and empty.table.empty


def test_jaspar_loads_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    _jaspar.cache_clear()  # read it again, now without a network
    found = jaspar_motifs("CORE", "vertebrates", "JASPAR2024")
    assert len(found) > 500
    assert any(key.endswith(" CTCF") for key in found)
    for ppm in found.values():
        assert ppm.shape[0] == 4
        np.testing.assert_allclose(ppm.sum(axis=0), 1, atol=1e-9)


def test_tomtom_finds_a_motif_against_itself_and_not_a_shuffle() -> None:
    database = load_motif_database(["jaspar"])
    planted = consensus_ppm("TACTGAATCGGTAC")
    database.add("planted", {"p0 planted": planted})
    shuffled = planted[:, np.random.default_rng(3).permutation(planted.shape[1])]
    matches = tomtom_matches({"self": planted, "shuffled": shuffled}, database, top=len(database))
    self_match = matches[(matches["pattern"] == "self") & (matches["target_id"] == "p0")]
    assert self_match["rank"].item() == 1 and self_match["q_value"].item() < 1e-6
    assert self_match["offset"].item() == 0 and self_match["orientation"].item() == "+"
    other = matches[(matches["pattern"] == "shuffled") & (matches["target_id"] == "p0")]
    assert other["q_value"].item() > 0.05


def test_meme_round_trip(tmp_path) -> None:
    ppms = {"a one": consensus_ppm("ACGTTGCA"), "b": consensus_ppm("GGGCCAT", 0.05)}
    read = read_meme(write_meme(tmp_path / "m.meme", ppms))
    assert list(read) == list(ppms)
    for key, ppm in ppms.items():
        np.testing.assert_allclose(read[key], ppm, atol=1e-9)
    database = MotifDatabase()
    database.add("m.meme", read)
    assert database.ids == ["a", "b"] and database.names == ["one", "b"]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda h, s: (h.transpose(0, 2, 1), s), r"\(N, L, 4\): pass hypothetical.transpose"),
        (lambda h, s: (h[:, :3], s), "axis 1 must hold the 4 bases"),
        (lambda h, s: (h[0], s), r"shape \(N, 4, L\); got \(4, 120\)"),
        (lambda h, s: (h[:0], s[:0]), "hypothetical is empty"),
        (lambda h, s: (np.where(h == h.max(), np.nan, h), s), "NaN or infinite values"),
        (lambda h, s: ([h, h[:, :, :100]], s), r"hypothetical\[1\] has shape .* differ on axis 2"),
        (lambda h, s: ([], s), "hypothetical is an empty list"),
        (lambda h, s: (h, s[:10]), r"sequences has shape \(10, 4, 120\) but hypothetical"),
        (lambda h, s: (h, s * 2), "sequences must be one-hot"),
    ],
)
def test_motifs_refuses_bad_arrays(change, match, planted_meme) -> None:
    hyp, one_hot = _planted()
    hyp, one_hot = change(hyp, one_hot)
    with pytest.raises(ValueError, match=match):
        motifs(hyp, one_hot, databases=[planted_meme])


def test_motifs_refuses_bad_options(planted_meme) -> None:
    hyp, one_hot = _planted()
    with pytest.raises(ValueError, match=r"contributions has shape \(120, 4, 100\)"):
        motifs(hyp, one_hot, hyp[:, :, :100], databases=[planted_meme])
    with pytest.raises(TypeError, match="not TFMoDISco options"):
        motifs(hyp, one_hot, databases=[planted_meme], sliding_window=20)
    with pytest.raises(ValueError, match="window must be a positive number"):
        motifs(hyp, one_hot, databases=[planted_meme], window=0)
    with pytest.raises(ValueError, match="tomtom_top must be at least 1"):
        motifs(hyp, one_hot, databases=[planted_meme], tomtom_top=0)
    with pytest.raises(ValueError, match="tomtom_top must be at least 1"):
        tomtom_matches({"q": consensus_ppm("ACGTAC")}, MotifDatabase(), top=0)


def test_databases_are_checked(tmp_path) -> None:
    with pytest.raises(ValueError, match="databases is empty"):
        load_motif_database([])
    with pytest.raises(FileNotFoundError, match="none.meme does not exist"):
        load_motif_database([tmp_path / "none.meme"])
    bad = tmp_path / "bad.meme"
    bad.write_text("MOTIF x\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 x 0\n")
    with pytest.raises(ValueError, match="bad.meme is not a MEME motif file"):
        read_meme(bad)
    empty = tmp_path / "empty.meme"
    empty.write_text("MEME version 4\n")
    with pytest.raises(ValueError, match="empty.meme holds no MOTIF"):
        read_meme(empty)
    counts = tmp_path / "counts.meme"
    counts.write_text("MOTIF c\nletter-probability matrix: alength= 4 w= 1\n10 2 3 4\n")
    with pytest.raises(ValueError, match="counts.meme: motif 'c' is not a probability matrix"):
        read_meme(counts)
    with pytest.raises(ValueError, match=r"must be a \(4, W\) matrix"):
        write_meme(tmp_path / "w.meme", {"x": np.ones((5, 3)) / 5})
    with pytest.raises(ValueError, match="jaspar_release 'JASPAR1999' is not bundled"):
        jaspar_motifs(release="JASPAR1999")
    with pytest.raises(ValueError, match="has no motif in collection 'NONE'"):
        jaspar_motifs(collection="NONE")
    with pytest.raises(ValueError, match="consensus must be a non-empty string over ACGT"):
        consensus_ppm("ACGU")


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImportError, match=r"pip install 'selene\[motifs\]'"):
        require("selene_no_such_package")
    for module in ("modiscolite", "modiscolite.tfmodisco"):
        monkeypatch.setitem(sys.modules, module, None)  # as if modisco-lite were not installed
    hyp, one_hot = _planted()
    with pytest.raises(ImportError, match=r"needs modisco-lite .*pip install 'selene\[motifs\]'"):
        motifs(hyp, one_hot)
