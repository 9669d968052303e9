import MgitInterop
/// The validated header of one safetensors file: its tensors in data order, where each one's bytes start, and
/// its `__metadata__`.
///
/// ``validate(_:path:)`` checks what the reference reader (huggingface/safetensors, Rust, `SafeTensors::read_metadata`
/// and `Metadata::validate`) checks, and a few things it lets through (duplicate names, see ``StrictJSONParser``).
package struct SafeTensorsHeader {
    /// The largest header length accepted, the reference reader's `MAX_HEADER_SIZE`.
    package static let maxHeaderLength = 100_000_000

    /// The tensors, sorted by where their data begins (ties, only possible for empty tensors, in header order).
    package var entries: [TensorEntry]
    /// For each entry, the byte offset of its data from the start of the file.
    package var fileOffsets: [Int]
    /// The header's `__metadata__`, empty when there is none.
    package var metadata: [String: String]
    /// `N`, the JSON header's length in bytes (with any padding); the data section starts at `8 + N`.
    package var headerLength: Int

    /// Validates the whole file `bytes` (a safetensors file read from `path`).
    ///
    /// - Throws: `MgitError(.corrupt, …)` naming `path`, the tensor concerned if any, and what is wrong.
    package static func validate(_ bytes: UnsafeRawBufferPointer, path: String) throws -> SafeTensorsHeader {
        func corrupt(_ fact: String) -> MgitError {
            MgitError(.corrupt, "checkpoint '\(path)' is corrupt: \(fact)")
        }

        let fileLength = bytes.count
        if fileLength == 0 {
            throw corrupt("the file is empty; a safetensors file starts with an 8-byte header length")
        }
        if fileLength < 8 {
            throw corrupt("the file has only \(fileLength) bytes, fewer than the 8-byte header length that starts "
                + "a safetensors file")
        }
        let declaredLength = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        if declaredLength > UInt64(maxHeaderLength) {
            throw corrupt("the header length is \(declaredLength) bytes, more than the limit of \(maxHeaderLength) "
                + "(is this a safetensors file?)")
        }
        let headerLength = Int(declaredLength)
        let dataStart = 8 + headerLength
        if dataStart > fileLength {
            throw corrupt("the header length is \(headerLength) bytes, so the header would end at byte \(dataStart), "
                + "but the file has only \(fileLength) bytes")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart])
        if !StrictJSONParser.isValidUTF8(headerBytes) {
            throw corrupt("the header is not valid UTF-8")
        }
        let json: JSONValue
        do {
            json = try StrictJSONParser.parse(headerBytes)
        } catch {
            if let key = error.duplicateKey, error.depth == 1 {
                throw corrupt(key == "__metadata__"
                    ? "the header has '__metadata__' twice"
                    : "tensor '\(key)' appears twice in the header; tensor names must be unique")
            }
            throw corrupt("the header is not valid JSON: \(error.message) (at byte \(8 + error.offset) of the file)")
        }
        // Whitespace around the object is allowed, as serde_json in the reference reader (0.8) allows it.
        guard case let .object(members) = json else {
            throw corrupt("the header is \(json.kindDescription), not a JSON object")
        }

        var metadata: [String: String] = [:]
        var described: [(entry: TensorEntry, begin: Int, end: Int)] = []
        described.reserveCapacity(members.count)
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try parseMetadata(value, corrupt: corrupt)
            } else {
                described.append(try parseTensorInfo(name: key, value, corrupt: corrupt))
            }
        }

        // Sort by data_offsets as the reference does; the header order breaks ties between empty tensors.
        let order = described.indices.sorted {
            (described[$0].begin, described[$0].end, $0) < (described[$1].begin, described[$1].end, $1)
        }
        let dataLength = fileLength - dataStart
        var expectedBegin = 0
        var previous: String?
        var entries: [TensorEntry] = []
        var fileOffsets: [Int] = []
        entries.reserveCapacity(order.count)
        fileOffsets.reserveCapacity(order.count)
        for index in order {
            let (entry, begin, end) = described[index]
            let name = entry.name
            if begin > expectedBegin {
                throw corrupt(previous.map {
                    "there is a gap in the data section: tensor '\(name)' begins at byte \(begin) but tensor '\($0)' "
                        + "ends at byte \(expectedBegin)"
                } ?? "there is a gap in the data section: its first tensor, '\(name)', begins at byte \(begin), not 0")
            }
            if begin < expectedBegin {
                // A sorted predecessor ending after `begin` always exists here, since expectedBegin > begin ≥ 0.
                throw corrupt("tensor '\(name)' begins at byte \(begin), overlapping tensor '\(previous ?? "?")' "
                    + "which ends at byte \(expectedBegin)")
            }
            let byteCount = entry.byteCount
            if end - begin != byteCount {
                throw corrupt("tensor '\(name)' has dtype \(entry.dtype.rawValue) and shape \(entry.shape), which "
                    + "take \(byteCount) bytes, but its data_offsets [\(begin), \(end)] span \(end - begin) bytes")
            }
            if end > dataLength {
                throw corrupt("tensor '\(name)' ends at byte \(end) but the data section has \(dataLength) bytes")
            }
            entries.append(entry)
            fileOffsets.append(dataStart + begin)
            expectedBegin = end
            previous = name
        }
        if expectedBegin != dataLength {
            throw corrupt("the data section has \(dataLength) bytes but the tensors cover only the first "
                + "\(expectedBegin); \(dataLength - expectedBegin) bytes at the end belong to no tensor")
        }
        return SafeTensorsHeader(entries: entries, fileOffsets: fileOffsets, metadata: metadata,
                                 headerLength: headerLength)
    }

    private static func parseMetadata(_ value: JSONValue, corrupt: (String) -> MgitError) throws -> [String: String] {
        guard case let .object(pairs) = value else {
            throw corrupt("'__metadata__' is \(value.kindDescription), not an object mapping strings to strings")
        }
        var metadata: [String: String] = [:]
        metadata.reserveCapacity(pairs.count)
        for (key, item) in pairs {
            guard case let .string(text) = item else {
                throw corrupt("'__metadata__' maps '\(key)' to \(item.kindDescription), not a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    /// Reads `{"dtype": …, "shape": […], "data_offsets": [begin, end]}`; other keys are ignored, as the
    /// reference reader's serde struct ignores them.
    private static func parseTensorInfo(
        name: String, _ value: JSONValue, corrupt: (String) -> MgitError
    ) throws -> (entry: TensorEntry, begin: Int, end: Int) {
        guard case let .object(fields) = value else {
            throw corrupt("tensor '\(name)' is described by \(value.kindDescription), not an object with dtype, "
                + "shape and data_offsets")
        }
        func field(_ key: String) throws -> JSONValue {
            guard let found = fields.first(where: { $0.key == key }) else {
                throw corrupt("tensor '\(name)' has no '\(key)'")
            }
            return found.value
        }

        let dtypeValue = try field("dtype")
        guard case let .string(dtypeName) = dtypeValue else {
            throw corrupt("tensor '\(name)' has dtype \(dtypeValue.kindDescription), not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            let known = DType.allCases.map(\.rawValue).joined(separator: ", ")
            throw corrupt("tensor '\(name)' has dtype '\(dtypeName)', which mgit cannot read (it reads \(known))")
        }

        let shapeValue = try field("shape")
        guard case let .array(dimensions) = shapeValue else {
            throw corrupt("tensor '\(name)' has shape \(shapeValue.kindDescription), not an array of integers")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dimensions.count)
        for dimension in dimensions {
            guard let size = dimension.nonNegativeInteger else {
                throw corrupt("tensor '\(name)' has \(dimension.kindDescription) in its shape, not a non-negative "
                    + "integer")
            }
            shape.append(size)
        }
        guard TensorEntry.byteCount(dtype: dtype, shape: shape) != nil else {
            throw corrupt("tensor '\(name)' has shape \(shape), whose size in \(dtype.rawValue) bytes overflows "
                + "64 bits")
        }

        let offsetsValue = try field("data_offsets")
        guard case let .array(offsets) = offsetsValue else {
            throw corrupt("tensor '\(name)' has data_offsets \(offsetsValue.kindDescription), not an array "
                + "[begin, end]")
        }
        guard offsets.count == 2 else {
            throw corrupt("tensor '\(name)' has \(offsets.count) data_offsets, not two: [begin, end]")
        }
        guard let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger else {
            throw corrupt("tensor '\(name)' has data_offsets that are not two non-negative integers")
        }
        if begin > end {
            throw corrupt("tensor '\(name)' has data_offsets [\(begin), \(end)]: it begins after it ends")
        }
        return (TensorEntry(name: name, dtype: dtype, shape: shape), begin, end)
    }

    /// The memberwise initializer, for the modules above this one.
    package init(entries: [TensorEntry], fileOffsets: [Int], metadata: [String: String], headerLength: Int) {
        self.entries = entries
        self.fileOffsets = fileOffsets
        self.metadata = metadata
        self.headerLength = headerLength
    }
}
