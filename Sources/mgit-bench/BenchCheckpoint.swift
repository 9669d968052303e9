import Foundation
import ModelRepo

/// The large random checkpoints the storage and transfer benchmarks commit.
enum BenchCheckpoint {
    /// Writes `tensors` random float32 tensors `layers.N.weight` of `elements` values each; tensor `changed`
    /// gets other values than in a file written without it, so two files differ in exactly one tensor.
    static func write(_ path: String, tensors: Int, elements: Int, changed: Int?, label: String) throws {
        let entries = (0..<tensors).map { TensorEntry(name: "layers.\($0).weight", dtype: .f32, shape: [elements]) }
        let writer = try SafeTensorsWriter(path: path, entries: entries, metadata: ["bench": label])
        var buffer = [Float](repeating: 0, count: elements)
        for t in 0..<tensors {
            var state = UInt64(t + 1) &* 0x9E37_79B9_7F4A_7C15 &+ (t == changed ? 12345 : 0)
            buffer.withUnsafeMutableBufferPointer { out in
                for i in 0..<elements {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    out[i] = Float(bitPattern: 0x3F80_0000 | UInt32(truncatingIfNeeded: state >> 41)) - 1.5
                }
            }
            try buffer.withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
    }

    /// The bytes of every file below `path`.
    static func directoryBytes(_ path: String) -> Int {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let f = e.nextObject() as? String {
            total += (try? FileManager.default.attributesOfItem(atPath: path + "/" + f)[.size] as? Int) ?? 0
        }
        return total
    }
}
