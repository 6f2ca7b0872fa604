"""Authorship attribution with scikit-learn: is a text by the writer, or by someone else?

The classifier learns from the writer's training completions against a background of other writing: character
2-4-grams (spelling, punctuation, greetings, the shape of phrases) and the frequencies of function words (the
classic stylometric signal, Burrows 2002), into a logistic regression. Its own accuracy, cross-validated on that
training material, is reported with every result, so a classifier too weak to trust is visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FUNCTION_WORDS = tuple("""a about after all also an and any are as at be because been but by can could did do does
for from had has have he her him his how i if in into is it its just me more my no not now of on one or our out
so some than that the their them then there these they this those to up us very was we were what when which who
will with would you your""".split())
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_TEXTS = 8  # of each side: fewer, and a classifier says nothing


@dataclass
class Attribution:
    """A trained classifier and how well it separates the writer from the background."""

    pipeline: object
    cv_accuracy: float  # balanced accuracy (the mean of both sides' recall), cross-validated on the material
    writer_texts: int
    background_texts: int

    def writer_probability(self, texts: list[str]) -> list[float]:
        if not texts:
            return []
        return [round(float(p), 4) for p in self.pipeline.predict_proba(texts)[:, 1]]

    def share(self, texts: list[str]) -> float | None:
        """The share of ``texts`` the classifier attributes to the writer (probability above one half)."""
        probabilities = self.writer_probability(texts)
        return round(sum(p > 0.5 for p in probabilities) / len(probabilities), 3) if probabilities else None


def function_word_rates(texts: list[str]):
    """Each text's rate of each function word per word (a dense matrix)."""
    import numpy as np

    index = {w: i for i, w in enumerate(FUNCTION_WORDS)}
    rows = np.zeros((len(texts), len(FUNCTION_WORDS)))
    for row, text in enumerate(texts):
        words = [w.lower() for w in _WORDS.findall(text)]
        for word in words:
            if word in index:
                rows[row, index[word]] += 1
        rows[row] /= max(len(words), 1)
    return rows


def train(writer: list[str], background: list[str], seed: int = 0) -> Attribution:
    """The classifier for ``writer`` against ``background``, with its 5-fold cross-validated balanced accuracy
    (the mean of the share of the writer's texts and of the others' texts it gets right: a background ten times
    larger cannot make a classifier that never says "the writer" look good)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from ..errors import UsageError

    writer, background = [t for t in writer if t.strip()], [t for t in background if t.strip()]
    if len(writer) < MIN_TEXTS or len(background) < MIN_TEXTS:
        raise UsageError(f"Attribution needs at least {MIN_TEXTS} texts by the writer and {MIN_TEXTS} by others; "
                         f"there are {len(writer)} and {len(background)} - add data, or point --background at "
                         f"other writing (a folder of .txt files)")
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2,
                                  max_features=50_000)),
        ("function_words", make_pipeline(FunctionTransformer(function_word_rates), StandardScaler())),
    ])
    pipeline = make_pipeline(features, LogisticRegression(max_iter=2000, class_weight="balanced",
                                                          random_state=seed))
    texts, labels = writer + background, [1] * len(writer) + [0] * len(background)
    folds = StratifiedKFold(n_splits=min(5, len(writer), len(background)), shuffle=True, random_state=seed)
    accuracy = float(cross_val_score(pipeline, texts, labels, cv=folds, scoring="balanced_accuracy").mean())
    pipeline.fit(texts, labels)
    return Attribution(pipeline, round(accuracy, 3), len(writer), len(background))
