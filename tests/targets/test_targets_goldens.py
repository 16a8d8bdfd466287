"""Labels equal selene_sdk 0.6.0's ``GenomicFeatures.get_feature_data`` (golden file).

The goldens come from ``scripts/make_goldens_targets.py`` run in the benchmark venv.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from targets_helpers import write_bed

from selene.targets import GenomicFeatures

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "targets_golden.npz"


def _load() -> dict:
    with np.load(GOLDEN) as z:
        return {key: z[key] for key in z.files}


G = _load()
SETTINGS = json.loads(str(G["settings"]))


def _thresholds(setting: dict) -> object:
    if setting["kind"] == "function":
        table = setting["value"]
        return lambda name: table[name]
    return setting["value"]


@pytest.fixture(scope="module", params=["plain_shuffled", "tabix"])
def bed_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    lines = str(G["bed"]).splitlines()
    rows = [(c, int(s), int(e), f) for c, s, e, f in (line.split("\t") for line in lines)]
    tmp = tmp_path_factory.mktemp("golden")
    if request.param == "tabix":
        return write_bed(tmp / "golden.bed", rows, tabix=True)
    order = np.random.default_rng(0).permutation(len(rows))
    return write_bed(tmp / "golden.bed", [rows[i] for i in order])


@pytest.mark.parametrize("k", range(len(SETTINGS)), ids=[s["name"] for s in SETTINGS])
def test_labels_equal_selene_sdk(bed_path: Path, k: int) -> None:
    features = [str(f) for f in G["features"]]
    target = GenomicFeatures(bed_path, features, feature_thresholds=_thresholds(SETTINGS[k]))
    chroms = [str(c) for c in G["chroms"]]
    expected = G["labels"][k].astype(np.float32)
    batch = target.get_feature_data_batch(chroms, G["starts"], G["ends"])
    np.testing.assert_array_equal(batch, expected)
    for i in range(0, len(chroms), 7):
        single = target.get_feature_data(chroms[i], int(G["starts"][i]), int(G["ends"][i]))
        np.testing.assert_array_equal(single, expected[i])
