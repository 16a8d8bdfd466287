"""Tolerances for float32 network outputs computed two ways, and why they hold.

Two float32 evaluations of one network agree only to rounding as soon as anything about them
differs: the CPU (oneDNN and MKL pick AVX-512, AVX2 or SSE4.1 kernels), the thread count, the
batch a sequence shares, or the path (``selene.predict``'s layer-local engine sums a mutant's
dense layer as ``y_ref + W[:, window] @ delta``; a model ending in ``nn.Sigmoid`` takes the plain
forward pass). Each changes the order of the sums. Exact comparisons stay only where the same
kernels see the same inputs: the same network, path and batch shape, in one process.

A float32 sum of n products taken in any order is within n·u·S of the exact value, where
u = 2**-24 and S = Σ|w_i·h_i| (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1).
For DeepSEA's dense layer (2880 inputs at 200 bp, S ≤ 44 under the golden weights) that worst
case, 7.6e-3, is far from what blocked SIMD kernels do: the float32 logits of the full pass, the
layer-local pass and the mutants of the DeepSEA(200 or 201, 2 or 4) models of ``tests/predict``
stay within 5.5e-6 of float64 (about 2·u·S) under oneDNN AVX-512 / AVX2 / SSE4.1, ATen default /
AVX2, MKL's reproducible mode and 1 or 2 threads. We allow ``EVAL`` = 1.5e-5 for one evaluation,
add the errors of the two sides of a comparison, and divide by 4 for probabilities (the
sigmoid's slope is at most 1/4). ``tests/predict/test_float_tolerances.py`` checks EVAL on the CPU
it runs on, so a CPU whose kernels round worse fails there, by name, rather than in a golden.
"""

from __future__ import annotations

EVAL = 1.5e-5  # one float32 logit against the exact value (5.5e-6 measured at worst)

# One logit evaluated two ways: 3e-5.
LOGIT = {"rtol": 0.0, "atol": 2 * EVAL}
# logit(alt) - logit(ref), each evaluated two ways: 6e-5.
LOGIT_DIFF = {"rtol": 0.0, "atol": 4 * EVAL}
# One probability evaluated two ways: 7.5e-6.
PROB = {"rtol": 0.0, "atol": 2 * EVAL / 4}
# p(alt) - p(ref), or |p(alt) - p(ref)|, each evaluated two ways: 1.5e-5.
PROB_DIFF = {"rtol": 0.0, "atol": 4 * EVAL / 4}
