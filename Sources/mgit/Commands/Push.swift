import ArgumentParser
import ModelRepo

struct Push: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a branch and the metrics to a remote.",
        discussion: """
            Sends only the objects the remote lacks: tensors it already stores cost nothing. The remote's
            branch must be an ancestor of yours; otherwise nothing changes and you are told to pull (or merge)
            first. The remote's metrics are merged into yours first, then both travel.
            To a repository on this machine (a path or file://) mgit writes the objects itself, uncompressed.

            Examples:
              mgit push
              mgit push origin teamA
            """)

    @Argument(help: "The remote (default: origin).")
    var remote: String = Repository.defaultRemote

    @Argument(help: "The branch (default: the current one).")
    var branch: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let meter = TransferMeter("Sending", json: output.json)
        let report = try repository.open().push(remote, branch: branch, observer: meter.observer)
        meter.finish()
        if output.json { return try Terminal.json(report) }
        TransferPrint.updates(report, from: false)
    }
}
