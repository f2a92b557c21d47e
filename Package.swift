// swift-tools-version:6.0
import PackageDescription

/// Module graph: a fan around a small core (see README, "Layout"; `ModuleGraphTests` enforces it).
///
///   GenreKitCore ← GenreKitDSP, GenreKitNN, GenreKitLearning (each: core + its C libraries); GenreKitAudio: C only
///   GenreKitModels ← Audio, DSP, NN      GenreKitBenchmarks ← Models, Learning
///   GenreKit ← Audio, DSP, NN, Models, Learning + GRDB      GenreKitServer ← GenreKit + Hummingbird, HummingbirdWebSocket
///   GenreKitCatalog ← GenreKit + GRDB, PostgresNIO
///   genrekit ← GenreKit, GenreKitServer, GenreKitCatalog; genrekit-bench ← GenreKit, Benchmarks, Catalog
let package = Package(
    name: "GenreKit",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GenreKit", targets: ["GenreKit"]),
        .executable(name: "genrekit", targets: ["genrekit"]),
        .executable(name: "genrekit-bench", targets: ["genrekit-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // The server's WebSocket stream (/v1/stream; GenreKitServer only, its client in the server's tests).
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.0.0"),
        // Catalog store: PostgreSQL (GenreKitCatalog only).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"]), .brew(["libsndfile"])]),
        // FFmpeg's headers only (Debian puts them on the compiler's default path): no pkgConfig and no `link` in the module
        // map, so nothing links FFmpeg; GenreKitAudio dlopens it when a file needs it (FFmpegLibrary.swift).
        .systemLibrary(name: "CFFmpeg",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswresample-dev"]), .brew(["ffmpeg"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"]), .brew(["libsoxr"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CKissFFT", providers: [.apt(["libkissfft-dev"]), .brew(["kissfft"])]),
        .systemLibrary(name: "CSVM", providers: [.apt(["libsvm-dev"]), .brew(["libsvm"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"]), .brew(["onednn"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]),

        // Folds libmpg123's stderr lines into GenreKit's one-line warnings. The stdio calls it replaces reach libmpg123
        // without any linker flag: the linker exports an executable's definition of every symbol a shared library in the
        // link refers to (libsndfile → libmpg123 refers to fprintf, __fprintf_chk and fwrite), so no unsafeFlags, and
        // another package can depend on GenreKit.
        .target(name: "CDecoderMessages"),
        .target(name: "CVectorKernels"),
        .target(name: "GenreKitCore", dependencies: ["CBLAS", "CCrypto"]),
        .target(name: "GenreKitAudio", dependencies: ["CSndFile", "CSoxr", "CFFmpeg", "CDecoderMessages"]),
        .target(name: "GenreKitDSP", dependencies: ["GenreKitCore", "CKissFFT", "CBLAS", "CVectorKernels"]),
        .target(name: "GenreKitNN", dependencies: ["GenreKitCore", "CBLAS", "CDNNL", "CVectorKernels"]),
        .target(name: "GenreKitLearning", dependencies: ["GenreKitCore", "CSVM", "CBLAS"]),
        .target(name: "GenreKitModels", dependencies: ["GenreKitCore", "GenreKitAudio", "GenreKitDSP", "GenreKitNN"]),
        .target(name: "GenreKitBenchmarks", dependencies: [
            "GenreKitCore", "GenreKitDSP", "GenreKitNN", "GenreKitModels", "GenreKitLearning", "CBLAS",
        ]),
        .target(name: "GenreKitCharts"),
        .target(name: "GenreKit", dependencies: [
            "GenreKitCore", "GenreKitAudio", "GenreKitDSP", "GenreKitNN", "GenreKitModels", "GenreKitLearning", "GenreKitCharts",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "GenreKitServer", dependencies: [
            "GenreKit", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        ], resources: [.embedInCode("Resources/index.html"), .embedInCode("Resources/openapi.json")]),
        // Catalog: songs, queue and results in SQLite (GRDB) or PostgreSQL; the only module importing PostgresNIO.
        .target(name: "GenreKitCatalog", dependencies: [
            "GenreKit", "CBLAS", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        .executableTarget(name: "genrekit", dependencies: [
            "GenreKit", "GenreKitServer", "GenreKitCatalog", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "genrekit-bench", dependencies: ["GenreKit", "GenreKitBenchmarks", "GenreKitCatalog"]),

        .testTarget(name: "GenreKitCoreTests", dependencies: ["GenreKitCore"]),
        .testTarget(name: "GenreKitAudioTests", dependencies: ["GenreKitAudio", "GenreKitCore", "GenreKitModels"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenreKitDSPTests", dependencies: ["GenreKitDSP", "GenreKitCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenreKitNNTests", dependencies: ["GenreKitNN", "GenreKitCore"]),
        .testTarget(name: "GenreKitModelsTests", dependencies: ["GenreKitModels", "GenreKitBenchmarks"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenreKitTests", dependencies: ["GenreKit", "GenreKitBenchmarks"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenreKitServerTests", dependencies: [
            "GenreKitServer", "GenreKit", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
        ]),
        .testTarget(name: "GenreKitLearningTests", dependencies: ["GenreKitLearning", "GenreKitCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GenreKitChartsTests", dependencies: ["GenreKitCharts"]),
        .testTarget(name: "GenreKitCatalogTests", dependencies: ["GenreKitCatalog", "GenreKit"]),
    ]
)
