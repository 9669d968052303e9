import ArgumentParser
import Foundation
import ModelRepo

struct Operations: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit trail: rebases, merges and barrier measurements, refused ones included.",
        discussion: """
            Committed operations come from git (mgit reindex rebuilds them); refused merges and rebases, dry runs
            and barrier measurements are kept in the lineage database.

            Examples:
              mgit operations
              mgit operations --status rejected --json
            """)

    @Option(help: "Only operations with this status: committed, rejected, dry-run, measured.")
    var status: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let rows = try repository.open().operations().filter { status == nil || $0.status == status }
        if output.json { return try Terminal.json(rows) }
        let formatter = ISO8601DateFormatter()
        for row in rows {
            let when = formatter.string(from: Date(timeIntervalSince1970: row.time))
            print("\(when)  \(row.kind.padding(toLength: 8, withPad: " ", startingAt: 0)) \(row.status.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                  + "\(row.branch ?? "-")  \(row.commitId.map(Terminal.short) ?? "")")
        }
    }
}
