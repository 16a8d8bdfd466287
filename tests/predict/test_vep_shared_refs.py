"""Records with the same reference window share one reference in the pass (selene.predict.vep).

Duplicate VCF lines (one POS and REF, other ALTs, as split multi-allelic sites are often
written) are scored against one reference pass, like the ALTs of one record; every row equals
the row its line gets when scored alone.
"""

from __future__ import annotations

import h5py
import numpy as np

from _tolerances import PROB, PROB_DIFF

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n"


def _scores(analysis, lines: list[str], out) -> dict[str, np.ndarray]:
    vcf = out.with_suffix(".vcf")
    vcf.write_text(HEADER + "".join(f"{line}\n" for line in lines))
    analysis.variant_effect_prediction(str(vcf), ["diffs", "predictions"], str(out), "hdf5")
    found = {}
    for kind, name in (("diffs", "_diffs"), ("ref", ".ref_predictions"),
                       ("alt", ".alt_predictions")):  # fmt: skip
        with h5py.File(out / f"{vcf.stem}{name}.h5") as handle:
            found[kind] = handle["data"][()]
    return found


def test_duplicate_lines_share_a_reference(analysis, genome, tmp_path, monkeypatch) -> None:
    seq = genome.get_sequence_from_coords("chr1", 0, 400)
    other = {"A": "C", "C": "G", "G": "T", "T": "A"}
    base = seq[299]
    lines = [
        f"chr1\t300\ta\t{base}\t{other[base]}",
        f"chr1\t300\tb\t{base}\t{other[other[base]]}",  # same window: shares the reference
        f"chr1\t300\tc\t{base}\t{base}T",  # an insertion there (same REF): shares it too
        f"chr1\t250\td\t{seq[249]}\t{other[seq[249]]}",
        f"chr1\t300\te\t{seq[299:301]}\t{other[base]}{other[seq[300]]}",  # REF of 2: another
    ]
    runner, passes = analysis._runner, []
    real = runner.reference

    def counting(codes):
        passes.append(len(codes))
        return real(codes)

    monkeypatch.setattr(runner, "reference", counting)
    together = _scores(analysis, lines, tmp_path / "together")
    assert passes == [3 + 1]  # 3 reference windows and the insertion's alternative window
    for i, line in enumerate(lines):
        alone = _scores(analysis, [line], tmp_path / f"alone{i}")
        for kind, values in alone.items():
            tolerance = PROB_DIFF if kind == "diffs" else PROB
            np.testing.assert_allclose(together[kind][i], values[0], **tolerance)
