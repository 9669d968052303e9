import ArgumentParser
import ModelRepo

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch, then fast-forward a branch to the remote's.",
        discussion: """
            Fetches REMOTE, then moves the local BRANCH (default: the current one) to REMOTE/BRANCH when that
            only adds commits; a branch missing here is created. Unlike 'git pull', BRANCH names the branch on
            both sides and the current branch is not merged into: a branch that has diverged is refused, and
            'mgit merge REMOTE/BRANCH' combines the two.

            Examples:
              mgit pull
              mgit pull origin teamB
            """)

    @Argument(help: "The remote (default: origin).")
    var remote: String = Repository.defaultRemote

    @Argument(help: "The branch (default: the current one).")
    var branch: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let meter = TransferMeter("Receiving", json: output.json)
        let report = try repository.open().pull(remote, branch: branch, observer: meter.observer)
        meter.finish()
        if output.json { return try Terminal.json(report) }
        TransferPrint.updates(report.fetch, from: true)
        switch report.outcome {
        case .upToDate: print("\(report.branch): already up to date.")
        case .created: print("\(report.branch): created at \(Terminal.short(report.new)).")
        case .fastForward: print("\(report.branch): fast-forward \(Terminal.short(report.old ?? ""))..\(Terminal.short(report.new)).")
        }
    }
}
