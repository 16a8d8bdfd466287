"""The readers of every file format selene takes: one module per format, the only reader of it.

- :mod:`selene.io.text`: open plain, gzip or bgzip text; sniff a file's compression.
- :mod:`selene.io.bed`: BED intervals.
- :mod:`selene.io.fasta`: query FASTA records.
- :mod:`selene.io.vcf`: VCF variant records, streamed (or by region through the tabix index).
- :mod:`selene.io.features`: feature-name lists.
- :mod:`selene.io.bigwig`: bigWig tracks, read and written (pybigtools).
- :mod:`selene.io.chroms`: one rule matching chromosome names across files (``chr1``/``1``).
- :mod:`selene.io.outputs`: the prediction files that the writers write and ``selene.interpret``
  reads.

Each reader owns its bad-input errors: the message names the file, the line and the problem.
"""
