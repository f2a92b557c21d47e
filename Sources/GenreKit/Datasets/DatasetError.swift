/// Why a dataset could not be loaded or split. Each message is one line naming the file and what to do.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The dataset folder does not exist (or is a file).
    case rootNotFound(path: String)
    /// Nothing usable was found at `path`.
    case emptyDataset(path: String, reason: String)
    /// The manifest file does not exist or cannot be read.
    case manifestNotFound(path: String)
    /// A manifest line is not `path,label[,split]`.
    case malformedManifest(path: String, line: Int, reason: String)
    /// None of `train.txt`, `valid.txt`, `test.txt` is in the folder.
    case splitFilesNotFound(folder: String)
    /// A split file names a file the dataset does not hold.
    case unknownSplitEntry(file: String, line: Int, entry: String, root: String)
    /// A file is listed in two split files (or twice in one).
    case duplicateSplitEntry(file: String, line: Int, entry: String)
    /// A requested split fraction is not strictly between 0 and 1.
    case invalidFraction(Double)
    /// Cross-validation needs at least two folds.
    case invalidFoldCount(Int)
    /// A class has fewer examples than the requested folds, so some fold would miss it.
    case classTooSmall(label: String, count: Int, folds: Int)

    public var description: String {
        switch self {
        case .rootNotFound(let p):
            return "dataset folder \(p) not found; check the path (expected ROOT/<label>/<audio file>)"
        case .emptyDataset(let p, let r):
            return "no labelled audio in \(p): \(r)"
        case .manifestNotFound(let p):
            return "manifest \(p) not found or unreadable; check the path"
        case .malformedManifest(let p, let n, let r):
            return "\(p) line \(n): \(r) (expected a header line and rows path,label[,split]; labels separated by ';')"
        case .splitFilesNotFound(let f):
            return "no split files in \(f); expected train.txt, valid.txt and/or test.txt (one path per line)"
        case .unknownSplitEntry(let f, let n, let e, let r):
            return "\(f) line \(n): '\(e)' is not in the dataset; paths must be relative to the dataset root \(r)"
        case .duplicateSplitEntry(let f, let n, let e):
            return "\(f) line \(n): '\(e)' is already assigned to a split; list each file in one split file only"
        case .invalidFraction(let x):
            return "split fraction \(x) must be strictly between 0 and 1 (e.g. 0.25 for 25 % test)"
        case .invalidFoldCount(let k):
            return "\(k) folds: cross-validation needs at least 2 folds"
        case .classTooSmall(let l, let c, let k):
            return "class '\(l)' has only \(c) example\(c == 1 ? "" : "s"), fewer than the \(k) folds; use at most \(c) folds, add examples, or drop the class"
        }
    }
}
