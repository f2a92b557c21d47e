import XCTest
@testable import GenreKitCatalog
