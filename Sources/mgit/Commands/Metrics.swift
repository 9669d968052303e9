import ArgumentParser
import ModelRepo

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or add a commit's metrics.",
        discussion: """
            Metrics recorded with a commit live in its operation.json; metrics added later live in git notes
            (refs/notes/mgit-metrics), so both travel with push and fetch and survive 'mgit reindex'.

            Examples:
              mgit metrics teamA
              mgit metrics add teamA accuracy=0.91 loss=0.25 --split test
            """,
        subcommands: [ShowMetrics.self, AddMetrics.self],
        defaultSubcommand: ShowMetrics.self)
}

struct ShowMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a commit's metrics.")

    @Argument(help: "The revision (default: HEAD).")
    var revision: String = "HEAD"

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let m = try repository.open().metrics(revision)
        if output.json { return try Terminal.json(m) }
        if m.metrics.isEmpty { return Terminal.note("No metrics for \(Terminal.short(m.commit)).") }
        for metric in m.metrics {
            var line = Terminal.metric(metric)
            if let source = metric.source { line += "  [\(source)]" }
            print(line)
        }
    }
}

struct AddMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Record metrics for an existing commit.",
        discussion: "Example:\n  mgit metrics add HEAD accuracy=0.91 --split test")

    @Argument(help: "The revision.")
    var revision: String

    @Argument(help: ArgumentHelp("NAME=VALUE pairs.", valueName: "name=value"))
    var values: [String]

    @Option(name: .long, help: "The split the values were measured on (train, test, ...).")
    var split: String?

    @Option(name: .long, help: "Where the values come from (default: user).")
    var source: String = "user"

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if values.isEmpty { throw ValidationError("give at least one NAME=VALUE") }
    }

    func run() throws {
        let metrics = try values.map { try Metric.parse($0, split: split, source: source) }
        let m = try repository.open().addMetrics(revision, metrics)
        if output.json { return try Terminal.json(m) }
        print("Recorded \(metrics.count) metric\(metrics.count == 1 ? "" : "s") for \(Terminal.short(m.commit)).")
    }
}
