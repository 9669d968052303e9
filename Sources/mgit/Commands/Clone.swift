import ArgumentParser
import ModelRepo

struct Clone: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a repository, with its lineage and metrics.",
        discussion: """
            Makes DIR (default: the URL's last part, less .git) with .git/ and .mgit/, adds the remote 'origin',
            fetches every branch, tag and the metrics notes, indexes the lineage and switches to the remote's
            default branch.

            Examples:
              mgit clone git://127.0.0.1/models.git
              mgit clone /srv/models.git teamA
            """)

    @Argument(help: "The repository to copy: a path, file://, git://, ssh:// or https:// URL.")
    var url: String

    @Argument(help: "The folder to create (must not exist, or be empty).")
    var directory: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let meter = TransferMeter("Receiving", json: output.json)
        let (_, report) = try Repository.clone(from: url, to: directory, observer: meter.observer)
        meter.finish()
        if output.json { return try Terminal.json(report) }
        print("Cloned \(url) into \(report.path): \(TransferMeter.summary(report.fetch)).")
        if let branch = report.branch, let commit = report.commit {
            print("On branch \(branch) at \(Terminal.short(commit)).")
        } else {
            print("The remote has no commits yet.")
        }
    }
}
