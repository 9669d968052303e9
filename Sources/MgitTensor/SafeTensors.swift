/// Reading and writing whole safetensors checkpoints, and the deterministic header layout mgit writes.
///
/// The format: an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON, then the data section.
/// mgit's layout is in docs/SAFETENSORS.md; the same tensors and metadata always give the same bytes.
public enum SafeTensors {
    /// Reads the whole checkpoint at `path` (a `.safetensors` file or a `*.safetensors.index.json`) into memory.
    ///
    /// - Throws: as ``SafeTensorsReader/init(path:)``.
    public static func read(path: String) throws -> Checkpoint {
        try SafeTensorsReader(path: path).checkpoint()
    }

    /// Writes `checkpoint` to `path` atomically (a temporary file beside it, fsynced, renamed over `path`),
    /// tensors in the checkpoint's order.
    ///
    /// - Throws: `.invalidInput` when a tensor is called `__metadata__`; `.io` when the file cannot be written.
    public static func write(_ checkpoint: Checkpoint, to path: String) throws {
        let named = checkpoint.namedTensors
        let entries = named.map { TensorEntry(name: $0.name, tensor: $0.tensor) }
        let writer = try SafeTensorsWriter(path: path, entries: entries, metadata: checkpoint.metadata)
        for (_, tensor) in named {
            try tensor.bytes.withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
    }

    /// The first `8 + N` bytes of the file mgit writes for `entries` and `metadata`: the little-endian length
    /// `N`, then the compact JSON header padded with spaces so that `8 + N` is a multiple of 8.
    ///
    /// `__metadata__` comes first with its keys in UTF-8 byte order (omitted when empty), then the tensors in
    /// the given order with `data_offsets` laid out contiguously in that order. Names must be unique and none may
    /// be `__metadata__` (``SafeTensorsWriter`` checks this and throws; here it is a precondition).
    public static func header(for entries: [TensorEntry], metadata: [String: String]) -> [UInt8] {
        var json: [UInt8] = [UInt8(ascii: "{")]
        json.reserveCapacity(64 + 96 * entries.count)
        var first = true
        if !metadata.isEmpty {
            json.append(contentsOf: #""__metadata__":{"#.utf8)
            for (index, key) in metadata.keys.sorted(by: utf8Precedes).enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                appendJSONString(key, to: &json)
                json.append(UInt8(ascii: ":"))
                appendJSONString(metadata[key]!, to: &json)
            }
            json.append(UInt8(ascii: "}"))
            first = false
        }
        var offset = 0
        var seen = Set<String>()
        for entry in entries {
            precondition(entry.name != "__metadata__", "a tensor cannot be called __metadata__")
            precondition(seen.insert(entry.name).inserted, "tensor '\(entry.name)' is listed twice")
            if !first { json.append(UInt8(ascii: ",")) }
            first = false
            appendJSONString(entry.name, to: &json)
            json.append(contentsOf: #":{"dtype":""#.utf8)
            json.append(contentsOf: entry.dtype.rawValue.utf8)
            json.append(contentsOf: #"","shape":["#.utf8)
            json.append(contentsOf: entry.shape.map(String.init).joined(separator: ",").utf8)
            let (end, overflow) = offset.addingReportingOverflow(entry.byteCount)
            precondition(!overflow, "the tensors hold more bytes than Int can count")
            json.append(contentsOf: #"],"data_offsets":["#.utf8)
            json.append(contentsOf: "\(offset),\(end)]}".utf8)
            offset = end
        }
        json.append(UInt8(ascii: "}"))
        // Pad so the data section starts 8-byte aligned, as the reference writer does.
        let padding = (8 - json.count % 8) % 8
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))

        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        return out
    }

    /// Whether `a` sorts before `b` by UTF-8 bytes, an order that does not depend on locale or normalisation.
    package static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Appends `string` as a JSON string: `"` and `\` escaped with a backslash, control characters below
    /// U+0020 as `\u00xx` (lowercase hex), everything else as its UTF-8 bytes.
    package static func appendJSONString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
