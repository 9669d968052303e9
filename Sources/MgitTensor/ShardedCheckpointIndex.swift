import MgitInterop
/// The `*.safetensors.index.json` of a sharded checkpoint: which shard file holds which tensor.
///
/// The index's own `"metadata"` (often `{"total_size": …}`, any JSON) is read past and not kept: a
/// ``Checkpoint``'s metadata is strings to strings, and `total_size` is derived from the shards anyway.
package struct ShardedCheckpointIndex {
    package let path: String
    /// Tensor name → shard file name, in index order.
    package let weightMap: [(tensor: String, shard: String)]

    package init(path: String) throws {
        self.path = path
        let file = try MappedFile(path: path)
        func corrupt(_ fact: String) -> MgitError {
            MgitError(.corrupt, "checkpoint index '\(path)' is corrupt: \(fact)")
        }
        if !StrictJSONParser.isValidUTF8(file.bytes) {
            throw corrupt("it is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try StrictJSONParser.parse(file.bytes)
        } catch {
            if let key = error.duplicateKey, error.depth == 2 {
                throw corrupt("key '\(key)' appears twice in an object (a tensor listed twice in the weight_map?)")
            }
            throw corrupt("it is not valid JSON: \(error.message) (at byte \(error.offset))")
        }
        guard case let .object(members) = json else {
            throw corrupt("it is \(json.kindDescription), not a JSON object with a weight_map")
        }
        guard let mapValue = members.first(where: { $0.key == "weight_map" })?.value else {
            throw corrupt("it has no 'weight_map'")
        }
        guard case let .object(pairs) = mapValue else {
            throw corrupt("its 'weight_map' is \(mapValue.kindDescription), not an object mapping tensor names to "
                + "shard files")
        }
        var weightMap: [(tensor: String, shard: String)] = []
        for (tensor, shardValue) in pairs {
            guard case let .string(shard) = shardValue else {
                throw corrupt("the weight_map maps tensor '\(tensor)' to \(shardValue.kindDescription), not a file "
                    + "name")
            }
            if shard.isEmpty || shard.contains("/") || shard.contains("..") || shard.utf8.contains(0) {
                throw corrupt("the weight_map maps tensor '\(tensor)' to '\(shard)', which is not a plain file name "
                    + "beside the index; mgit reads shards only from the index's folder")
            }
            weightMap.append((tensor, shard))
        }
        self.weightMap = weightMap
    }

    /// The path of shard file `name`: beside the index.
    package func shardPath(_ name: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return name }
        return String(path[...slash]) + name
    }

    /// Maps and validates every shard and checks them against the weight_map.
    package func open() throws -> (files: [MappedFile], entries: [TensorEntry], fileIndices: [Int], fileOffsets: [Int],
                           metadata: [String: String]) {
        func corrupt(_ fact: String) -> MgitError {
            MgitError(.corrupt, "checkpoint index '\(path)' is corrupt: \(fact)")
        }
        var shardOf: [String: String] = [:]
        for (tensor, shard) in weightMap { shardOf[tensor] = shard }
        let shardNames = Set(weightMap.map(\.shard)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        var files: [MappedFile] = []
        var entries: [TensorEntry] = []
        var fileIndices: [Int] = []
        var fileOffsets: [Int] = []
        var metadata: [String: String] = [:]
        var metadataSource: [String: String] = [:]  // metadata key → the shard that gave it
        var foundIn: [String: String] = [:]         // tensor → the shard it was found in
        for shard in shardNames {
            let shardPath = shardPath(shard)
            let file: MappedFile
            do {
                file = try MappedFile(path: shardPath)
            } catch let error as MgitError where error.code == .notFound {
                throw MgitError(.notFound, "shard '\(shardPath)' named by checkpoint index '\(path)' does not exist")
            }
            let header = try SafeTensorsHeader.validate(file.bytes, path: shardPath)
            for (entry, offset) in zip(header.entries, header.fileOffsets) {
                let name = entry.name
                if let other = foundIn[name] {
                    throw corrupt("tensor '\(name)' is in two shards, '\(other)' and '\(shard)'")
                }
                guard let mapped = shardOf[name] else {
                    throw corrupt("tensor '\(name)' is in shard '\(shard)' but not in the weight_map")
                }
                if mapped != shard {
                    throw corrupt("tensor '\(name)' is in shard '\(shard)' but the weight_map puts it in '\(mapped)'")
                }
                foundIn[name] = shard
                entries.append(entry)
                fileIndices.append(files.count)
                fileOffsets.append(offset)
            }
            for (key, value) in header.metadata.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                if let existing = metadata[key], existing != value {
                    throw corrupt("shards '\(metadataSource[key]!)' and '\(shard)' disagree on metadata '\(key)': "
                        + "'\(existing)' against '\(value)'")
                }
                metadata[key] = value
                metadataSource[key] = metadataSource[key] ?? shard
            }
            files.append(file)
        }
        for (tensor, shard) in weightMap where foundIn[tensor] == nil {
            throw corrupt("the weight_map puts tensor '\(tensor)' in shard '\(shard)', but that shard has no such tensor")
        }
        return (files, entries, fileIndices, fileOffsets, metadata)
    }
}
