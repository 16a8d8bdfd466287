"""Structural variants: each type's windows built by hand, base by base; too large -> .NA."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from _tolerances import PROB
from selene.io.vcf import SvInfo, read_sv_info, read_vcf
from selene.predict.alleles import Placer
from selene.predict.unscored import Unscored
from selene.sequences import Genome

LENGTH = 40  # Selene's centring: start_radius = end_radius = 20
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def revcomp(seq: str) -> str:
    return seq.translate(COMPLEMENT)[::-1]


@pytest.fixture(scope="module")
def chr1(tmp_path_factory: pytest.TempPathFactory) -> tuple[Genome, str]:
    """A 300 bp chromosome of random bases and its letters."""
    seq = "".join(np.random.default_rng(13).choice(list("ACGT"), 300))
    path = tmp_path_factory.mktemp("sv") / "ref.fa"
    path.write_text(f">chr1\n{seq}\n")
    return Genome(path), seq


def place(genome: Genome, tmp_path: Path, rows: list[str]) -> tuple[list, Unscored]:
    """Place ``rows`` with a 40 bp window; return (ref, alt) windows as letters, and the NA."""
    vcf = tmp_path / "sv.vcf"
    vcf.write_text(HEADER + "".join(r + "\n" for r in rows))
    na = Unscored(io.StringIO(), vcf)
    placer = Placer(genome, LENGTH, na, io.StringIO(), False, False)
    windows = []
    for rec in placer.records(read_vcf(vcf)):
        ref = "".join("ACGTN"[c] for c in rec.ref)
        for (at, codes), full in zip(rec.local, rec.full, strict=True):
            if full is None:  # same length as REF: placed in the reference window
                full = rec.ref.copy()
                full[at : at + len(codes)] = codes
            windows.append((ref, "".join("ACGTN"[c] for c in full)))
    return windows, na


def sv_row(alt: str, info: str, ref: str, pos: int = 101) -> str:
    return f"chr1\t{pos}\tsv\t{ref}\t{alt}\t.\tPASS\t{info}"


def test_deletion_pulls_the_flanks_in(chr1, tmp_path) -> None:
    """<DEL> at POS 101, END 110: 0-based anchor 100, deleted seq[101:110] (9 bp).

    REF allele seq[100:110] (10 bp): Selene's window centre 101 + 10 // 2 = 106 (1-based), so
    the reference window is seq[86:126]. The alternative window starts 10 // 2 - 1 // 2 = 5
    earlier, at 81: the 20 bases up to and including the anchor, then the 20 after the deletion.
    """
    genome, seq = chr1
    [(ref, alt)], _ = place(genome, tmp_path, [sv_row("<DEL>", "SVTYPE=DEL;END=110", seq[100])])
    assert ref == seq[86:126]
    assert alt == seq[81:101] + seq[110:130]
    # SVLEN instead of END, and the same deletion written out: the same windows.
    by_svlen, _ = place(genome, tmp_path, [sv_row("<DEL>", "SVLEN=-9", seq[100])])
    written, _ = place(genome, tmp_path, [sv_row(seq[100], ".", seq[100:110])])
    assert by_svlen == written == [(ref, alt)]


def test_tandem_duplication_pushes_the_flanks_out(chr1, tmp_path) -> None:
    """<DUP> POS 101, END 110: the segment seq[101:110] follows itself.

    Haplotype: seq[:110] + seq[101:110] + seq[110:]. REF allele seq[100:110], ALT allele
    seq[100:110] + seq[101:110] (19 bp): the alternative window starts (19 - 10) // 2 = 4
    after the reference window's start 86, at 90.
    """
    genome, seq = chr1
    [(ref, alt)], _ = place(genome, tmp_path, [sv_row("<DUP:TANDEM>", "END=110", seq[100])])
    haplotype = seq[:110] + seq[101:110] + seq[110:]
    assert ref == seq[86:126]
    assert alt == haplotype[90:130] == seq[90:110] + seq[101:110] + seq[110:121]
    written, _ = place(genome, tmp_path, [sv_row(seq[100:110] + seq[101:110], ".", seq[100:110])])
    assert written == [(ref, alt)]  # sequence-resolved: the same windows


def test_inversion_is_reverse_complemented_in_place(chr1, tmp_path) -> None:
    genome, seq = chr1
    [(ref, alt)], _ = place(genome, tmp_path, [sv_row("<INV>", "SVTYPE=INV;END=110", seq[100])])
    assert ref == seq[86:126]
    assert alt == seq[86:101] + revcomp(seq[101:110]) + seq[110:126]
    assert len(alt) == LENGTH
    row = sv_row(seq[100] + revcomp(seq[101:110]), ".", seq[100:110])
    assert place(genome, tmp_path, [row])[0] == [(ref, alt)]  # sequence-resolved


def test_insertion_takes_its_sequence_from_svinsseq(chr1, tmp_path) -> None:
    """<INS> after POS 101 (0-based 100) of GGGGGAAAAA: REF window seq[81:121]; the alternative
    window starts (11 - 1) // 2 = 5 later in the haplotype seq[:101] + inserted + seq[101:]."""
    genome, seq = chr1
    inserted = "GGGGGAAAAA"
    rows = [sv_row("<INS>", f"SVTYPE=INS;SVINSSEQ={inserted}", seq[100])]
    [(ref, alt)], _ = place(genome, tmp_path, rows)
    assert ref == seq[81:121]
    assert alt == (seq[:101] + inserted + seq[101:])[86:126]
    assert alt == seq[86:101] + inserted + seq[101:116]


def test_unscorable_svs_go_to_na_with_their_reasons(chr1, tmp_path) -> None:
    genome, seq = chr1
    rows = [
        sv_row("<DUP>", "END=121", seq[100]),  # 20 bp + its copy + anchor = 41 > 40
        sv_row("<DEL>", "END=141", seq[100]),  # 40 bp
        sv_row("<INS>", "SVLEN=10", seq[100]),
        sv_row("<CNV>", "END=110", seq[100]),
        sv_row("<DEL>", ".", seq[100]),
        sv_row("<INV>", "END=310", seq[289], pos=290),
        sv_row("C,<DEL>", "END=200", seq[100]),  # the SNV is scored
    ]
    windows, na = place(genome, tmp_path, rows)
    assert len(windows) == 1 and windows[0][1][19] == "C"
    summary = na.summary()
    for reason in [
        "<DUP> of 20 bp (with its copy) does not fit the 40 bp window (line 3)",
        "<DEL> of 40 bp does not fit the 40 bp window (line 4)",
        "<INS> without its inserted sequence (no SVINSSEQ in INFO) (line 5)",
        "symbolic ALT <CNV> is not scored (only DEL, DUP, INV, INS) (line 6)",
        "<DEL> without END or SVLEN in INFO (line 7)",
        "END past the end of its chromosome (line 8)",
        "<DEL> of 99 bp does not fit the 40 bp window (the other ALTs are scored) (line 9)",
    ]:
        assert reason in summary
    assert na.count == 7


def test_largest_svs_that_fit_are_scored(chr1, tmp_path) -> None:
    genome, seq = chr1
    rows = [sv_row("<DUP>", "END=120", seq[100]), sv_row("<DEL>", "END=139", seq[100])]
    windows, na = place(genome, tmp_path, rows + [sv_row("<DEL>", "END=140", seq[100])])
    # An even window holds an allele of at most 39 bases where Selene centres it (offset 0).
    assert na.summary() == "sv.vcf: <DEL> of 39 bp does not fit the 40 bp window (line 5)"
    # DUP of 19 bp: REF allele seq[100:120], window centre 101 + 10 -> seq[91:131]; the alt
    # allele is 39 bp, so the alternative window starts (39 - 20) // 2 = 9 later, at 100.
    assert windows[0] == (seq[91:131], (seq[:120] + seq[101:120] + seq[120:])[100:140])
    # DEL of 38 bp: REF allele seq[100:139], centre 101 + 19 -> seq[100:140]; the alt starts
    # 39 // 2 = 19 earlier, at 81: the 20 bases up to the anchor, the 20 after the deletion.
    assert windows[1] == (seq[100:140], seq[81:101] + seq[139:159])


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ("END=abc", r"sv\.vcf line 3: INFO END='abc' is not an integer >= POS \(101\)"),
        ("END=50", r"sv\.vcf line 3: INFO END='50' is not an integer >= POS"),
        ("SVLEN=-9;END=110,", r"sv\.vcf line 3: INFO END='110,'"),
        ("SVLEN=ten", r"sv\.vcf line 3: INFO SVLEN='ten' is not a list of integers"),
        ("SVINSSEQ=ACXT", r"sv\.vcf line 3: INFO SVINSSEQ='ACXT' has letters other than"),
    ],
)
def test_bad_info_names_file_and_line(chr1, tmp_path, info: str, message: str) -> None:
    genome, seq = chr1
    with pytest.raises(ValueError, match=message):
        place(genome, tmp_path, [sv_row("<DEL>", info, seq[100])])


def test_read_sv_info_keys(tmp_path) -> None:
    vcf = tmp_path / "x.vcf"
    vcf.write_text(HEADER + "chr1\t5\t.\tA\t<DEL>,<DEL>\t.\t.\tIMPRECISE;SVTYPE=DEL;SVLEN=-3,-4\n")
    assert read_sv_info(next(read_vcf(vcf))) == SvInfo("DEL", None, (-3, -4), None)
    vcf.write_text(HEADER + "chr1\t5\t.\tA\t<DEL>\n")
    assert read_sv_info(next(read_vcf(vcf))) == SvInfo()


def test_svs_are_scored_end_to_end_and_too_large_ones_go_to_na(analysis, tmp_path) -> None:
    """DeepSEA(200, 4): each SV's alt predictions equal the model on its hand-built window."""
    genome = analysis.reference_sequence
    seq = genome.get_sequence_from_coords("chr1", 0, 2000).upper()
    rows = [
        sv_row("<DEL>", "END=1060", seq[999], pos=1000),  # 60 bp after the anchor 999
        sv_row("<INV>", "END=1530", seq[1499], pos=1500),
        sv_row("<DUP>", "END=6000", seq[999], pos=1000),
    ]
    vcf = tmp_path / "svs.vcf"
    vcf.write_text(HEADER + "".join(r + "\n" for r in rows))
    with pytest.warns(UserWarning, match="<DUP> of 5,000 bp"):
        analysis.variant_effect_prediction(str(vcf), ["predictions"], str(tmp_path))
    assert (tmp_path / "svs.NA").read_text().splitlines() == rows[2:]
    lines = (tmp_path / "svs.alt_predictions.tsv").read_text().splitlines()[1:]
    # DEL: REF allele seq[999:1060] (61 bp), window centre 1000 + 30 = 1030 (1-based): the
    # ref window is seq[930:1130]; the alt starts 61 // 2 - 0 = 30 earlier, at 900.
    # INV: REF allele seq[1499:1530] (31 bp), centre 1515: window seq[1415:1615].
    expected = [
        seq[900:1000] + seq[1060:1160],
        seq[1415:1500] + revcomp(seq[1500:1530]) + seq[1530:1615],
    ]
    assert len(lines) == 2
    for line, window in zip(lines, expected, strict=True):
        row = line.split("\t")
        assert row[4] in ("<DEL>", "<INV>") and len(window) == 200
        want = analysis.get_predictions(window)[0]
        np.testing.assert_allclose(np.array(row[8:], dtype=np.float32), want, **PROB)


def test_minus_strand_and_ref_mismatch(chr1, tmp_path) -> None:
    """A minus-strand <INV> gives both windows reverse-complemented; a wrong anchor base sends
    the record (its SNV and its SV) once to the mismatches file."""
    genome, seq = chr1
    vcf = tmp_path / "strand.vcf"
    wrong = "A" if seq[100] != "A" else "C"
    rows = [
        sv_row("<INV>", "END=110", seq[100]) + "\t-",
        sv_row("G,<DEL>", "END=105", wrong) + "\t.",
    ]
    vcf.write_text(HEADER + "".join(r + "\n" for r in rows))
    mismatches = io.StringIO()
    placer = Placer(genome, LENGTH, Unscored(io.StringIO(), vcf), mismatches, False, False)
    [placed] = list(placer.records(read_vcf(vcf, strand_index=8)))
    ref = "".join("ACGTN"[c] for c in placed.ref)
    assert ref == revcomp(seq[86:126])
    (at, codes), full = placed.local[0], placed.full[0]
    alt = placed.ref.copy() if full is None else full
    if full is None:
        alt[at : at + len(codes)] = codes
    want = seq[86:101] + revcomp(seq[101:110]) + seq[110:126]
    assert "".join("ACGTN"[c] for c in alt) == revcomp(want)
    assert mismatches.getvalue() == rows[1] + "\n"
    assert placer.counts.ref_mismatches == 1
