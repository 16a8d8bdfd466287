"""The bigWig write phase of track predictions shows a progress bar over the bases written."""

from __future__ import annotations

import numpy as np
import pyBigWig

from selene.predict import track_writers
from selene.predict.tracks import TrackBlock

SIZES = {"chr1": 500, "chr2": 300}


def _blocks() -> list[TrackBlock]:
    rng = np.random.default_rng(0)
    spans = [("chr1", 0, 240), ("chr1", 240, 500), ("chr2", 100, 297)]  # last bin clipped
    return [
        TrackBlock(c, s, e, 10, rng.random((2, -(-(e - s) // 10))).astype(np.float32))
        for c, s, e in spans
    ]


class _Bar:
    """Records each update and the bigWigs written by then (not the one being written)."""

    def __init__(self, folder, total: int, **kwargs) -> None:
        self.folder, self.total, self.kwargs, self.updates = folder, total, kwargs, []

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int) -> None:
        self.updates.append((n, sorted(p.name for p in self.folder.glob("[!.]*.bw"))))


def test_each_block_of_each_track_advances_the_bar_as_it_is_written(tmp_path, monkeypatch):
    bars: list[_Bar] = []

    def fake(total, desc, initial, enabled, unit):
        bars.append(_Bar(tmp_path, total, desc=desc, enabled=enabled, unit=unit))
        return bars[-1]

    monkeypatch.setattr(track_writers, "progress", fake)
    paths = track_writers.write_track_bigwigs(
        tmp_path, _blocks(), SIZES, ["a", "b"], show_progress=True
    )
    (bar,) = bars
    assert bar.total == 2 * (240 + 260 + 197)
    assert bar.kwargs == {"desc": "bigWigs (2 tracks)", "enabled": True, "unit": "bp"}
    # three blocks of track a while a.bw is being written, then three of b
    assert [n for n, _ in bar.updates] == [240, 260, 197] * 2
    assert [written for _, written in bar.updates] == [[]] * 3 + [["a.bw"]] * 3
    with pyBigWig.open(str(paths[1])) as bw:  # the files are whole
        assert bw.values("chr2", 290, 297)[0] == np.float32(_blocks()[2].values[1, -1])


def test_the_real_bar_ends_at_every_base_of_every_track(tmp_path, capsys):
    track_writers.write_track_bigwigs(tmp_path, _blocks(), SIZES, show_progress=True)
    err = capsys.readouterr().err
    assert "bigWigs (2 tracks): 100%" in err and "1394/1394" in err
    track_writers.write_track_bigwigs(tmp_path / "quiet", _blocks(), SIZES)
    assert capsys.readouterr().err == ""  # off by default (AnalyzeSequences turns it on)
