"""Reference timing of a logistic-regression linear probe (scikit-learn), for `genrekit-bench learning`.

Usage: python reference/bench_learning.py X.npy y.npy [--tol 1e-4] [--max-iter 100] [--repeat 3]
Fits sklearn.linear_model.LogisticRegression(C=1, solver='lbfgs') on the same data GenreKit fits and prints one
JSON line: median fit seconds, iterations, training accuracy.
"""
import argparse, json, statistics, time
import numpy as np
from sklearn.linear_model import LogisticRegression

ap = argparse.ArgumentParser()
ap.add_argument("x"); ap.add_argument("y")
ap.add_argument("--tol", type=float, default=1e-4)
ap.add_argument("--max-iter", type=int, default=100)
ap.add_argument("--repeat", type=int, default=3)
a = ap.parse_args()
X = np.load(a.x).astype(np.float64); y = np.load(a.y).astype(np.int64)
times = []
for _ in range(a.repeat):
    m = LogisticRegression(C=1.0, tol=a.tol, max_iter=a.max_iter)
    t0 = time.perf_counter(); m.fit(X, y); times.append(time.perf_counter() - t0)
print(json.dumps({"fit_s": statistics.median(times), "iterations": int(m.n_iter_[0]),
                  "train_accuracy": float((m.predict(X) == y).mean())}))
