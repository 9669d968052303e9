import ArgumentParser
import ModelRepo

struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a safetensors checkpoint or a model folder as a new commit.",
        discussion: """
            Each tensor's raw bytes become one git blob (a tensor above storage.chunkSize, 32 MiB, a few
            row-aligned chunk blobs), so a tensor identical to one already stored costs nothing. PATH is a
            .safetensors file, a sharded checkpoint's index (model.safetensors.index.json), or a model folder:
            its shards are stored the same way and every other file (config.json, tokenizer files, README.md)
            byte for byte, up to commit.maxFileSize (50 MiB) each; list files to leave out in the folder's
            .mgitignore. On a branch that does not exist yet, the commit starts a new line of history.

            Examples:
              mgit commit model.safetensors -m "epoch 10" --metric accuracy=0.91 --branch teamA
              mgit commit ./llama-finetune -m "fine-tuned on support tickets"
            """)

    @Argument(help: ArgumentHelp("The checkpoint file, shard index or model folder to commit.", valueName: "path"))
    var file: String

    @Option(name: .shortAndLong, help: "The commit message.")
    var message: String

    @Option(name: .long, help: "The branch to commit on (default: the current branch).")
    var branch: String?

    @Option(name: .customLong("metric"), help: ArgumentHelp("A figure to record, NAME=VALUE (repeatable).", valueName: "name=value"))
    var metrics: [String] = []

    @Option(name: .long, help: "The split the --metric values were measured on (train, test, ...).")
    var split: String?

    @Option(name: .long, help: ArgumentHelp("The author, \"Name <email>\" (default: git's user.name and user.email).", valueName: "author"))
    var author: String?

    @Option(name: .long, help: ArgumentHelp("An architecture description (JSON, docs/ARCHITECTURES.md) to store with the checkpoint.", valueName: "file"))
    var arch: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let metrics = try self.metrics.map { try Metric.parse($0, split: split, source: "commit") }
        let person = try author.map(Person.parse)
        let repo = try repository.open()
        let architecture = try arch.map { try ArchitectureFile.read($0) }
        let result = try repo.commit(checkpointAt: file, message: message, branch: branch, metrics: metrics,
                                     author: person, architecture: architecture)
        if output.json { return try Terminal.json(result) }
        print("[\(result.branch) \(Terminal.short(result.commit))] \(message)")
        print(" \(result.tensors) tensors, \(Terminal.bytes(result.totalBytes)); \(result.tensors - result.reusedTensors) new "
              + "(\(Terminal.bytes(result.bytesAdded)) added), \(result.reusedTensors) already stored")
    }
}
