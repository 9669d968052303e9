import ArgumentParser
import ModelRepo

struct Lineage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a commit came from, and by which operations.",
        discussion: """
            Walks parents and sources (a rebase's basin, a merge's inputs), nearest first.

            Example:
              mgit lineage teamA
            """)

    @Argument(help: "The revision (default: HEAD).")
    var revision: String = "HEAD"

    @Option(name: .long, help: "Stop this many steps back.")
    var depth: Int?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let nodes = try repository.open().lineage(revision, depth: depth)
        if output.json { return try Terminal.json(nodes) }
        for n in nodes {
            let indent = String(repeating: "  ", count: n.depth)
            var line = "\(indent)\(Terminal.short(n.commit)) \(n.operation)"
            if let b = n.branch { line += " on \(b)" }
            if let f = n.sourceFile { line += " from \(f)" }
            line += ": \(n.message.split(separator: "\n").first ?? "")"
            print(line)
            if !n.sources.isEmpty { print("\(indent)  sources: \(n.sources.map(Terminal.short).joined(separator: ", "))") }
            if !n.metrics.isEmpty { print("\(indent)  " + n.metrics.map(Terminal.metric).joined(separator: ", ")) }
        }
    }
}
