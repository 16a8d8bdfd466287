"""``python -m selene.interpret analysis=modisco``: attributions over BED regions, resumable, then
motifs and a report; every refusal names what to fix.

The model is a motif scanner with hand-set weights (a model file): one convolution filter per
planted motif and strand, mean over positions, the two strands summed per feature. Most tests
replace :func:`selene.interpret.motifs` with a recorder (they check the attributions and the
files around it); ``test_real_motifs_end_to_end`` runs the real thing.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

import selene.interpret as interpret
from _tiny_run import one_thread  # noqa: F401  (fixture)
from selene.datasets.synthetic import reverse_complement
from selene.interpret import MotifResult, consensus_ppm, modisco_run, write_meme
from selene.interpret.__main__ import interpret as run_app
from selene.interpret.attribution_file import read_attributions
from selene.interpret.modisco_run import check_motif_inputs, load_models
from selene.interpret.regions import read_regions
from selene.models import SequenceLitModule, file_model
from selene.predict.__main__ import predict
from selene.sequences import Genome
from selene.utils.config import config_dir

pytestmark = pytest.mark.usefixtures("one_thread")
LENGTH, N_REGIONS, BATCH = 200, 20, 8
SCANNER = """
from torch import nn


class MotifScanner(nn.Module):
    def __init__(self, sequence_length, n_targets, width=12):
        super().__init__()
        self.sequence_length, self.n_targets, self.width = sequence_length, n_targets, width
        self.conv = nn.Conv1d(4, 2 * n_targets, width)
        self.relu = nn.ReLU()
        self.pool = nn.AvgPool1d(sequence_length - width + 1)
        self.flatten = nn.Flatten()
        self.head = nn.Linear(2 * n_targets, n_targets)

    def forward(self, x):
        return self.head(self.flatten(self.pool(self.relu(self.conv(x)))))


class NoWindow(nn.Module):
    def __init__(self, n_targets):
        super().__init__()
        self.n_targets = n_targets
        self.head = nn.Linear(4, n_targets)

    def forward(self, x):
        return self.head(x.mean(2))
"""


def _save(net: torch.nn.Module, features: list[str], path: Path) -> Path:
    module = SequenceLitModule(net, features=features)
    torch.save({"state_dict": module.state_dict(), "hyper_parameters": dict(module.hparams)}, path)
    return path


def _scanner(model_file: Path, motifs: list[str], length: int = LENGTH, scale: float = 1.0):
    """Filters +1 on the motif's bases, -1 on the others, bias 9 - width: a copy scores 9, each
    mismatch 2 less (a random 12-mer about -9), so every copy and near-copy contributes."""
    net = file_model(model_file, "MotifScanner", {"sequence_length": length,
                                                  "n_targets": len(motifs)})  # fmt: skip
    with torch.no_grad():
        net.conv.weight.zero_()
        net.head.weight.zero_()
        net.head.bias.fill_(-1.0)
        for f, motif in enumerate(motifs):
            for s, text in enumerate((motif, reverse_complement(motif))):
                codes = ["ACGT".index(b) for b in text]
                one_hot = torch.nn.functional.one_hot(torch.tensor(codes), 4).T.float()
                net.conv.weight[2 * f + s, :, : len(text)] = 2 * one_hot - 1
                net.conv.bias[2 * f + s] = 9.0 - len(text)
                net.head.weight[f, 2 * f + s] = scale
    return net


@pytest.fixture(scope="module")
def files(synthetic, tmp_path_factory) -> dict[str, Path]:
    """Checkpoints (two features' scanner, the same x2, other models), a BED of their peaks."""
    root = tmp_path_factory.mktemp("interpret_app")
    model_file = root / "scanner.py"
    model_file.write_text(SCANNER)
    names = synthetic.features[:2]
    motifs = [synthetic.motifs[n] for n in names]
    peaks = pd.read_csv(synthetic.features_bed, sep="\t", header=None, usecols=[0, 1, 2, 3])
    peaks = peaks[peaks[3].isin(names)].groupby(3).head(N_REGIONS // 2)
    bed = root / "peaks.bed"
    bed.write_text("track name=peaks\n" + peaks[[0, 1, 2]].to_csv(sep="\t", header=False,
                                                                    index=False))  # fmt: skip
    wide = _scanner(model_file, [*motifs, synthetic.motifs[synthetic.features[2]]])
    no_window = file_model(model_file, "NoWindow", {"n_targets": 2})
    return {
        "model": _save(_scanner(model_file, motifs), names, root / "model.ckpt"),
        "double": _save(_scanner(model_file, motifs, scale=2.0), names, root / "double.ckpt"),
        "three": _save(wide, synthetic.features[:3], root / "three.ckpt"),
        "no_window": _save(no_window, names, root / "no_window.ckpt"),
        "bed": bed,
        "genome": synthetic.fasta,
        "root": root,
    }


def _compose(files: dict[str, Path], out: Path, *overrides: str) -> DictConfig:
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        return compose(
            "interpret",
            overrides=[
                f"ckpt_path={files['model']}",
                f"regions={files['bed']}",
                f"genome={files['genome']}",
                f"paths.log_dir={out}",
                "analysis.n_shuffles=4",
                f"analysis.batch_size={BATCH}",
                "analysis.device=cpu",
                "analysis.show_progress=false",
                *overrides,
            ],
        )


class _Recorded:
    """What the fake ``motifs`` returns: a one-row table, a report and a save file."""

    patterns: list = []
    table = pd.DataFrame({"pattern": ["pos_patterns.pattern_0"], "q_value": [0.01]})

    def write_report(self, out_dir: Path) -> Path:
        (Path(out_dir) / "motifs.html").write_text("<html></html>")
        return Path(out_dir) / "motifs.html"

    def save(self, path: Path) -> Path:
        Path(path).write_bytes(b"")
        return Path(path)


@pytest.fixture
def calls(monkeypatch) -> list[tuple]:
    """Replace ``selene.interpret.motifs`` with a recorder of its arguments."""
    recorded: list[tuple] = []

    def fake(hypothetical, sequences, contributions=None, **options):
        recorded.append((hypothetical, sequences, contributions, options))
        return _Recorded()

    monkeypatch.setattr(interpret, "motifs", fake, raising=False)
    return recorded


@pytest.fixture(scope="module")
def first_run(files, tmp_path_factory) -> Path:
    """An uninterrupted run (fake motifs): the reference the other runs are compared with."""
    out = tmp_path_factory.mktemp("first")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(interpret, "motifs", lambda *a, **k: _Recorded(), raising=False)
        n_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return run_app(_compose(files, out, f"analysis.output_dir={out / 'run'}"))
        finally:
            torch.set_num_threads(n_threads)


def test_run_writes_attributions_report_and_summary(first_run, files, synthetic):
    out = first_run.parent
    names = synthetic.features[:2]
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "summary.tsv"])
    summary = pd.read_csv(first_run, sep="\t")
    assert summary["feature"].tolist() == names and summary.columns[0] == "feature"
    genome = Genome(files["genome"])
    regions = read_regions(files["bed"], genome, LENGTH)
    for name in names:
        assert {"motifs.html", "modisco_results.h5", "attributions.h5"} <= {
            p.name for p in (out / name).iterdir()
        }
        arrays = read_attributions(out / name / "attributions.h5")
        assert arrays["hypothetical"].shape == (N_REGIONS, 4, LENGTH)
        assert arrays["chrom"].tolist() == regions.chroms.tolist()
        np.testing.assert_array_equal(arrays["start"], regions.starts)
        np.testing.assert_array_equal(arrays["line"], np.arange(2, N_REGIONS + 2))
        mids = regions.starts + (regions.ends - regions.starts) // 2
        np.testing.assert_array_equal(arrays["window_start"], mids - LENGTH // 2)
        first = genome.get_sequence_from_coords(
            arrays["chrom"][0], int(arrays["window_start"][0]), int(arrays["window_start"][0])
            + LENGTH
        )  # fmt: skip
        assert "".join("ACGT"[i] for i in arrays["one_hot"][0].argmax(0)) == first.upper()
        np.testing.assert_array_equal(
            arrays["contributions"], arrays["hypothetical"] * arrays["one_hot"]
        )
        # every window holds a copy of one of the two motifs: some contribute, the sum converges
        assert np.abs(arrays["delta"]).max() < 1e-3
        assert (arrays["contributions"].sum((1, 2)) > 0).sum() >= N_REGIONS // 2 - 2


def test_motifs_gets_the_attributions_and_options(calls, files, tmp_path):
    cfg = _compose(
        files, tmp_path, "analysis.target=[1]", "analysis.max_regions=5",
        "analysis.modisco.max_seqlets=50", "+analysis.modisco.min_metacluster_size=10", "seed=3",
    )  # fmt: skip
    summary = run_app(cfg)
    ((hypothetical, sequences, contributions, options),) = calls
    assert hypothetical.shape == sequences.shape == contributions.shape == (5, 4, LENGTH)
    assert options == {
        "databases": ["jaspar"], "random_state": 3, "max_seqlets": 50, "window": 400,
        "n_leiden_runs": 2, "tomtom_top": 5, "jaspar_collection": "CORE",
        "jaspar_tax_group": "vertebrates", "jaspar_release": "JASPAR2024",
        "min_metacluster_size": 10,
    }  # fmt: skip
    # the default folder: <log_dir>/interpret/modisco/<regions name>-<hash>/<feature>
    assert summary.parent.parent == tmp_path / "interpret" / "modisco"
    assert summary.parent.name.startswith("peaks-")
    assert [p.name for p in summary.parent.iterdir() if p.is_dir()] == ["f1"]


def test_an_interrupted_run_resumes_after_its_last_batch(
    calls, files, first_run, tmp_path, monkeypatch, caplog
):
    real, seen = interpret.deep_lift_shap, []

    def stop_at_the_second_batch(model, x, *args, **kwargs):
        seen.append(len(x))
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real(model, x, *args, **kwargs)

    monkeypatch.setattr(interpret, "deep_lift_shap", stop_at_the_second_batch)
    cfg = _compose(files, tmp_path, f"analysis.output_dir={tmp_path / 'run'}")
    with pytest.raises(KeyboardInterrupt):
        run_app(cfg)
    with h5py.File(tmp_path / "run" / "f0" / "attributions.h5") as handle:
        assert handle.attrs["done"] == BATCH
    seen.clear()
    counted = lambda *a, **k: seen.append(1) or real(*a, **k)  # noqa: E731
    monkeypatch.setattr(interpret, "deep_lift_shap", counted)
    with caplog.at_level(logging.INFO, logger="selene.interpret"):
        run_app(cfg)
    assert "resuming" in caplog.text and f"after {BATCH} of {N_REGIONS} regions" in caplog.text
    assert len(seen) == 2 + 3  # f0: the two batches left; f1: all three
    for name in ("f0", "f1"):
        resumed = read_attributions(tmp_path / "run" / name / "attributions.h5")
        whole = read_attributions(first_run.parent / name / "attributions.h5")
        for key in ("hypothetical", "contributions", "one_hot", "delta"):
            np.testing.assert_array_equal(resumed[key], whole[key])  # the same shuffles
    seen.clear()
    run_app(cfg)  # complete: only motifs run again (e.g. with other databases)
    assert seen == []


def test_other_options_replace_the_attributions(calls, files, first_run, tmp_path, caplog):
    out = tmp_path / "run"
    run_app(_compose(files, tmp_path, f"analysis.output_dir={out}", "analysis.target=f0",
                     "analysis.max_regions=4"))  # fmt: skip
    with caplog.at_level(logging.INFO, logger="selene.interpret"):
        run_app(_compose(files, tmp_path, f"analysis.output_dir={out}", "analysis.target=f0",
                         "analysis.max_regions=4", "analysis.n_shuffles=2"))  # fmt: skip
    assert "replacing" in caplog.text
    (out / "f0" / "attributions.h5").write_bytes(b"cut short")
    with caplog.at_level(logging.WARNING, logger="selene.interpret"):
        run_app(_compose(files, tmp_path, f"analysis.output_dir={out}", "analysis.target=f0",
                         "analysis.max_regions=4"))  # fmt: skip
    assert "cannot be read" in caplog.text
    assert read_attributions(out / "f0" / "attributions.h5")["hypothetical"].shape[0] == 4


def test_folds_are_averaged(calls, files, first_run, tmp_path):
    """The second fold's head is doubled: its contributions are twice the first's.

    Doubling is exact in float32 and the ReLU multipliers do not change, so the
    mean is 1.5 times the single model's up to the rounding of one addition (rtol 1e-6).
    """
    out = tmp_path / "run"
    cfg = _compose(files, tmp_path, f"ckpt_path=[{files['model']},{files['double']}]",
                   f"analysis.output_dir={out}", "analysis.target=f0")  # fmt: skip
    run_app(cfg)
    folds = read_attributions(out / "f0" / "attributions.h5")
    single = read_attributions(first_run.parent / "f0" / "attributions.h5")
    with h5py.File(out / "f0" / "attributions.h5") as handle:
        assert handle.attrs["n_models"] == 2
    np.testing.assert_allclose(
        folds["hypothetical"], 1.5 * single["hypothetical"], rtol=1e-6, atol=0
    )


def test_predict_and_interpret_refuse_each_others_analyses(files, tmp_path):
    with initialize_config_dir(str(config_dir()), version_base="1.3"):
        cfg = compose("predict", overrides=["analysis=modisco", f"paths.log_dir={tmp_path}"])
        other = compose("interpret", overrides=["analysis=fasta", f"regions={files['bed']}"])
    with pytest.raises(ValueError, match="analysis=modisco runs in `python -m selene.interpret"):
        predict(cfg)
    with pytest.raises(ValueError, match="'get_predictions_for_fasta_file' belongs to `python"):
        run_app(other)


@pytest.mark.slow  # a fresh interpreter imports torch and Lightning: seconds
def test_the_command_exits_with_the_message(files, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "selene.interpret", f"regions={files['bed']}",
         f"ckpt_path={files['model']}", f"paths.log_dir={tmp_path}"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "pass genome=<the FASTA model.ckpt was trained on>" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        (["regions=null"], ValueError, r"pass regions=<a BED file>"),
        (["ckpt_path=[]"], ValueError, r"ckpt_path must be a checkpoint path or a non-empty"),
        (["genome=null"], ValueError, r"pass genome=<the FASTA model.ckpt was trained on>"),
        (["analysis.target=f7"], ValueError, r"analysis.target='f7' is not one of .*f0, f1"),
        (["analysis.target=2"], ValueError, r"analysis.target=2 is out of range: .* 2 outputs"),
        (["analysis.target=[f0,0]"], ValueError, r"analysis.target names an output twice"),
        (["analysis.max_regions=0"], TypeError, r"analysis.max_regions=0 .* an int >= 1 or null"),
        (["analysis.databases=[jaspar,no.meme]"], FileNotFoundError, r"names no.meme, which"),
        (["analysis.n_shuffles=many"], TypeError, r"analysis.n_shuffles='many' .* an int >= 1"),
        (["analysis.batch_size=0"], TypeError, r"analysis.batch_size=0 .* an int >= 1"),
        (["analysis.sequence_length=1.5"], TypeError, r"analysis.sequence_length=1.5 .* or null"),
    ],
)
def test_config_errors(files, tmp_path, overrides, error, match):
    with pytest.raises(error, match=match):
        run_app(_compose(files, tmp_path, *overrides))


def test_model_errors(files, tmp_path, monkeypatch):
    three, no_window = files["three"], files["no_window"]
    with pytest.raises(ValueError, match=r"folds disagree: model.ckpt has 2 features and a 200"):
        run_app(_compose(files, tmp_path, f"ckpt_path=[{files['model']},{three}]"))
    with pytest.raises(ValueError, match=r"no_window.ckpt records no window .* analysis.sequence"):
        run_app(_compose(files, tmp_path, f"ckpt_path={no_window}"))
    with pytest.raises(ValueError, match=r"ckpt_path is empty"):
        load_models([])
    monkeypatch.setattr(modisco_run, "MAX_DEFAULT_TARGETS", 1)
    with pytest.raises(ValueError, match=r"the model has 2 features: pass analysis.target="):
        run_app(_compose(files, tmp_path))


def test_a_checkpoint_without_feature_names_gets_output_indices(files, synthetic, tmp_path):
    motifs = [synthetic.motifs[n] for n in synthetic.features[:2]]
    net = _scanner(files["root"] / "scanner.py", motifs)
    module = SequenceLitModule(net)
    path = tmp_path / "unnamed.ckpt"
    torch.save({"state_dict": module.state_dict(), "hyper_parameters": dict(module.hparams)}, path)
    _, features, length = load_models([path], sequence_length=LENGTH)
    assert features == ["0", "1"] and length == LENGTH


def test_track_models_are_refused(files, tmp_path):
    from selene.models import TrackCNN

    net = TrackCNN(sequence_length=128, n_tracks=1, channels=8, n_dilated=1)
    path = _save(net, ["t"], tmp_path / "track.ckpt")
    with pytest.raises(ValueError, match=r"track.ckpt is a track model \(TrackCNN\)"):
        load_models([path])


def test_a_missing_extra_is_named_before_any_work(monkeypatch):
    found = modisco_run.importlib.util.find_spec
    monkeypatch.setattr(
        modisco_run.importlib.util, "find_spec", lambda n: None if n == "memelite" else found(n)
    )
    with pytest.raises(ImportError, match=r"needs memelite: pip install 'selene\[motifs\]'"):
        check_motif_inputs(["jaspar"])


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("chr1\t10\n", r"peaks.bed, line 2: too few columns \(need 3"),
        ("chrX\t500\t600\n", r"line 2: chromosome 'chrX' is not in genome.fa"),
        ("chr1\t199000\t200100\n", r"line 2: region chr1:199000-200100 runs past the end of chr1"),
        ("chr1\t199990\t199999\n", r"line 2: the 200 bp window .* runs past an end of chr1"),
        ("chr1\t0\t20\n", r"line 2: the 200 bp window .* \[-90, 110\)"),
        ("# nothing\n", r"holds no regions"),
    ],
)
def test_region_errors_name_the_file_and_line(files, tmp_path, line, match):
    bed = tmp_path / "peaks.bed"
    bed.write_text("chr1\t1000\t1100\n" + line if "nothing" not in line else line)
    with pytest.raises(ValueError, match=match):
        read_regions(bed, Genome(files["genome"]), LENGTH)


def test_missing_files_are_named(files, tmp_path):
    with pytest.raises(ValueError, match=r"max_regions must be >= 1 or null"):
        read_regions(files["bed"], Genome(files["genome"]), LENGTH, max_regions=0)
    with pytest.raises(FileNotFoundError, match=r"regions file .*absent.bed does not exist"):
        read_regions(tmp_path / "absent.bed", Genome(files["genome"]), LENGTH)
    path = tmp_path / "half.h5"
    with h5py.File(path, "w") as handle:
        handle.create_dataset("hypothetical", (4, 4, 10), np.float32)
        handle.attrs["done"] = 2
    with pytest.raises(ValueError, match=r"half.h5 holds attributions of 2 of 4 regions: rerun"):
        read_attributions(path)


@pytest.mark.filterwarnings("ignore:TOMTOM compares the patterns with 8 target motifs")
def test_real_motifs_end_to_end(files, synthetic, tmp_path):
    """The real ``motifs``: f0's planted motif comes back, matched to itself (q < 0.05)."""
    planted = {name: consensus_ppm(motif) for name, motif in synthetic.motifs.items()}
    meme = write_meme(tmp_path / "planted.meme", planted)
    out = tmp_path / "run"
    cfg = _compose(
        files, tmp_path, f"analysis.output_dir={out}", "analysis.target=f0",
        f"analysis.databases=[{meme}]", "+analysis.modisco.min_metacluster_size=20",
        "+analysis.modisco.final_min_cluster_size=10",
    )  # fmt: skip
    table = pd.read_csv(run_app(cfg), sep="\t")
    best = table[table["sign"] == 1].iloc[0]
    assert best["feature"] == "f0" and best["target_id"] == "f0" and best["q_value"] < 0.05
    written = {p.name for p in (out / "f0").iterdir()}
    assert {"motifs.html", "motifs.tsv", "matches.tsv", "modisco_results.h5"} <= written
    assert len(list((out / "f0" / "logos").glob("*.png"))) == len(table)
    saved = MotifResult.load(out / "f0" / "modisco_results.h5")
    assert [p.name for p in saved.patterns] == table["pattern"].tolist()
