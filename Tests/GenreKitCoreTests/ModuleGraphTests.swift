import Foundation
import XCTest

/// The module graph is a fan around `GenreKitCore` (README, "Layout"). This test reads the `import` lines of every
/// source and test file and fails on an import the graph does not allow, and checks that Package.swift declares
/// exactly this graph, so that the two cannot drift apart.
final class ModuleGraphTests: XCTestCase {
    /// What each module may import besides the platform (`Foundation`, `Dispatch`, `Glibc`, `Darwin`).
    /// A new module is added here, with the README diagram and Package.swift, or the test fails.
    static let allowed: [String: Set<String>] = [
        "GenreKitCore": ["CBLAS", "CCrypto"],
        "GenreKitAudio": ["CSndFile", "CSoxr", "CFFmpeg", "CDecoderMessages"],
        "GenreKitDSP": ["GenreKitCore", "CKissFFT", "CBLAS", "CVectorKernels"],
        "GenreKitNN": ["GenreKitCore", "CBLAS", "CDNNL", "CVectorKernels"],
        "GenreKitLearning": ["GenreKitCore", "CBLAS", "CSVM"],
        "GenreKitModels": ["GenreKitCore", "GenreKitAudio", "GenreKitDSP", "GenreKitNN"],
        "GenreKitBenchmarks": ["GenreKitCore", "GenreKitDSP", "GenreKitNN", "GenreKitModels", "GenreKitLearning", "CBLAS"],
        "GenreKitCharts": [],
        "GenreKit": ["GenreKitCore", "GenreKitAudio", "GenreKitDSP", "GenreKitNN", "GenreKitModels", "GenreKitLearning", "GenreKitCharts", "GRDB"],
        "GenreKitServer": ["GenreKit", "Hummingbird", "HummingbirdWebSocket"],
        "GenreKitCatalog": ["GenreKit", "CBLAS", "GRDB", "PostgresNIO"],
        "genrekit": ["GenreKit", "GenreKitServer", "GenreKitCatalog", "ArgumentParser"],
        "genrekit-bench": ["GenreKit", "GenreKitBenchmarks", "GenreKitCatalog"],
    ]

    /// What each test target may import besides the platform and `XCTest`.
    static let allowedInTests: [String: Set<String>] = [
        "GenreKitCoreTests": ["GenreKitCore"],
        "GenreKitAudioTests": ["GenreKitAudio", "GenreKitCore", "GenreKitModels"],
        "GenreKitDSPTests": ["GenreKitDSP", "GenreKitCore"],
        "GenreKitNNTests": ["GenreKitNN", "GenreKitCore"],
        "GenreKitLearningTests": ["GenreKitLearning", "GenreKitCore"],
        "GenreKitModelsTests": ["GenreKitModels", "GenreKitBenchmarks", "GenreKitCore", "GenreKitAudio", "GenreKitDSP", "GenreKitNN"],
        "GenreKitTests": ["GenreKit", "GenreKitBenchmarks"],
        "GenreKitChartsTests": ["GenreKitCharts"],
        "GenreKitServerTests": ["GenreKitServer", "GenreKit", "Hummingbird", "HummingbirdTesting", "HummingbirdWSClient", "HummingbirdWSTesting"],
        "GenreKitCatalogTests": ["GenreKitCatalog", "GenreKit"],
    ]

    /// Test targets may also import what their modules depend on; Package.swift names only the direct ones.
    static let declaredTestDependencies: [String: Set<String>] = [
        "GenreKitCoreTests": ["GenreKitCore"],
        "GenreKitAudioTests": ["GenreKitAudio", "GenreKitCore", "GenreKitModels"],
        "GenreKitDSPTests": ["GenreKitDSP", "GenreKitCore"],
        "GenreKitNNTests": ["GenreKitNN", "GenreKitCore"],
        "GenreKitLearningTests": ["GenreKitLearning", "GenreKitCore"],
        "GenreKitModelsTests": ["GenreKitModels", "GenreKitBenchmarks"],
        "GenreKitTests": ["GenreKit", "GenreKitBenchmarks"],
        "GenreKitChartsTests": ["GenreKitCharts"],
        "GenreKitServerTests": ["GenreKitServer", "GenreKit", "Hummingbird", "HummingbirdTesting", "HummingbirdWSClient", "HummingbirdWSTesting"],
        "GenreKitCatalogTests": ["GenreKitCatalog", "GenreKit"],
    ]

    static let platform: Set<String> = ["Foundation", "FoundationXML", "Dispatch", "Glibc", "Darwin", "XCTest"]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testEverySourceImportIsAllowedByTheGraph() throws {
        let problems = try Self.forbiddenImports(under: "Sources", allowed: Self.allowed)
        XCTAssert(problems.isEmpty, "imports the module graph does not allow (README, Layout):\n" + problems.joined(separator: "\n"))
    }

    func testEveryTestImportIsAllowedByTheGraph() throws {
        let problems = try Self.forbiddenImports(under: "Tests", allowed: Self.allowedInTests)
        XCTAssert(problems.isEmpty, "test imports the module graph does not allow:\n" + problems.joined(separator: "\n"))
    }

    func testPackageDeclaresTheGraph() throws {
        let declared = try Self.declaredDependencies()
        let cLibraries: Set<String> = ["CSndFile", "CSoxr", "CFFmpeg", "CDecoderMessages", "CBLAS", "CKissFFT", "CSVM", "CDNNL", "CCrypto", "CVectorKernels"]
        for (module, deps) in Self.allowed {
            XCTAssertEqual(declared[module], deps, "Package.swift: \(module)'s dependencies differ from the graph")
        }
        for (module, deps) in Self.declaredTestDependencies {
            XCTAssertEqual(declared[module], deps, "Package.swift: \(module)'s dependencies differ from the graph")
        }
        let known = Set(Self.allowed.keys).union(Self.declaredTestDependencies.keys).union(cLibraries)
        XCTAssertEqual(Set(declared.keys).subtracting(known), [], "targets the graph does not know: add them to ModuleGraphTests and the README")
    }

    /// SwiftPM refuses a dependency whose targets use `unsafeFlags`: GenreKit must stay usable as a package
    /// dependency, so no target may use them (code only; comments may mention them).
    func testPackageUsesNoUnsafeFlags() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let code = text.replacingOccurrences(of: #"//[^\n]*"#, with: "", options: .regularExpression)
        XCTAssertFalse(code.contains("unsafeFlags"), "Package.swift uses unsafeFlags: another package could not depend on GenreKit")
    }

    /// The GenreKit module's folders, each using only those before it (README, "Layout").
    static let genreKitFolders = ["Datasets", "Pipeline", "Features", "FineTuning", "ModelFile", "Training", "Explain", "Streaming", "FewShot", "Reports"]

    func testGenreKitFoldersPointOneWay() throws {
        let base = Self.root.appendingPathComponent("Sources/GenreKit")
        var declaredIn: [String: String] = [:]
        var texts: [(folder: String, file: String, text: String)] = []
        let declaration = try NSRegularExpression(pattern: #"^(?:public |private |fileprivate )?(?:final )?(?:struct|enum|class|protocol|typealias)\s+(\w+)"#,
                                                  options: .anchorsMatchLines)
        for folder in Self.genreKitFolders {
            for file in Self.swiftFiles(in: base.appendingPathComponent(folder)) {
                let text = try String(contentsOf: file, encoding: .utf8)
                let range = NSRange(text.startIndex..., in: text)
                for m in declaration.matches(in: text, range: range) { declaredIn[String(text[Range(m.range(at: 1), in: text)!])] = folder }
                // Code only: comments and string literals may name anything.
                let code = text.replacingOccurrences(of: #"//[^\n]*"#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #""(\\.|[^"\\\n])*""#, with: "\"\"", options: .regularExpression)
                texts.append((folder, file.lastPathComponent, code))
            }
        }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: base.path).filter { !$0.hasSuffix(".swift") }),
                       Set(Self.genreKitFolders), "a folder the order does not know: add it to genreKitFolders and the README")
        var problems: [String] = []
        for (folder, file, code) in texts {
            let rank = Self.genreKitFolders.firstIndex(of: folder)!
            for (name, home) in declaredIn where Self.genreKitFolders.firstIndex(of: home)! > rank {
                if code.range(of: #"\b\#(name)\b"#, options: .regularExpression) != nil {
                    problems.append("\(folder)/\(file) uses \(name) of \(home)/, a later folder")
                }
            }
        }
        XCTAssert(problems.isEmpty, "GenreKit folders must point one way (\(Self.genreKitFolders.joined(separator: " ← "))):\n"
                  + problems.sorted().joined(separator: "\n"))
    }

    /// `path: import X` lines that `allowed` does not permit, for every Swift file under `folder`/<module>.
    static func forbiddenImports(under folder: String, allowed: [String: Set<String>]) throws -> [String] {
        let base = root.appendingPathComponent(folder)
        var problems: [String] = []
        let modules = try FileManager.default.contentsOfDirectory(atPath: base.path).sorted()
        for module in modules {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base.appendingPathComponent(module).path, isDirectory: &isFolder),
                  isFolder.boolValue else { continue }
            let files = swiftFiles(in: base.appendingPathComponent(module))
            if files.isEmpty { continue }
            guard let permitted = allowed[module] else {
                problems.append("\(folder)/\(module): a module the graph does not know; add it to ModuleGraphTests and the README")
                continue
            }
            for file in files {
                let text = try String(contentsOf: file, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    guard let imported = importedModule(String(line)) else { continue }
                    if imported == module || platform.contains(imported) || permitted.contains(imported) { continue }
                    let relative = file.path.dropFirst(root.path.count + 1)
                    problems.append("\(relative):\(number + 1): \(module) imports \(imported); the graph allows \(permitted.sorted().joined(separator: ", "))")
                }
            }
        }
        return problems
    }

    /// The module an `import` line names (`@testable`, `@_exported`, `@_spi(…)` and `import struct M.T` included).
    static func importedModule(_ line: String) -> String? {
        var words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map(String.init)
        while let first = words.first, first.hasPrefix("@") { words.removeFirst() }
        guard words.first == "import", words.count >= 2 else { return nil }
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        let path = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
        return path.split(separator: ".").first.map(String.init)
    }

    static func swiftFiles(in folder: URL) -> [URL] {
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        return (walker?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }
    }

    /// Target name → the names in its `dependencies:` list (plain names and `.product(name:)`), read from Package.swift.
    static func declaredDependencies() throws -> [String: Set<String>] {
        let text = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var result: [String: Set<String>] = [:]
        let targets = text.components(separatedBy: "arget(name: \"").dropFirst()
        for chunk in targets {
            guard let nameEnd = chunk.firstIndex(of: "\"") else { continue }
            let name = String(chunk[..<nameEnd])
            var deps = Set<String>()
            if let open = chunk.range(of: "dependencies: [") {
                var depth = 1, i = open.upperBound
                while i < chunk.endIndex, depth > 0 {
                    if chunk[i] == "[" { depth += 1 } else if chunk[i] == "]" { depth -= 1 }
                    i = chunk.index(after: i)
                }
                let list = String(chunk[open.upperBound..<i])
                let quoted = list.components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                var skipNext = false
                for (k, q) in quoted.enumerated() {
                    if skipNext { skipNext = false; continue }
                    // `.product(name: "X", package: "Y")`: keep X, drop the package name.
                    if k + 1 < quoted.count, list.contains("name: \"\(q)\", package: \"\(quoted[k + 1])\"") { skipNext = true }
                    deps.insert(q)
                }
            }
            result[name] = deps
        }
        return result
    }
}
