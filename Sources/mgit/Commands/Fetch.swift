import ArgumentParser
import ModelRepo
import Foundation

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download a remote's branches, tags and metrics.",
        discussion: """
            Branches land in refs/remotes/REMOTE/*, the remote's metrics notes in
            refs/notes/remotes/REMOTE/mgit-metrics and are merged into the local metrics (union per commit).
            The lineage database then indexes every new commit. Local branches do not move: see 'mgit pull'.

            Example:
              mgit fetch origin
            """)

    @Argument(help: "The remote (default: origin).")
    var remote: String = Repository.defaultRemote

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let meter = TransferMeter("Receiving", json: output.json)
        let report = try repository.open().fetch(remote, observer: meter.observer)
        meter.finish()
        if output.json { return try Terminal.json(report) }
        TransferPrint.updates(report, from: true)
    }
}

/// How fetch, push and pull list the references they moved.
enum TransferPrint {
    static func updates(_ report: TransferReport, from fetching: Bool) {
        print("\(fetching ? "From" : "To") \(report.url): \(TransferMeter.summary(report))")
        if report.updated.isEmpty { print(" Everything up to date.") }
        for u in report.updated {
            let short = u.ref.replacingOccurrences(of: "refs/remotes/", with: "").replacingOccurrences(of: "refs/heads/", with: "")
            if let old = u.old {
                print(" \(Terminal.short(old))..\(Terminal.short(u.new))  \(short)")
            } else {
                print(" * [new]  \(Terminal.short(u.new))  \(short)")
            }
        }
        if report.metricsMerged { print(" Merged the remote's metrics into refs/notes/mgit-metrics.") }
    }
}
