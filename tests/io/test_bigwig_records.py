"""selene.io.bigwig.read_records: a bigWig's records in a range, clipped to it."""

from __future__ import annotations

import numpy as np
import pyBigWig

from selene.io.bigwig import open_bigwig, read_records


def test_records_are_clipped_to_the_range_and_keep_nan(tmp_path):
    path = tmp_path / "r.bw"
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", 1000)], maxZooms=0)
    bw.addEntries(["chr1"] * 3, [10, 50, 400], ends=[50, 52, 900], values=[1.5, np.nan, -2.0])
    bw.close()
    reader = open_bigwig(path)
    try:
        starts, ends, values = read_records(reader, "chr1", 20, 500)
        empty = read_records(reader, "chr1", 950, 1000)
    finally:
        reader.close()
    assert starts.dtype == ends.dtype == np.int64 and values.dtype == np.float64
    np.testing.assert_array_equal(starts, [20, 50, 400])
    np.testing.assert_array_equal(ends, [50, 52, 500])
    np.testing.assert_array_equal(values, [1.5, np.nan, -2.0])
    assert all(a.size == 0 for a in empty)
