import ArgumentParser
import Foundation
import GenreKit

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "List the pre-trained models and inspect their checkpoints.",
        subcommands: [List.self, Inspect.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the pre-trained models and whether they are installed.")
        func run() {
            let store = ModelStore()
            print("models in \(store.root):")
            for a in ModelArchitecture.all {
                let state = store.isInstalled(a.name) ? "installed" : "not installed"
                print("  \(a.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(a.kind.rawValue), \(a.tags.count) tags, layers: \(a.featureNames.joined(separator: ",")) [\(state)]")
            }
            let r = RandomMusicnnWeights.architecture
            print("  \(r.name.padding(toLength: 16, withPad: " ", startingAt: 0)) musicnn with untrained TensorFlow-default weights (baseline), layers: \(r.featureNames.joined(separator: ",")) [generated, no checkpoint]")
            let y = store.isYAMNetInstalled ? "installed" : "not installed: scripts/setup.sh with ../shared/models or GENREKIT_YAMNET=/path/to/yamnet.tflite"
            print("  \(YAMNetModel.name.padding(toLength: 16, withPad: " ", startingAt: 0)) TensorFlow Lite (AudioSet), \(YAMNetModel.classCount) classes, layers: embedding,scores [\(y)]")
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a checkpoint's variables (name, shape, size), CRC-checked.")
        @Argument(help: "Model name (e.g. MSD_musicnn) or a checkpoint folder.") var name: String
        @Flag(help: "Also list optimizer slots (Adam moments, beta powers).") var all = false

        func run() throws {
            do {
                let ckpt = FileManager.default.fileExists(atPath: name) ? try Checkpoint(directory: name) : try ModelStore().checkpoint(for: name)
                let list = all ? ckpt.entries : ckpt.variables
                var total = 0
                for e in list {
                    _ = try ckpt.tensor(e.name)   // verifies the CRC32C
                    print("\(e.name)\t\(e.shape)\t\(e.byteCount) bytes")
                    total += e.byteCount
                }
                print("\(list.count) variables, \(total) bytes, all CRC32C checks passed")
            } catch let e as ExitCode { throw e } catch {
                printError("error: \(error)"); throw ExitCode(1)
            }
        }
    }
}
