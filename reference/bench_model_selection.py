"""Reference timing of `genrekit train`'s model selection (scikit-learn GridSearchCV), for `genrekit-bench learning`.

Usage: python reference/bench_model_selection.py X.npy y.npy groups.npy folds.npy --grid auto|svm

The same candidates as GenreKit's ClassifierChoice (StandardScaler in front of each), the same song-grouped folds
(PredefinedSplit on GenreKit's fold of every row), the same score (song accuracy: a song's class is the arg-max of
its windows' mean probabilities; an SVM is scored on its own one-vs-one vote, probability=False during the
search), all cores (n_jobs=-1); then the winner is refitted on all rows (SVC with probability=True), as
`genrekit train` does. Prints one JSON line: seconds (search + refit), best candidate, best mean score.
"""
import argparse, json, time
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC


def drop_group(X):
    return X[:, :-1]


class ScaledGammaSVC(SVC):
    """SVC with gamma = gamma_factor / (d · Var(X)) (GenreKit's `gamma ∈ {0.1, 1, 10} × "scale"`)."""
    def __init__(self, C=1.0, kernel="rbf", gamma_factor=1.0, probability=False, tol=1e-3, cache_size=200):
        super().__init__(C=C, kernel=kernel, probability=probability, tol=tol, cache_size=cache_size)
        self.gamma_factor = gamma_factor

    def fit(self, X, y, sample_weight=None):
        v = X.var()
        self.gamma = self.gamma_factor / (X.shape[1] * v) if v != 0 else self.gamma_factor
        return super().fit(X, y, sample_weight=sample_weight)


def song_accuracy(est, X, y):
    groups = X[:, -1]
    clf = est[-1]
    if isinstance(clf, SVC) and not clf.probability:
        P = (est.predict(X)[:, None] == clf.classes_[None, :]).astype(float)
    else:
        P = est.predict_proba(X)
    hits = []
    for g in np.unique(groups):
        rows = groups == g
        hits.append(clf.classes_[P[rows].mean(axis=0).argmax()] == y[rows][0])
    return float(np.mean(hits))


ap = argparse.ArgumentParser()
ap.add_argument("x"); ap.add_argument("y"); ap.add_argument("groups"); ap.add_argument("folds")
ap.add_argument("--grid", default="auto", choices=["auto", "svm"])
a = ap.parse_args()
X = np.load(a.x).astype(np.float64); y = np.load(a.y).astype(np.int64)
groups = np.load(a.groups).astype(np.float64); folds = np.load(a.folds).astype(np.int64)
Xg = np.hstack([X, groups[:, None]])

rbf_factors = [1.0] if a.grid == "auto" else [1.0, 0.1, 10.0]
grid = [{"clf": [ScaledGammaSVC(kernel="rbf")], "clf__C": [0.1, 1.0, 10.0], "clf__gamma_factor": rbf_factors},
        {"clf": [SVC(kernel="linear")], "clf__C": [0.1, 1.0]}]
if a.grid == "auto":
    grid = [{"clf": [LogisticRegression(tol=1e-6, max_iter=1000)], "clf__C": [0.01, 0.1, 1.0, 10.0]}] + grid + \
           [{"clf": [KNeighborsClassifier()], "clf__n_neighbors": [1, 3, 5, 7, 9, 11, 15]}]
pipe = Pipeline([("drop", FunctionTransformer(drop_group)), ("scale", StandardScaler()), ("clf", LogisticRegression())])

t0 = time.perf_counter()
search = GridSearchCV(pipe, grid, scoring=song_accuracy, cv=PredefinedSplit(folds), n_jobs=-1, refit=False)
search.fit(Xg, y)
best = search.best_params_
final = clone(pipe).set_params(**best)
if isinstance(final[-1], SVC):
    final.set_params(clf__probability=True)
final.fit(Xg, y)
seconds = time.perf_counter() - t0
clf = best["clf"]
name = type(clf).__name__ + "(" + ", ".join(f"{k[5:]}={v}" for k, v in sorted(best.items()) if k != "clf") + ")"
print(json.dumps({"seconds": seconds, "best": name, "best_score": float(search.best_score_)}))
