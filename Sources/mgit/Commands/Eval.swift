import ArgumentParser
import ModelRepo

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a commit's loss and accuracy, and record them as its metrics.",
        discussion: """
            Runs the network (batched forward passes on OpenBLAS) over the data and records the mean
            cross-entropy (natural log) and the accuracy as metrics of the commit, with the split and the data
            source. The architecture comes from --arch, the commit's arch.json, or is detected (MLPs).

            Examples:
              mgit eval teamA
              mgit eval HEAD --data my-data.safetensors --json
            """)

    @Argument(help: "The revision to evaluate (default: HEAD).")
    var revision = "HEAD"

    @Option(help: "fashion-mnist:test, fashion-mnist:train, or a dataset safetensors file (inputs, labels).")
    var data = "fashion-mnist:test"

    @Option(help: "Samples per forward pass.")
    var batch = 1000

    @Option(help: ArgumentHelp("An architecture description (JSON, docs/ARCHITECTURES.md).", valueName: "file"))
    var arch: String?

    @Flag(help: "Do not record the figures as metrics.")
    var noRecord = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try repository.open().evaluate(revision, data: data, batch: batch, architecture: arch, record: !noRecord)
        if output.json { return try Terminal.json(report) }
        print("\(Terminal.short(report.commit)) on \(report.data) (\(report.samples) samples): "
              + "loss \(Terminal.format(report.loss)), accuracy \(Terminal.format(report.accuracy))"
              + (report.recorded ? "" : " (not recorded)"))
    }
}
