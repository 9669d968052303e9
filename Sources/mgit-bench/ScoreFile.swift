import ArgumentParser
import Foundation

/// Reads the one 2-D tensor named `score` from a safetensors file, for `mgit-bench lap --file`.
///
/// A stand-in until the library's SafeTensors reader is merged: it reads only the header entry for `score`
/// (dtype F32 or F64, little-endian) and checks its offsets against the file size.
enum ScoreFile {
    /// The values of `score` as `Double`, row-major, with its shape `[rows, cols]`.
    static func read(path: String) throws -> (values: [Double], rows: Int, cols: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw ValidationError("\(path) is too short for a safetensors header") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw ValidationError("\(path): header length \(headerLength) exceeds the file")
        }
        let start = 8 + Int(headerLength)
        guard let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<start])) as? [String: Any],
              let entry = header["score"] as? [String: Any],
              let dtype = entry["dtype"] as? String,
              let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
              let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
              shape.count == 2, offsets.count == 2
        else {
            throw ValidationError("\(path) has no 2-D tensor named `score`")
        }
        let size: Int
        switch dtype {
        case "F64": size = 8
        case "F32": size = 4
        default: throw ValidationError("`score` in \(path) is \(dtype); use F32 or F64")
        }
        let count = shape[0] * shape[1]
        guard offsets[1] - offsets[0] == count * size, start + offsets[1] <= bytes.count, offsets[0] >= 0 else {
            throw ValidationError("`score` in \(path) has data offsets \(offsets) that do not fit shape \(shape) or the file")
        }
        let values = bytes.withUnsafeBytes { raw in
            (0..<count).map { k -> Double in
                let at = start + offsets[0] + k * size
                return size == 8
                    ? Double(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian)
                    : Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian))
            }
        }
        return (values, shape[0], shape[1])
    }
}
