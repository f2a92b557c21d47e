import Foundation

/// Why a catalog operation failed; each message is one line that says what to do.
public enum CatalogError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--store` is neither `sqlite:PATH` nor `postgres://…`.
    case badLocation(String)
    /// The store has no catalog schema yet.
    case notInitialised(store: String)
    /// The store was written by a newer GenreKit.
    case newerSchema(store: String, found: Int, supported: Int)
    /// The store could not be reached or answered with an error.
    case unavailable(store: String, reason: String)
    /// Stored data does not decode.
    case corrupt(store: String, reason: String)
    /// No song with this id or location.
    case unknownSong(String)
    /// No vectors of this spec are stored.
    case noVectors(spec: String)
    /// The input of `add` could not be read.
    case unreadableInput(path: String, reason: String)
    /// A throwaway PostgreSQL server could not be started.
    case serverStart(String)

    public var description: String {
        switch self {
        case .badLocation(let s):
            return "store '\(s)': use sqlite:PATH or postgres://USER@HOST[:PORT]/DATABASE (or set GENREKIT_STORE)"
        case .notInitialised(let s): return "\(s) holds no catalog yet: run genrekit catalog init --store \(s)"
        case .newerSchema(let s, let found, let supported):
            return "\(s) has catalog schema \(found), this genrekit knows up to \(supported): upgrade genrekit"
        case .unavailable(let s, let r): return "\(s): \(r)"
        case .corrupt(let s, let r): return "\(s) is damaged: \(r)"
        case .unknownSong(let s): return "no song '\(s)' in the catalog: give a song id (genrekit catalog export) or an added file"
        case .noVectors(let spec): return "no song vectors of \(spec) in the catalog: run genrekit catalog work --features \(spec) first"
        case .unreadableInput(let p, let r): return "cannot read \(p): \(r)"
        case .serverStart(let r): return "cannot start a PostgreSQL server: \(r); install Debian's postgresql (scripts/setup.sh)"
        }
    }
}
