import ArgumentParser
import Foundation
import ModelRepo

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commit's model as a safetensors file or a model folder.",
        discussion: """
            The tensors and metadata are exactly those committed. With -o FILE.safetensors, every tensor (or
            those --tensors matches) goes into one file. With -o DIR, the model folder is written back: the
            committed files (config.json, tokenizer, README.md) byte for byte and the shards as committed, or
            re-sharded with --max-shard-size (with a new model.safetensors.index.json). Every file is written
            beside its target and renamed into place, so an interrupted export never leaves a partial file.

            A commit made from a single file exported to an existing folder (or a path ending in /) gives
            model.safetensors; for a method merge also README.md, a model card whose front matter names the
            inputs (base_model, base_model_relation: merge, tags: merge, mgit), and mergekit_config.yml, the
            config that reproduces it.

            Examples:
              mgit export teamA~1 -o previous.safetensors
              mgit export HEAD --tensors 'lm_head.*' -o head.safetensors
              mgit export HEAD -o llama-folder --max-shard-size 2GB
              mgit export merged -o release/
            """)

    @Argument(help: "The revision to export (branch, tag, commit id, HEAD~N, ...).")
    var revision: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The file (ending in .safetensors) or the folder to write.", valueName: "path"))
    var output: String

    @Option(name: .long, help: ArgumentHelp("Only the tensors whose names match this shell glob (file export).", valueName: "glob"))
    var tensors: String?

    @Option(name: .long, help: ArgumentHelp("Re-shard a folder export into shards of at most this much tensor data (2GB, 500MiB).", valueName: "size"))
    var maxShardSize: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var format: OutputOptions

    func run() throws {
        let repo = try repository.open()
        let result: ExportResult
        let committedFiles = try repo.manifest(at: revision).manifest.files
        let isFolderCommit = !output.hasSuffix(".safetensors") && (maxShardSize != nil || committedFiles != nil)
        var isFolder: ObjCBool = false
        if !isFolderCommit && tensors == nil
            && (output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue)) {
            let folder = output.hasSuffix("/") ? String(output.dropLast()) : output
            if !FileManager.default.fileExists(atPath: folder) {
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw MgitError(.io, "cannot make the folder '\(folder)': \(error.localizedDescription)")
                }
            }
            let (result, extra) = try repo.export(revision, intoFolder: folder)
            if format.json { return try Terminal.json(result) }
            print("Wrote \(result.tensors) tensors (\(Terminal.bytes(result.bytes))) of \(Terminal.short(result.commit)) to \(result.path)")
            for file in extra { print("Wrote \(file)") }
            return
        }
        if !isFolderCommit {
            if maxShardSize != nil {
                throw MgitError(.invalidInput, "--max-shard-size shards a folder export; give -o a folder, not '\(output)'")
            }
            result = try repo.export(revision, to: output, tensors: tensors)
        } else {
            if tensors != nil {
                throw MgitError(.invalidInput, "--tensors writes one file; give -o FILE.safetensors")
            }
            let limit = try maxShardSize.map { text in
                guard let size = ByteSize.parse(text), size > 0 else {
                    throw MgitError(.invalidInput, "--max-shard-size '\(text)' is not a size; give one like 2GB or 500MiB")
                }
                return size
            }
            result = try repo.exportFolder(revision, to: output, maxShardSize: limit)
        }
        if format.json { return try Terminal.json(result) }
        var line = "Wrote \(result.tensors) tensors (\(Terminal.bytes(result.bytes))) of \(Terminal.short(result.commit)) to \(result.path)"
        if let shards = result.shards, let files = result.files {
            line += ": \(shards.count) shard\(shards.count == 1 ? "" : "s") and \(files) other file\(files == 1 ? "" : "s")"
        }
        print(line)
    }
}
