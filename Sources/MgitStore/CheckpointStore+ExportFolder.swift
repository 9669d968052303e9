import Foundation
import MgitInterop
import MgitTensor

extension CheckpointStore {
    /// Writes the model at `revision` as a folder that `transformers` and `safetensors` load: the commit's other
    /// files byte for byte, and the tensors in the shards they were committed in — or, with `maxShardSize`,
    /// in new shards of at most that many bytes of tensor data each (`model-00001-of-00003.safetensors`, …) with a
    /// fresh `model.safetensors.index.json` (a single shard is `model.safetensors`, with no index, as
    /// `save_pretrained` does).
    ///
    /// One tensor chunk is in memory at a time. Each file is written beside its target and renamed into place.
    ///
    /// - Throws: `.alreadyExists` when `path` is a file or a folder that is not empty; `.corrupt` when the
    ///   manifest names a file outside the folder; `.io` when a file cannot be written.
    public func exportFolder(_ revision: String, to path: String, maxShardSize: Int? = nil) throws -> ExportResult {
        let (commit, manifest) = try manifest(at: revision)
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw MgitError(.alreadyExists, "'\(path)' is a file; export a folder to a new or empty folder, or give "
                                + "-o FILE.safetensors for one file")
            }
            if let contents = try? fm.contentsOfDirectory(atPath: path), !contents.isEmpty {
                throw MgitError(.alreadyExists, "folder '\(path)' is not empty; export to a new or empty folder")
            }
        }
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw MgitError(.io, "cannot create folder '\(path)': \(error.localizedDescription)")
        }
        func corrupt(_ fact: String) -> MgitError {
            MgitError(.corrupt, "the manifest of \(commit.prefix(12)) is damaged: \(fact)")
        }

        // The shards: as committed, or cut anew.
        var shards: [(file: String, tensors: [CheckpointManifest.Entry])] = []
        var index: [UInt8]?
        if let maxShardSize {
            guard maxShardSize > 0 else { throw MgitError(.invalidInput, "--max-shard-size must be more than 0 bytes") }
            var current: [CheckpointManifest.Entry] = []
            var currentBytes = 0
            var groups: [[CheckpointManifest.Entry]] = []
            for tensor in manifest.tensors {
                if !current.isEmpty && currentBytes + tensor.bytes > maxShardSize {
                    groups.append(current)
                    current = []
                    currentBytes = 0
                }
                current.append(tensor)
                currentBytes += tensor.bytes
            }
            if !current.isEmpty || groups.isEmpty { groups.append(current) }
            if groups.count == 1 {
                shards = [("model.safetensors", groups[0])]
            } else {
                func number(_ n: Int) -> String { String(repeating: "0", count: max(0, 5 - String(n).count)) + String(n) }
                shards = groups.enumerated().map { ("model-\(number($0.offset + 1))-of-\(number(groups.count)).safetensors", $0.element) }
                index = try Self.shardIndex(shards, totalSize: manifest.byteCount)
            }
        } else {
            var order: [String] = []
            var byFile: [String: [CheckpointManifest.Entry]] = [:]
            for tensor in manifest.tensors {
                let file = tensor.file ?? "model.safetensors"
                if byFile[file] == nil { order.append(file) }
                byFile[file, default: []].append(tensor)
            }
            shards = order.map { ($0, byFile[$0]!) }
            if shards.isEmpty { shards = [("model.safetensors", [])] }
        }
        for (file, _) in shards where !Self.isPlainName(file) || !file.hasSuffix(".safetensors") {
            throw corrupt("it names the shard '\(file)', which is not a plain .safetensors file name")
        }

        for (file, tensors) in shards {
            let writer = try SafeTensorsWriter(path: path + "/" + file,
                                               entries: tensors.map { TensorEntry(name: $0.name, dtype: $0.dtype, shape: $0.shape) },
                                               metadata: manifest.metadata, hasMetadataMap: manifest.hasMetadataMap)
            for tensor in tensors {
                try forEachPiece(of: tensor, commit: commit) { try writer.append($0) }
            }
            try writer.finish()
        }
        let shardNames = Set(shards.map(\.file))
        var written = 0
        for file in manifest.files ?? [] {
            let parts = file.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, parts.allSatisfy(Self.isPlainName) else {
                throw corrupt("it names the file '\(file.path)', which would land outside the folder")
            }
            // A committed index describes the committed shards; new shards come with their own.
            if maxShardSize != nil && parts.count == 1 && file.path.hasSuffix(".safetensors.index.json") { continue }
            if shardNames.contains(file.path) { throw corrupt("the file '\(file.path)' is also a shard") }
            guard let id = ObjectID(hex: file.blob) else { throw corrupt("file '\(file.path)' has a malformed blob id") }
            let bytes = try git.withObject(id, "file '\(file.path)'") { Data($0) }
            guard bytes.count == file.bytes else {
                throw corrupt("file '\(file.path)' has \(bytes.count) bytes in the store but the manifest says \(file.bytes)")
            }
            try write(bytes, to: path + "/" + file.path)
            written += 1
        }
        if let index {
            try write(Data(index), to: path + "/model.safetensors.index.json")
            written += 1
        }
        return ExportResult(commit: commit, path: path, tensors: manifest.tensors.count, bytes: manifest.byteCount,
                            files: written, shards: shards.map(\.file))
    }

    /// A file of the model folder at `revision` (`config.json`, `tokenizer/vocab.txt`), or nil when the commit
    /// has no such file (or came from a single safetensors file). Architecture detection reads `config.json` so.
    public func modelFile(_ path: String, at revision: String) throws -> [UInt8]? {
        let (commit, manifest) = try manifest(at: revision)
        guard let file = manifest.files?.first(where: { $0.path == path }) else { return nil }
        guard let id = ObjectID(hex: file.blob) else {
            throw MgitError(.corrupt, "the manifest of \(commit.prefix(12)) gives file '\(path)' a malformed blob id")
        }
        return try git.withObject(id, "file '\(path)'") { Array($0) }
    }

    /// The `config.json` at the top of the model folder committed at `revision`, or nil.
    public func modelConfig(at revision: String) throws -> [UInt8]? {
        try modelFile("config.json", at: revision)
    }

    /// `model.safetensors.index.json` as `save_pretrained` writes it: `total_size`, then the weight map, keys
    /// sorted, two-space indentation.
    static func shardIndex(_ shards: [(file: String, tensors: [CheckpointManifest.Entry])], totalSize: Int) throws -> [UInt8] {
        var weightMap: [String: String] = [:]
        for (file, tensors) in shards { for tensor in tensors { weightMap[tensor.name] = file } }
        let object: [String: Any] = ["metadata": ["total_size": totalSize], "weight_map": weightMap]
        let data = try JSONSerialization.data(withJSONObject: object,
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// Whether `name` is one path component that stays in its folder: not empty, `.`, `..` or `.git`.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.lowercased() != ".git" && !name.contains("/")
            && !name.utf8.contains(0)
    }

    private func write(_ bytes: Data, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw MgitError(.io, "cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
