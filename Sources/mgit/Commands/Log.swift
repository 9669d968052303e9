import ArgumentParser
import Foundation
import ModelRepo

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show commit history.",
        discussion: """
            Lists the commits reachable from REVISION (default HEAD), newest first, with the operation that
            made each (import, train, rebase, merge) and its parameter count.

            Example:
              mgit log teamA -n 5
            """)

    @Argument(help: "Where to start (default: HEAD).")
    var revision: String?

    @Option(name: [.customShort("n"), .customLong("max-count")], help: "Show at most this many commits.")
    var limit: Int?

    @Flag(name: .long, help: "One line per commit.")
    var oneline = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let commits = try repository.open().log(revision, limit: limit)
        if output.json { return try Terminal.json(commits) }
        if commits.isEmpty { return limit == 0 ? () : Terminal.note("No commits yet.") }
        for c in commits {
            let refs = c.refs.isEmpty ? "" : " (\(c.refs.joined(separator: ", ")))"
            if oneline {
                print("\(Terminal.short(c.commit))\(refs) [\(c.operation)] \(c.message.split(separator: "\n").first ?? "")")
                continue
            }
            print("commit \(c.commit)\(refs)")
            if c.parents.count > 1 { print("Merge:  \(c.parents.map(Terminal.short).joined(separator: " "))") }
            print("Author: \(c.author)")
            print("Date:   \(c.date)")
            var facts = "Op:     \(c.operation)"
            if let b = c.branch { facts += " on \(b)" }
            if let p = c.parameters { facts += ", \(Terminal.count(p)) parameters" }
            print(facts)
            print("")
            for line in c.message.split(separator: "\n", omittingEmptySubsequences: false) { print("    \(line)") }
            print("")
        }
    }
}
