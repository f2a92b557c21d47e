"""Reference fixtures for GenreKitLearning's multi-label tagger and metrics.

Run with the reference venv (after make_learning_fixtures.py, whose data it reuses):
    /opt/genrekit-ref/bin/python reference/make_multilabel_fixtures.py

Writes Tests/GenreKitLearningTests/Fixtures/multilabel.json:
    Y_train, Y_test   4 tags derived from learning_data.json's classes plus seeded label noise
                      (tag 3 is rare: ~12 % of the rows)
    ovr               OneVsRestClassifier(LogisticRegression(C, tol=1e-8, max_iter=10000)) on
                      StandardScaler'd features: predict_proba on the test rows and each
                      estimator's coef_/intercept_, for C=1 and for C=0.1 with class_weight='balanced'
    metrics           roc_auc_score / average_precision_score (macro, micro, per tag) of the C=1
                      probabilities, and precision/recall/f1 (macro, micro, samples, per tag,
                      zero_division=0) of probabilities >= 0.5
    edge              f1/precision/recall on a hand-made case with an empty row (no true and no
                      predicted tag), a tag never predicted and a tag never true

Floats are written with repr (shortest round-trip); NaN as null.
"""

import json
import math
import os
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, "..", "Tests", "GenreKitLearningTests", "Fixtures")
warnings.simplefilter("ignore")


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else f
    return v


def tags_from(y, rng):
    """Tag 0: classes 0,1; tag 1: classes 1,2; tag 2: class 3 or (class 0 and a coin); tag 3: rare coin.
    Then 8 % of the cells flipped."""
    n = len(y)
    Y = np.zeros((n, 4), dtype=int)
    Y[:, 0] = np.isin(y, [0, 1])
    Y[:, 1] = np.isin(y, [1, 2])
    Y[:, 2] = (y == 3) | ((y == 0) & (rng.random(n) < 0.5))
    Y[:, 3] = rng.random(n) < 0.12
    flip = rng.random((n, 3)) < 0.08
    Y[:, :3] ^= flip
    return Y


def prf(Y, P):
    out = {}
    for avg in (None, "macro", "micro", "samples"):
        p, r, f, _ = precision_recall_fscore_support(Y, P, average=avg, zero_division=0)
        out["per_tag" if avg is None else avg] = {"precision": p, "recall": r, "f1": f}
    return out


def main():
    with open(os.path.join(FIX, "learning_data.json")) as fh:
        d = json.load(fh)
    Xtr, ytr = np.array(d["X_train"]), np.array(d["y_train"])
    Xte, yte = np.array(d["X_test"]), np.array(d["y_test"])
    rng = np.random.default_rng(606)
    Ytr, Yte = tags_from(ytr, rng), tags_from(yte, rng)
    sc = StandardScaler().fit(Xtr)
    Ztr, Zte = sc.transform(Xtr), sc.transform(Xte)

    ovr = {}
    for key, kw in (("C1", dict(C=1.0)), ("C0.1_balanced", dict(C=0.1, class_weight="balanced"))):
        m = OneVsRestClassifier(LogisticRegression(tol=1e-8, max_iter=10000, **kw)).fit(Ztr, Ytr)
        ovr[key] = {"proba": m.predict_proba(Zte),
                    "coef": np.vstack([e.coef_ for e in m.estimators_]),
                    "intercept": np.concatenate([e.intercept_ for e in m.estimators_])}

    S = ovr["C1"]["proba"]
    P = (S >= 0.5).astype(int)
    metrics = {
        "roc_auc_macro": roc_auc_score(Yte, S, average="macro"),
        "roc_auc_micro": roc_auc_score(Yte, S, average="micro"),
        "roc_auc_per_tag": roc_auc_score(Yte, S, average=None),
        "average_precision_macro": average_precision_score(Yte, S, average="macro"),
        "average_precision_micro": average_precision_score(Yte, S, average="micro"),
        "average_precision_per_tag": average_precision_score(Yte, S, average=None),
        "prf_at_0.5": prf(Yte, P),
    }

    Ye = np.array([[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 0], [0, 1, 0, 1], [1, 0, 0, 0]])
    Pe = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]])
    edge = {"y_true": Ye, "y_pred": Pe, "prf": prf(Ye, Pe)}

    out = {"Y_train": Ytr, "Y_test": Yte, "ovr": ovr, "metrics": metrics, "edge": edge}
    path = os.path.join(FIX, "multilabel.json")
    with open(path, "w") as fh:
        json.dump(clean(out), fh, separators=(",", ":"))
    print(f"multilabel.json: {os.path.getsize(path)} bytes")
    print("Y_train tag counts", Ytr.sum(0), "Y_test", Yte.sum(0))


if __name__ == "__main__":
    main()
