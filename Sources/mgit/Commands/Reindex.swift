import ArgumentParser
import ModelRepo

struct Reindex: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the lineage database from git.",
        discussion: """
            Reads every commit's trailers, manifest.json and operation.json, and the metrics notes. Use it after
            a plain 'git clone', or when .mgit/lineage.sqlite was lost or damaged (delete it first).

            Example:
              mgit reindex
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try repository.open().reindex()
        if output.json { return try Terminal.json(report) }
        print("Indexed \(report.commits) commits and \(report.metrics) metrics.")
    }
}
