import MgitInterop
/// An IDX file (LeCun's MNIST format): a magic number, big-endian dimension sizes, then the elements.
///
/// Magic bytes are `0, 0, type, rank`; mgit reads type `0x08` (unsigned bytes), which is what MNIST and
/// Fashion-MNIST use for both images and labels.
package struct IDXFile {
    /// The dimension sizes, e.g. `[60000, 28, 28]` for images or `[60000]` for labels.
    package let shape: [Int]
    /// The elements, row-major, `shape.reduce(1, *)` of them.
    package let bytes: [UInt8]

    /// Parses decompressed IDX bytes; `source` names the file in errors.
    package init(_ data: [UInt8], source: String) throws {
        guard data.count >= 4, data[0] == 0, data[1] == 0 else {
            throw MgitError(.corrupt, "\(source) is not an IDX file: it does not start with two zero bytes")
        }
        guard data[2] == 0x08 else {
            throw MgitError(.corrupt, "\(source) holds IDX element type 0x\(String(data[2], radix: 16)); mgit reads "
                                + "only unsigned bytes (0x08)")
        }
        let rank = Int(data[3])
        let header = 4 + 4 * rank
        guard rank >= 1, data.count >= header else {
            throw MgitError(.corrupt, "\(source) has a truncated IDX header (rank \(rank), \(data.count) bytes)")
        }
        var shape: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            shape.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        let count = shape.reduce(1, *)
        guard data.count == header + count else {
            throw MgitError(.corrupt, "\(source) declares shape \(shape) (\(count) elements after a \(header)-byte "
                                + "header) but has \(data.count) bytes")
        }
        self.shape = shape
        self.bytes = Array(data[header...])
    }
}
