import Foundation
import GenreKit

/// Opens a store from its text: `sqlite:PATH` (or a bare path) or `postgres://USER@HOST[:PORT]/DB`.
public enum CatalogLocation {
    /// The environment variable naming the store when `--store` is not given.
    public static let environmentVariable = "GENREKIT_STORE"

    /// `$GENREKIT_STORE`, else `sqlite:` + `$GENREKIT_CACHE/catalog.sqlite` (or `~/.cache/genrekit/catalog.sqlite`).
    public static func defaultLocation(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let s = environment[environmentVariable], !s.isEmpty { return s }
        let cache = (FeatureCache.defaultPath(environment: environment) as NSString).deletingLastPathComponent
        return "sqlite:" + cache + "/catalog.sqlite"
    }

    /// Whether `text` names a PostgreSQL store.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// The store `text` names (nil: ``defaultLocation(environment:)``).
    /// - Throws: ``CatalogError/badLocation(_:)``, or the store's errors when it cannot be opened.
    public static func open(_ text: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any CatalogStore {
        let location = text ?? defaultLocation(environment: environment)
        if isPostgres(location) { return try PostgresCatalogStore(url: location) }
        var path = location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
        if path.hasPrefix("//") { path = String(path.dropFirst(2)) }   // sqlite:///abs/path
        guard !path.isEmpty, !path.contains("://") else { throw CatalogError.badLocation(location) }
        return try SQLiteCatalogStore(path: (path as NSString).expandingTildeInPath)
    }
}
