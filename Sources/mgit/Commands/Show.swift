import ArgumentParser
import ModelRepo
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a commit's checkpoint: tensors, parameters, metrics, lineage.",
        discussion: """
            Example:
              mgit show teamA
              mgit show HEAD~1 --json
            """)

    @Argument(help: "The revision to show (default: HEAD).")
    var revision: String = "HEAD"

    @Flag(help: "Print the mergekit config that reproduces a method merge (mgit merge --config).")
    var config = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if config {
            let text = try repository.open().mergeConfig(at: revision)
            if output.json { return try Terminal.json(["config": text]) }
            return print(text, terminator: "")
        }
        let d = try repository.open().show(revision)
        if output.json { return try Terminal.json(d) }
        let refs = d.summary.refs.isEmpty ? "" : " (\(d.summary.refs.joined(separator: ", ")))"
        print("commit \(d.summary.commit)\(refs)")
        print("Author: \(d.summary.author)")
        print("Date:   \(d.summary.date)")
        var op = "Op:     \(d.summary.operation)"
        if let b = d.summary.branch { op += " on \(b)" }
        if let f = d.sourceFile { op += " from \(f)" }
        print(op)
        if !d.summary.parents.isEmpty { print("Parents: \(d.summary.parents.map(Terminal.short).joined(separator: " "))") }
        if !d.sources.isEmpty { print("Sources: \(d.sources.map(Terminal.short).joined(separator: " "))") }
        print("")
        print("    \(d.summary.message)")
        print("")
        print("\(d.tensors.count) tensors, \(Terminal.count(d.parameters)) parameters, \(Terminal.bytes(d.bytes))")
        let width = min(48, d.tensors.map(\.name.count).max() ?? 0)
        for t in d.tensors {
            let name = t.name.padding(toLength: max(width, t.name.count), withPad: " ", startingAt: 0)
            print("  \(name)  \(t.dtype.padding(toLength: 7, withPad: " ", startingAt: 0)) \(Terminal.shape(t.shape).padding(toLength: 18, withPad: " ", startingAt: 0)) \(Terminal.bytes(t.bytes))")
        }
        if !d.metadata.isEmpty {
            print("Metadata:")
            for (k, v) in d.metadata.sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
        }
        if !d.metrics.isEmpty {
            print("Metrics:")
            for m in d.metrics { print("  \(Terminal.metric(m))") }
        }
    }
}
