import ArgumentParser
import Foundation
import MgitServe
import ModelRepo

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Browse the repository in a web browser: lineage graph, merges and barriers, metrics, diffs.",
        discussion: """
            A read-only local web server over the repository: the commit graph of every branch and
            remote-tracking branch, each commit's tensors and operation, each merge (accepted or refused) with
            its barrier plot and hook verdicts, metrics along a branch, and tensor diffs; the same data as JSON
            under /api/ (docs/SERVE.md). Pages are read afresh on every request, so a commit, merge or fetch
            made meanwhile shows on reload. Ctrl-C (SIGINT) or SIGTERM stops it.

            It listens on 127.0.0.1 only, unless --host says otherwise: anyone who can reach another address
            can read every commit, metric and hook output.

            Example:
              mgit serve --port 8470 --open
            """)

    @Option(name: .long, help: "The TCP port (0: any free port).")
    var port: Int = 8470

    @Option(name: .long, help: "The address to listen on; anything but loopback exposes the repository.")
    var host: String = "127.0.0.1"

    @Flag(name: .long, help: "Open the graph page in the default browser (xdg-open).")
    var open = false

    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, not \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
    }

    func run() async throws {
        let root = try repository.open().root
        if !["127.0.0.1", "localhost", "::1"].contains(host) {
            Terminal.note("warning: listening on \(host), not loopback: anyone who can reach it can read this repository's commits, metrics and hook output")
        }
        let server = RepositoryServer(root: root, host: host, port: port)
        let open = self.open
        do {
            try await server.run { url in
                // Unbuffered: a script or test waiting for the URL reads it at once, even through a pipe.
                FileHandle.standardOutput.write(Data("Serving \(root) at \(url) (read-only; Ctrl-C stops)\n".utf8))
                if open { Self.openBrowser(url) }
            }
        } catch {
            throw MgitError(.io, "cannot serve on \(host):\(port): \(error); is another server using the port? Choose another with --port",
                            underlying: nil)
        }
        FileHandle.standardOutput.write(Data("Stopped.\n".utf8))
    }

    /// Hands `url` to the desktop's browser; says so when there is none.
    static func openBrowser(_ url: String) {
        let opener = ["/usr/bin/xdg-open", "/usr/bin/open"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let opener else { return Terminal.note("No xdg-open here: open \(url) in a browser.") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: opener)
        process.arguments = [url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { Terminal.note("Could not start \(opener): open \(url) in a browser.") }
    }
}
