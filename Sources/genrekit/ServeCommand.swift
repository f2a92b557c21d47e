import ArgumentParser
import Foundation
import GenreKit
import GenreKitServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (/v1/tag, /v1/predict, /v1/embed, /v1/models) and the web page at /.",
        discussion: """
        Loads the pre-trained networks that are installed and the .gkmodel files of --models once, then answers \
        uploads (the audio file as the request body) with the JSON records of genrekit tag / predict and feature \
        vectors. The API is described at /openapi.json. Binding anything but loopback requires --api-key (or \
        \(ServerConfiguration.apiKeyVariable)); requests to /v1/ then carry Authorization: Bearer KEY or X-API-Key: KEY. \
        SIGTERM or Ctrl-C stops accepting connections and lets running analyses finish.
        """)

    @Option(help: "Address to bind (anything but loopback requires --api-key).") var host = "127.0.0.1"
    @Option(help: "Port to bind (0: any free port).") var port = 8080
    @Option(help: "Folder of trained .gkmodel files to serve (by file name without the extension).") var models: String?
    @Option(help: "Comma-separated pre-trained networks to load (default: every installed one).") var pretrained: String?
    @Option(name: .customLong("max-upload-mb"), help: "Largest upload accepted, in megabytes.") var maxUploadMB = 200
    @Option(help: "Analyses run at once (default: the number of cores).") var jobs: Int?
    @Option(help: "Analyses that may wait for a free worker before requests are refused with 503 (default: --jobs).") var queue: Int?
    @Option(name: .customLong("api-key"), help: "Key every /v1/ request must carry (default: $\(ServerConfiguration.apiKeyVariable)).") var apiKey: String?
    @Option(help: "Seconds an analysis may take, waiting included, before the request is answered 504.") var timeout = 300.0

    func run() async throws {
        var c = ServerConfiguration()
        c.host = host
        c.port = port
        c.modelsDirectory = models
        c.pretrained = pretrained?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        c.maxUploadBytes = maxUploadMB * 1024 * 1024
        if let jobs { c.jobs = jobs }
        c.queueDepth = queue
        c.apiKey = apiKey ?? ProcessInfo.processInfo.environment[ServerConfiguration.apiKeyVariable].flatMap { $0.isEmpty ? nil : $0 }
        c.timeoutSeconds = timeout
        let server: GenreKitServer
        do { server = try GenreKitServer(configuration: c) } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        for skipped in server.registry.skipped { printError("warning: skipped \(skipped)") }
        let names = server.registry.infos.map(\.name).joined(separator: ", ")
        let host = c.host
        try await server.run { port in
            printError("genrekit serve: \(server.registry.infos.count) models (\(names)); \(server.queue.workers) jobs; listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        }
    }
}
