import ArgumentParser
import ModelRepo

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commit's checkpoint as a safetensors file.",
        discussion: """
            The tensors and metadata are exactly those committed. The output is written to a temporary file and
            renamed into place, so an interrupted export never leaves a partial file.

            Example:
              mgit export teamA~1 -o previous.safetensors
            """)

    @Argument(help: "The revision to export (branch, tag, commit id, HEAD~N, ...).")
    var revision: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write.", valueName: "file"))
    var output: String

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        let result = try repository.open().export(revision, to: output)
        if format.json { return try Terminal.json(result) }
        print("Wrote \(result.tensors) tensors (\(Terminal.bytes(result.bytes))) of \(Terminal.short(result.commit)) to \(result.path)")
    }
}
