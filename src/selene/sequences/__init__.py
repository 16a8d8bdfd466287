"""Reference sequences: genomes and proteomes read from indexed FASTA files, and their encodings.

Windows come out as compact ``uint8`` codes (``Genome.get_encodings``, one compiled loop per batch)
or, for single windows, as the Selene SDK's ``(L, 4)`` float encoding. ``codes_to_one_hot`` turns
codes into the models' ``(N, 4, L)`` one-hot on any device.
"""

from __future__ import annotations

from selene.sequences.encoding import (
    codes_to_encoding,
    codes_to_one_hot,
    complement_codes,
    encoding_to_sequence,
    get_reverse_complement_encoding,
    reverse_complement,
    sequence_to_codes,
    sequence_to_encoding,
)
from selene.sequences.genome import Genome
from selene.sequences.proteome import Proteome
from selene.sequences.sequence import Sequence

__all__ = [
    "Genome",
    "Proteome",
    "Sequence",
    "codes_to_encoding",
    "codes_to_one_hot",
    "complement_codes",
    "encoding_to_sequence",
    "get_reverse_complement_encoding",
    "reverse_complement",
    "sequence_to_codes",
    "sequence_to_encoding",
]
