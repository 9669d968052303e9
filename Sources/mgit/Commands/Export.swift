import ArgumentParser
import Foundation
import ModelRepo

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commit's checkpoint as a safetensors file.",
        discussion: """
            The tensors and metadata are exactly those committed. The output is written to a temporary file and
            renamed into place, so an interrupted export never leaves a partial file.

            An existing folder (or a path ending in /) receives model.safetensors; for a method merge also README.md,
            a model card whose front matter names the inputs (base_model, base_model_relation: merge, tags: merge,
            mgit), and mergekit_config.yml, the config that reproduces it.

            Example:
              mgit export teamA~1 -o previous.safetensors
              mgit export merged -o release/
            """)

    @Argument(help: "The revision to export (branch, tag, commit id, HEAD~N, ...).")
    var revision: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write, or a folder.", valueName: "file"))
    var output: String

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        var isFolder: ObjCBool = false
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue) {
            let folder = output.hasSuffix("/") ? String(output.dropLast()) : output
            if !FileManager.default.fileExists(atPath: folder) {
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw MgitError(.io, "cannot make the folder '\(folder)': \(error.localizedDescription)")
                }
            }
            let (result, extra) = try repository.open().export(revision, intoFolder: folder)
            if format.json { return try Terminal.json(result) }
            print("Wrote \(result.tensors) tensors (\(Terminal.bytes(result.bytes))) of \(Terminal.short(result.commit)) to \(result.path)")
            for file in extra { print("Wrote \(file)") }
            return
        }
        let result = try repository.open().export(revision, to: output)
        if format.json { return try Terminal.json(result) }
        print("Wrote \(result.tensors) tensors (\(Terminal.bytes(result.bytes))) of \(Terminal.short(result.commit)) to \(result.path)")
    }
}
