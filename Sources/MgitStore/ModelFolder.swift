import Foundation
import MgitInterop
import MgitTensor

/// A Hugging Face style model folder as `mgit commit DIR` reads it: the safetensors shards (with their
/// `model.safetensors.index.json`, or one or more `*.safetensors` files at the top), and every other file —
/// `config.json`, tokenizer files, `README.md`, `generation_config.json` — to be stored byte for byte.
///
/// `.mgitignore` at the folder's top lists files to leave out, one pattern a line (`#` starts a comment;
/// shell globs as `fnmatch` reads them, matched against the path relative to the folder and against the file's
/// name; a pattern ending in `/` matches a folder and everything in it). `.git/` and `.mgit/` are always left out.
package struct ModelFolder {
    /// The config key (`.mgit/config`) giving the largest non-tensor file accepted, in bytes.
    package static let maxFileSizeKey = "commit.maxFileSize"
    /// The default limit: 50 MiB, where hosted forges start to refuse blobs. Tokenizers are a few MiB.
    package static let defaultMaxFileSize = 50 << 20
    /// How deep the walk goes; deeper folders are refused rather than followed.
    static let maxDepth = 16

    /// The folder, without a trailing slash.
    package let path: String
    /// The safetensors files read for tensors (paths relative to the folder), in the order read.
    package let tensorFiles: [String]
    /// The index of a sharded checkpoint, relative to the folder, if there is one.
    package let index: String?
    /// Every other file kept, relative to the folder, `/`-separated, in byte order.
    package let otherFiles: [String]

    /// Scans `path`.
    ///
    /// - Throws: `.invalidInput` for a folder with no safetensors file, several indexes, two shards of one
    ///   tensor, or a non-tensor file above `maxFileSize` (naming it and the two ways out); `.io` when a file
    ///   cannot be listed.
    package init(path: String, maxFileSize: Int) throws {
        let root = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        self.path = root
        let ignore = Self.ignorePatterns(root + "/.mgitignore")
        var files: [(path: String, size: Int)] = []
        var pending: [(relative: String, depth: Int)] = [("", 0)]
        let fm = FileManager.default
        while let (relative, depth) = pending.popLast() {
            let folder = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do { names = try fm.contentsOfDirectory(atPath: folder) } catch {
                throw MgitError(.io, "cannot list '\(folder)': \(error.localizedDescription)")
            }
            for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let child = relative.isEmpty ? name : relative + "/" + name
                // git's and mgit's own files, and those git would act on after a checkout (a hub snapshot's
                // .gitattributes), are never a model's.
                if [".git", ".mgit", ".gitattributes", ".gitmodules"].contains(name.lowercased()) { continue }
                // kind follows links: the Hugging Face cache keeps snapshot files as links to its blobs.
                let info = try FileAccess.kind(root + "/" + child).get()
                let isFolder = info.isFolder
                if Self.isIgnored(child, isFolder: isFolder, patterns: ignore) { continue }
                if isFolder {
                    guard depth < Self.maxDepth else {
                        throw MgitError(.invalidInput, "folder '\(root)/\(child)' is nested more than \(Self.maxDepth) deep; "
                                        + "list it in \(root)/.mgitignore")
                    }
                    pending.append((child, depth + 1))
                } else if info.isFile {
                    files.append((child, info.size))
                }
            }
        }
        files.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }

        let indexes = files.map(\.path).filter { !$0.contains("/") && $0.hasSuffix(".safetensors.index.json") }
        if indexes.count > 1 {
            throw MgitError(.invalidInput, "folder '\(root)' has \(indexes.count) shard indexes (\(indexes.joined(separator: ", "))); "
                            + "keep one, or list the others in \(root)/.mgitignore")
        }
        index = indexes.first
        var tensorFiles: [String]
        if let index {
            let shards = try ShardedCheckpointIndex(path: root + "/" + index).weightMap.map(\.shard)
            tensorFiles = Array(Set(shards)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } else {
            tensorFiles = files.map(\.path).filter { !$0.contains("/") && $0.hasSuffix(".safetensors") }
        }
        if tensorFiles.isEmpty {
            throw MgitError(.invalidInput, "folder '\(root)' holds no .safetensors file at its top; a model folder has "
                            + "model.safetensors, or shards with model.safetensors.index.json")
        }
        self.tensorFiles = tensorFiles
        let tensorSet = Set(tensorFiles)
        var others: [String] = []
        for file in files where !tensorSet.contains(file.path) {
            if file.size > maxFileSize {
                throw MgitError(.invalidInput, "file '\(root)/\(file.path)' is \(file.size) bytes, over the \(maxFileSize)-byte "
                                + "limit for files that are not safetensors; list it in \(root)/.mgitignore to leave it out, "
                                + "or raise the limit with 'mgit config \(Self.maxFileSizeKey) SIZE'")
            }
            others.append(file.path)
        }
        otherFiles = others
    }

    /// The tensors of every shard as one source, each tensor remembering its shard file.
    package func tensorSource() throws -> FolderTensorSource {
        if let index {
            let reader = try SafeTensorsReader(path: path + "/" + index)
            let shardOf = Dictionary(try ShardedCheckpointIndex(path: path + "/" + index).weightMap.map { ($0.tensor, $0.shard) },
                                     uniquingKeysWith: { a, _ in a })
            return FolderTensorSource(readers: [reader], files: [reader.entries.map { shardOf[$0.name] ?? "" }])
        }
        var readers: [SafeTensorsReader] = []
        var seen: [String: String] = [:]
        for file in tensorFiles {
            let reader = try SafeTensorsReader(path: path + "/" + file)
            for entry in reader.entries {
                if let other = seen.updateValue(file, forKey: entry.name) {
                    throw MgitError(.invalidInput, "tensor '\(entry.name)' is in both '\(other)' and '\(file)' of folder "
                                    + "'\(path)'; keep one file, or list the other in \(path)/.mgitignore")
                }
            }
            readers.append(reader)
        }
        return FolderTensorSource(readers: readers, files: zip(readers, tensorFiles).map { reader, file in
            Array(repeating: file, count: reader.entries.count)
        })
    }

    static func ignorePatterns(_ path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Whether `relative` matches one of `patterns` (by its whole path or its name; `dir/` only folders).
    static func isIgnored(_ relative: String, isFolder: Bool, patterns: [String]) -> Bool {
        let name = relative.split(separator: "/").last.map(String.init) ?? relative
        for pattern in patterns {
            var glob = pattern
            if glob.hasSuffix("/") {
                guard isFolder else { continue }
                glob.removeLast()
            }
            if glob.hasPrefix("/") { glob.removeFirst() }
            if fnmatch(glob, relative, FNM_PATHNAME) == 0 || (!glob.contains("/") && fnmatch(glob, name, 0) == 0) {
                return true
            }
        }
        return false
    }
}

/// The tensors of a model folder's shards read as one checkpoint, in shard order, each with its shard's name.
///
/// Metadata is the union of the files' `__metadata__`; two files giving one key different values are refused
/// when the source is made (for an index, by ``ShardedCheckpointIndex``).
package struct FolderTensorSource: TensorSource {
    let readers: [SafeTensorsReader]
    /// Per reader, per entry: the shard file name.
    let files: [[String]]
    private let locations: [(reader: Int, entry: Int)]
    package let metadata: [String: String]
    package let hasMetadataMap: Bool

    init(readers: [SafeTensorsReader], files: [[String]]) {
        self.readers = readers
        self.files = files
        locations = readers.enumerated().flatMap { r, reader in reader.entries.indices.map { (r, $0) } }
        var metadata: [String: String] = [:]
        for reader in readers { metadata.merge(reader.metadata) { first, _ in first } }
        self.metadata = metadata
        hasMetadataMap = readers.contains { $0.hasMetadataMap }
    }

    /// Refuses files that disagree on a metadata key (they would export as one map).
    package func checkMetadataAgrees() throws {
        for reader in readers {
            for (key, value) in reader.metadata where metadata[key] != value {
                throw MgitError(.invalidInput, "'\(readers[0].path)' and '\(reader.path)' disagree on metadata '\(key)' "
                                + "('\(metadata[key] ?? "")' against '\(value)'); make them agree before committing")
            }
        }
    }

    package var tensorCount: Int { locations.count }

    package func describe(_ index: Int) -> (name: String, dtype: DType, shape: [Int]) {
        let (r, e) = locations[index]
        let entry = readers[r].entries[e]
        return (entry.name, entry.dtype, entry.shape)
    }

    package func withBytes<R>(of index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let (r, e) = locations[index]
        return try readers[r].withBytes(of: e, body)
    }

    package func releasePages(of index: Int) {
        let (r, e) = locations[index]
        readers[r].releasePages(of: e)
    }

    package func file(of index: Int) -> String? {
        let (r, e) = locations[index]
        return files[r][e]
    }
}
