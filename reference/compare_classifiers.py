"""Classifier parity under the same protocol: scikit-learn on the feature tables GenreKit reads.

Usage: python reference/compare_classifiers.py TRAIN.csv TEST.csv
Tables: columns id,label,f0..fD-1 (one row per song). Each classifier is a StandardScaler followed by the model
with GenreKit's no-search defaults (`genrekit train --feature-table --folds 1`): LogisticRegression(C=1),
SVC(rbf, C=1, gamma='scale'), KNeighborsClassifier(5). Prints test accuracy per classifier as JSON.

Also: `python reference/compare_classifiers.py --pool ROWS_NPY ROWS_CSV OUT.csv` turns `genrekit embed`
window rows into a song-level table (mean over each file's windows; label = parent folder name).
"""
import csv, json, os, sys
import numpy as np

def pool(npy, rows_csv, out):
    x = np.load(npy); rows = list(csv.DictReader(open(rows_csv)))
    files = sorted(set(r["path"] for r in rows))
    with open(out, "w", newline="") as f:
        w = csv.writer(f); w.writerow(["id", "label"] + [f"f{j}" for j in range(x.shape[1])])
        for p in files:
            idx = [i for i, r in enumerate(rows) if r["path"] == p]
            w.writerow([p, os.path.basename(os.path.dirname(p))] + [repr(float(v)) for v in x[idx].astype(np.float32).mean(axis=0, dtype=np.float64).astype(np.float32)])

def load(path):
    rows = list(csv.reader(open(path))); head, body = rows[0], rows[1:]
    return np.array([[float(v) for v in r[2:]] for r in body]), np.array([r[1] for r in body])

if sys.argv[1] == "--pool":
    pool(*sys.argv[2:5]); sys.exit(0)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.neighbors import KNeighborsClassifier
Xa, ya = load(sys.argv[1]); Xb, yb = load(sys.argv[2])
out = {}
for name, m in [("logreg", LogisticRegression(C=1.0, tol=1e-6, max_iter=1000)), ("svm", SVC(C=1.0, kernel="rbf", gamma="scale")),
                ("knn", KNeighborsClassifier(5))]:
    p = make_pipeline(StandardScaler(), m).fit(Xa, ya)
    out[name] = float((p.predict(Xb) == yb).mean())
print(json.dumps(out))
