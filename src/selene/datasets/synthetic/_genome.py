"""Background sequence for the synthetic genome, and FASTA + .fai writing.

Bases are held as ``uint8`` codes (A, C, G, T, N -> 0..4) with a separate soft-mask flag, and
turned into ASCII only when written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

N_CODE = 4
# code + 5 * soft-masked -> letter; N is never lower-case
_ASCII = np.frombuffer(b"ACGTNacgtN", dtype=np.uint8)
_GC_BLOCK = 10_000


def background(length: int, rng: np.random.Generator, gc_content: float = 0.41) -> np.ndarray:
    """Draw i.i.d. bases whose GC fraction varies from one 10 kb block to the next.

    Parameters
    ----------
    length : int
        Number of bases.
    rng : numpy.random.Generator
        Source of randomness.
    gc_content : float
        Mean GC fraction; each block draws its own around it (sd 0.04, clipped to 0.25-0.65).

    Returns
    -------
    numpy.ndarray, shape (length,), dtype uint8
        Codes A, C, G, T = 0, 1, 2, 3.
    """
    n_blocks = -(-length // _GC_BLOCK)
    block_gc = np.clip(rng.normal(gc_content, 0.04, n_blocks), 0.25, 0.65).astype(np.float32)
    gc = np.repeat(block_gc, _GC_BLOCK)[:length]
    u = rng.random(length, dtype=np.float32)
    # one uniform per base: [0, gc/2) C, [gc/2, gc) G, [gc, (1+gc)/2) A, else T
    at = np.where(u >= (1 + gc) * 0.5, 3, 0).astype(np.uint8)
    return np.where(u < gc, np.where(u < gc * 0.5, 1, 2).astype(np.uint8), at)


def n_runs(length: int, index: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Place N runs on one chromosome: a leading run, an internal gap, a few short runs.

    Every other chromosome also ends in a run, as assembled chromosomes often do.

    Returns
    -------
    list of tuple (int, int)
        ``(start, end)`` half-open runs.
    """
    lead = int(np.clip(length // 100, 100, 50_000))
    gap = int(np.clip(length // 200, 50, 20_000))
    runs = [(0, lead)]
    gap_start = int(rng.integers(length // 4, 3 * length // 4))
    runs.append((gap_start, gap_start + gap))
    if index % 2 == 1:
        runs.append((length - lead // 2, length))
    for start in rng.integers(lead, length - lead, max(1, length // 50_000)):
        runs.append((int(start), int(start + rng.integers(1, 21))))
    return runs


def soft_mask(length: int, rng: np.random.Generator) -> np.ndarray:
    """Mark soft-masked (lower-case) stretches covering roughly 8% of a chromosome.

    Returns
    -------
    numpy.ndarray, shape (length,), dtype bool
    """
    n = max(1, length // 4000)
    starts = rng.integers(0, length, n)
    ends = np.minimum(starts + 50 + rng.geometric(1 / 300, n), length)
    return intervals_mask(length, starts, ends)


def intervals_mask(length: int, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Boolean mask of the union of half-open intervals (vectorised with a difference array)."""
    diff = np.zeros(length + 1, dtype=np.int32)
    np.add.at(diff, np.asarray(starts), 1)
    np.add.at(diff, np.asarray(ends), -1)
    return np.cumsum(diff[:-1]) > 0


def write_fasta(
    path: Path,
    names: list[str],
    codes: list[np.ndarray],
    masks: list[np.ndarray],
    line_width: int = 60,
) -> None:
    """Write a FASTA file and its samtools-style ``.fai`` index, in whole-chromosome chunks.

    Parameters
    ----------
    path : pathlib.Path
        Output FASTA; the index goes to ``path`` + ``.fai``.
    names : list of str
        Sequence names.
    codes : list of numpy.ndarray (uint8)
        Base codes per sequence (0..4 = A, C, G, T, N).
    masks : list of numpy.ndarray (bool)
        Soft-mask flags per sequence (lower-case where true).
    line_width : int
        Bases per line.
    """
    offset = 0
    fai = []
    with open(path, "wb") as fasta:
        for name, code, mask in zip(names, codes, masks, strict=True):
            header = f">{name}\n".encode()
            offset += len(header)
            fai.append(f"{name}\t{len(code)}\t{offset}\t{line_width}\t{line_width + 1}\n")
            body = _wrap(_ASCII[code + 5 * mask.astype(np.uint8)], line_width)
            fasta.write(header)
            fasta.write(body)
            offset += len(body)
    Path(f"{path}.fai").write_text("".join(fai))


def as_text(code: np.ndarray, mask: np.ndarray) -> str:
    """Return a chromosome's letters as written to the FASTA (soft-masked bases lower-case)."""
    return _ASCII[code + 5 * mask.astype(np.uint8)].tobytes().decode("ascii")


def write_sequences(path: Path, records: list[tuple[str, str]], line_width: int = 60) -> None:
    """Write ``(header, sequence)`` records as FASTA (small files: no index)."""
    with open(path, "wb") as fasta:
        for header, sequence in records:
            letters = np.frombuffer(sequence.encode(), dtype=np.uint8)
            fasta.write(f">{header}\n".encode() + _wrap(letters, line_width))


def _wrap(letters: np.ndarray, line_width: int) -> bytes:
    """Append a newline every ``line_width`` letters and after the last one."""
    n = len(letters)
    rows = -(-n // line_width)
    padded = np.zeros(rows * line_width, dtype=np.uint8)
    padded[:n] = letters
    grid = np.full((rows, line_width + 1), ord("\n"), dtype=np.uint8)
    grid[:, :line_width] = padded.reshape(rows, line_width)
    body = grid.tobytes()
    tail = n - (rows - 1) * line_width  # letters on the last line
    return body[: (rows - 1) * (line_width + 1) + tail] + b"\n"
