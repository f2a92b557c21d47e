"""Reference fixtures for GenreKitLearning (metrics, preprocessing, classifiers).

Run with the reference venv:
    /opt/genrekit-ref/bin/python reference/make_learning_fixtures.py

Writes JSON files to Tests/GenreKitLearningTests/Fixtures/:
    learning_data.json     synthetic 4-class problem: 120x8 train, 60x8 test,
                           seeded Gaussian blobs with overlap; column 5 is the
                           exact constant 3.0 (zero variance).
    learning_metrics.json  scikit-learn metric values on fixed label/score
                           vectors with many ties (scores on a 0.1 grid).
    learning_models.json   StandardScaler, PCA, LogisticRegression, KNN, SVC
                           and StratifiedKFold outputs on learning_data.

JSON has no NaN: a NaN metric value is written as null.
Floats are written with repr (shortest round-trip), so Swift's Double parser
reads back the exact float64 values.

Note: scikit-learn 1.9 deprecates SVC(probability=True) (removal planned for 1.11);
the fixtures still use it for probA_/probB_/predict_proba, with warnings silenced.
"""

import json
import math
import os
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score,
                             balanced_accuracy_score, confusion_matrix,
                             precision_recall_fscore_support, roc_auc_score)
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "GenreKitLearningTests", "Fixtures")
warnings.simplefilter("ignore")


def clean(v):
    """Recursively convert numpy values to JSON-ready Python values (NaN -> None)."""
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return None if math.isnan(f) else f
    return v


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, "w") as fh:
        json.dump(clean(obj), fh, separators=(",", ":"))
    print(f"{name}: {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------- data
def make_data():
    rng = np.random.default_rng(20240611)
    n_classes, n_features = 4, 8
    centers = rng.normal(0.0, 1.6, size=(n_classes, n_features))
    scales = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 1.0, 3.0, 0.8])

    def sample(n):
        y = np.arange(n) % n_classes
        rng.shuffle(y)
        X = centers[y] + rng.normal(0.0, 1.0, size=(n, n_features))
        X = X * scales + np.array([0, 5, -2, 0, 1, 0, 10, 0])
        X[:, 5] = 3.0  # exact constant column
        return np.round(X, 6), y

    Xtr, ytr = sample(120)
    Xte, yte = sample(60)
    return Xtr, ytr, Xte, yte


# ---------------------------------------------------------------- metrics
def prf(y, p, labels=None):
    out = {}
    for avg in (None, "macro", "micro"):
        pr, rc, f1, _ = precision_recall_fscore_support(
            y, p, labels=labels, average=avg, zero_division=0)
        key = "per_class" if avg is None else avg
        out[key] = {"precision": pr, "recall": rc, "f1": f1}
    return out


def make_metrics():
    rng = np.random.default_rng(7)
    cases = {}

    # Binary, scores on a 0.1 grid -> many tied thresholds.
    yb = rng.integers(0, 2, 40)
    sb = np.round(np.clip(0.35 * yb + rng.normal(0.35, 0.25, 40), 0, 1), 1)
    pb = (sb >= 0.5).astype(int)
    cases["binary"] = {
        "y_true": yb, "scores": sb, "y_pred": pb,
        "accuracy": accuracy_score(yb, pb),
        "balanced_accuracy": balanced_accuracy_score(yb, pb),
        "prf": prf(yb, pb),
        "confusion": confusion_matrix(yb, pb, labels=[0, 1]),
        "roc_auc": roc_auc_score(yb, sb),
        "average_precision": average_precision_score(yb, sb),
    }

    # Multi-class, 4 classes, probability rows = multinomial counts / 10
    # (exact sums of 1, heavy ties). Class 3 is never predicted.
    k = 4
    ym = rng.integers(0, k, 50)
    alpha = np.ones((50, k))
    alpha[np.arange(50), ym] += 2.0
    P = np.array([rng.multinomial(10, a / a.sum()) for a in alpha]) / 10.0
    pm = np.argmax(P[:, :3], axis=1)
    cases["multiclass"] = {
        "y_true": ym, "scores": P, "y_pred": pm,
        "accuracy": accuracy_score(ym, pm),
        "balanced_accuracy": balanced_accuracy_score(ym, pm),
        "prf": prf(ym, pm),
        "confusion": confusion_matrix(ym, pm, labels=list(range(k))),
        "roc_auc_ovr_macro": roc_auc_score(ym, P, multi_class="ovr", average="macro"),
        "roc_auc_ovr_micro": roc_auc_score(ym, P, multi_class="ovr", average="micro"),
        "roc_auc_per_class": roc_auc_score(np.eye(k)[ym], P, average=None),
        "average_precision_macro": average_precision_score(ym, P, average="macro"),
        "average_precision_micro": average_precision_score(ym, P, average="micro"),
        "average_precision_per_class": average_precision_score(np.eye(k)[ym], P, average=None),
    }

    # Label 3 only in y_pred, label 0 never predicted (zero_division paths;
    # balanced accuracy ignores classes absent from y_true).
    yt2 = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 1, 0, 2])
    yp2 = np.array([1, 2, 1, 1, 3, 2, 2, 3, 2, 1, 1, 2])
    cases["labels_absent"] = {
        "y_true": yt2, "y_pred": yp2,
        "accuracy": accuracy_score(yt2, yp2),
        "balanced_accuracy": balanced_accuracy_score(yt2, yp2),
        "prf": prf(yt2, yp2),
        "confusion": confusion_matrix(yt2, yp2, labels=[0, 1, 2, 3]),
    }

    # Multi-label indicator with one column that has no positives.
    Y = (rng.random((30, 4)) < 0.4).astype(int)
    Y[:, 2] = 0
    S = np.round(np.clip(0.3 * Y + rng.random((30, 4)) * 0.7, 0, 1), 1)
    cases["multilabel"] = {
        "y_true": Y, "scores": S,
        "roc_auc_micro": roc_auc_score(Y, S, average="micro"),
        "roc_auc_per_class": roc_auc_score(Y, S, average=None),
        "roc_auc_macro": roc_auc_score(Y, S, average="macro"),
        "average_precision_micro": average_precision_score(Y, S, average="micro"),
        "average_precision_per_class": average_precision_score(Y, S, average=None),
        "average_precision_macro": average_precision_score(Y, S, average="macro"),
    }
    return cases


# ---------------------------------------------------------------- models
def make_models(Xtr, ytr, Xte, yte):
    out = {}
    sc = StandardScaler().fit(Xtr)
    out["scaler"] = {"mean": sc.mean_, "scale": sc.scale_, "var": sc.var_,
                     "test_transformed": sc.transform(Xte)}
    Ztr, Zte = sc.transform(Xtr), sc.transform(Xte)

    pca = PCA(n_components=3, svd_solver="covariance_eigh").fit(Xtr)
    out["pca"] = {"components": pca.components_, "mean": pca.mean_,
                  "explained_variance": pca.explained_variance_,
                  "explained_variance_ratio": pca.explained_variance_ratio_,
                  "test_transformed": pca.transform(Xte)}

    lr = {}
    m = LogisticRegression(C=1.0, tol=1e-8, max_iter=10000).fit(Xtr, ytr)
    lr["raw_C1"] = {"proba": m.predict_proba(Xte), "coef": m.coef_, "intercept": m.intercept_,
                    "n_iter": int(m.n_iter_[0])}
    m = LogisticRegression(C=0.1, tol=1e-8, max_iter=10000).fit(Ztr, ytr)
    lr["scaled_C0.1"] = {"proba": m.predict_proba(Zte), "coef": m.coef_, "intercept": m.intercept_}
    # Imbalanced subset + class_weight='balanced'.
    keep = (ytr != 3) & ~((ytr == 2) & (np.arange(len(ytr)) % 3 != 0))
    m = LogisticRegression(C=1.0, tol=1e-8, max_iter=10000, class_weight="balanced").fit(Ztr[keep], ytr[keep])
    lr["balanced_subset"] = {"keep": np.nonzero(keep)[0], "proba": m.predict_proba(Zte)}
    # Binary problem (sklearn uses a single binomial coefficient vector).
    bk = ytr < 2
    m = LogisticRegression(C=1.0, tol=1e-8, max_iter=10000).fit(Ztr[bk], ytr[bk])
    lr["binary"] = {"keep": np.nonzero(bk)[0], "proba": m.predict_proba(Zte),
                    "coef": m.coef_, "intercept": m.intercept_}
    out["logistic"] = lr

    knn = {}
    for metric in ("euclidean", "cosine"):
        for w in ("uniform", "distance"):
            m = KNeighborsClassifier(n_neighbors=5, weights=w, metric=metric,
                                     algorithm="brute").fit(Xtr, ytr)
            knn[f"{metric}_{w}"] = {"proba": m.predict_proba(Xte), "pred": m.predict(Xte)}
    # Ties: integer grid data, duplicated training points, query on a training point.
    Xg = np.array([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1], [1, 1], [2, 0], [0, 0]], float)
    yg = np.array([0, 1, 2, 1, 2, 0, 1, 2])
    Qg = np.array([[0, 0], [0.5, 0.5], [1, 0]], float)
    ties = {"X": Xg, "y": yg, "Q": Qg}
    for w in ("uniform", "distance"):
        m = KNeighborsClassifier(n_neighbors=3, weights=w, algorithm="brute").fit(Xg, yg)
        ties[w] = m.predict_proba(Qg)
    knn["ties"] = ties
    out["knn"] = knn

    svc = {}
    for kernel in ("linear", "rbf"):
        m = SVC(kernel=kernel, C=1.0, gamma="scale", probability=True,
                random_state=0, decision_function_shape="ovo").fit(Ztr, ytr)
        svc[kernel] = {"pred": m.predict(Zte), "decision_ovo": m.decision_function(Zte),
                       "proba": m.predict_proba(Zte), "probA": m.probA_, "probB": m.probB_,
                       "n_support": m.n_support_, "gamma": m._gamma,
                       "intercept": m.intercept_}
    # Imbalanced subset (class 2 thinned out) with class_weight='balanced'.
    keep = (ytr != 2) | (np.arange(len(ytr)) % 4 == 0)
    m = SVC(kernel="rbf", C=1.0, class_weight="balanced", decision_function_shape="ovo").fit(Ztr[keep], ytr[keep])
    svc["rbf_balanced"] = {"keep": np.nonzero(keep)[0], "pred": m.predict(Zte),
                           "decision_ovo": m.decision_function(Zte), "n_support": m.n_support_}
    # Binary rbf on raw (unscaled) features: gamma='scale' matters here.
    bk = ytr < 2
    m = SVC(kernel="rbf", C=1.0, gamma="scale").fit(Xtr[bk], ytr[bk])
    svc["binary_rbf_raw"] = {"keep": np.nonzero(bk)[0], "pred": m.predict(Xte),
                             "decision": m.decision_function(Xte), "gamma": m._gamma}
    out["svc"] = svc

    folds = np.full(len(ytr), -1)
    for i, (_, test) in enumerate(StratifiedKFold(n_splits=5).split(Xtr, ytr)):
        folds[test] = i
    # A second, imbalanced label vector whose classes first appear out of order.
    y_imb = np.array([2, 2, 0, 1, 2, 2, 0, 2, 1, 2, 2, 0, 2, 2, 1, 2, 0, 2, 2, 2, 1, 2, 0])
    folds_imb = np.full(len(y_imb), -1)
    for i, (_, test) in enumerate(StratifiedKFold(n_splits=3).split(np.zeros((len(y_imb), 1)), y_imb)):
        folds_imb[test] = i
    out["stratified_kfold"] = {"folds5": folds, "y_imbalanced": y_imb, "folds3_imbalanced": folds_imb}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    Xtr, ytr, Xte, yte = make_data()
    write("learning_data.json", {"X_train": Xtr, "y_train": ytr, "X_test": Xte, "y_test": yte})
    write("learning_metrics.json", make_metrics())
    write("learning_models.json", make_models(Xtr, ytr, Xte, yte))


if __name__ == "__main__":
    main()
