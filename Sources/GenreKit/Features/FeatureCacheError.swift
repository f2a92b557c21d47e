/// Why the feature cache cannot be used. Messages name the cache file and say what to do.
public enum FeatureCacheError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a SQLite database, or is damaged.
    case corrupt(path: String, reason: String)
    /// The file is a SQLite database, but not a GenreKit feature cache of this schema version.
    case incompatible(path: String, reason: String)
    /// The cache folder cannot be created or the database cannot be written.
    case unavailable(path: String, reason: String)

    public var description: String {
        switch self {
        case .corrupt(let p, let r):
            return "feature cache \(p) is damaged or not a database (\(r)); delete it and the features will be recomputed"
        case .incompatible(let p, let r):
            return "feature cache \(p) cannot be used (\(r)); delete it (or set GENREKIT_CACHE to another folder) and the features will be recomputed"
        case .unavailable(let p, let r):
            return "feature cache \(p) cannot be opened or written (\(r)); check the folder's permissions and free space, or set GENREKIT_CACHE to another folder"
        }
    }
}
