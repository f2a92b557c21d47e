import Dispatch
import Foundation
import GenreKit

/// A catalog store as GenreKit's ``StoredSongVectors``: what `train`, `evaluate` and `study` read with
/// `--cache sqlite:PATH`, `--cache postgres://…` or `--cache CATALOG.sqlite` (the command layer opens the store and
/// hands this to ``StoredFeatureExtractor``).
public struct CatalogSongVectors: StoredSongVectors {
    public let store: any CatalogStore
    public var location: String { store.location }

    public init(store: any CatalogStore) { self.store = store }

    /// The store `text` names when it names a catalog: `sqlite:PATH`, `postgres://…`/`postgresql://…`, or the path
    /// of an existing SQLite file holding a catalog (a feature cache file, or a missing one, is not: nil).
    public static func open(_ text: String) throws -> CatalogSongVectors? {
        guard names(text) else { return nil }
        return CatalogSongVectors(store: try CatalogLocation.open(text))
    }

    /// Whether `text` names a catalog store (see ``open(_:)``).
    public static func names(_ text: String) -> Bool {
        CatalogLocation.isPostgres(text) || text.hasPrefix("sqlite:") || SQLiteCatalogStore.isCatalogFile(text)
    }

    /// Reads the store from synchronous code (blocks the calling thread, which must not be one of Swift
    /// concurrency's pool: the commands call it from their synchronous `run`).
    public func songVectors(paths: [String], specKey: String) throws -> [StoredSongVector?] {
        let store = self.store
        let unique = Array(Set(paths))
        let result = Locked<Result<[String: StoredSongVector], Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                var out: [String: StoredSongVector] = [:]
                for start in stride(from: 0, to: unique.count, by: 10_000) {
                    let part = Array(unique[start..<min(start + 10_000, unique.count)])
                    out.merge(try await store.songVectors(locations: part, spec: specKey)) { a, _ in a }
                }
                result.withLock { $0 = .success(out) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        let found = try result.value!.get()
        return paths.map { found[$0] }
    }
}
