"""The near-duplicate search's parts: MinHash signatures estimate Jaccard similarity without bias, and the LSH
bands are the ones the literature's weighing (and datasketch) chooses."""

import numpy as np
import pytest

from ftcook.pipeline.dedupe import NUM_PERM, bands, minhash, shingle_hashes


def pair(rng, size: int, jaccard: float) -> tuple[np.ndarray, np.ndarray]:
    """Two sets of 32-bit hashes (multiples of 4, like sampled shingles) with exactly this Jaccard similarity."""
    shared = round(2 * size * jaccard / (1 + jaccard))
    values = rng.choice(2**30, size=2 * size - shared, replace=False).astype(np.uint64) * 4
    one, two = values[:size], np.concatenate([values[:shared], values[size:]])
    assert len(np.intersect1d(one, two)) / len(np.union1d(one, two)) == pytest.approx(jaccard, abs=0.01)
    return one, two


@pytest.mark.parametrize("jaccard", [0.2, 0.5, 0.85, 0.95])
def test_signatures_estimate_jaccard_similarity_without_bias(jaccard):
    rng = np.random.default_rng(7)
    estimates = [float(np.mean(minhash(a) == minhash(b))) for a, b in (pair(rng, 300, jaccard) for _ in range(200))]
    assert np.mean(estimates) == pytest.approx(jaccard, abs=0.02)  # unbiased
    spread = np.sqrt(jaccard * (1 - jaccard) / NUM_PERM)  # a binomial share of NUM_PERM values
    assert np.std(estimates) < 1.3 * spread + 0.01


def test_a_signature_is_the_same_for_the_same_set_in_any_order_and_chunking():
    rng = np.random.default_rng(3)
    values = rng.choice(2**30, size=10_000, replace=False).astype(np.uint64) * 4  # more than one chunk
    signature = minhash(values)
    assert signature.dtype == np.uint32 and len(signature) == NUM_PERM
    assert (minhash(rng.permutation(values)) == signature).all()
    assert (minhash(np.concatenate([values, values[:50]])) == signature).all()  # repeats change nothing


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99])
def test_bands_are_the_ones_datasketch_chooses(threshold):
    lsh = pytest.importorskip("datasketch.lsh")  # the benchmarks' baselines use it (the dev extra)
    b, r = lsh._optimal_param(threshold, NUM_PERM, 0.3, 0.7)
    assert bands(threshold) == tuple((i * r, (i + 1) * r) for i in range(b))


def test_pairs_above_the_threshold_share_a_band_and_pairs_far_below_rarely_do():
    rng = np.random.default_rng(11)
    layout = bands(0.85)

    def share_a_band(a, b) -> bool:
        one, two = minhash(a), minhash(b)
        return any((one[start:end] == two[start:end]).all() for start, end in layout)

    close = np.mean([share_a_band(*pair(rng, 300, 0.95)) for _ in range(200)])
    far = np.mean([share_a_band(*pair(rng, 300, 0.5)) for _ in range(200)])
    assert close >= 0.95 and far <= 0.02


@pytest.mark.parametrize("text", ["", "abcd", "abcde", "aaaaaaaaaaaa", "Call me Ishmael. " * 40, "雨が降っています。" * 30])
def test_shingle_hashes_are_the_distinct_sampled_hashes_in_order(text):
    """The numpy shingle hashes against the definition, one 5-gram at a time: a polynomial hash of the code
    points modulo 2**64, its high 32 bits, kept when 0 modulo 4; distinct and sorted."""
    expected = set()
    for start in range(len(text) - 4):
        h = 0
        for char in text[start:start + 5]:
            h = (h * 1_000_003 + ord(char)) % 2**64
        if (h >> 32) % 4 == 0:
            expected.add(h >> 32)
    assert shingle_hashes(text).tolist() == sorted(expected)
