import Foundation
import ModelRepo

/// Small checkpoints for CLI tests, with known values.
enum Fixtures {
    /// A deterministic MLP-shaped checkpoint; `seed` changes every float, `variant` changes only `fc2.weight`.
    static func checkpoint(seed: UInt64 = 1, variant: Int = 0, hidden: Int = 16) -> Checkpoint {
        var rng = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Float {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return Float(Int64(bitPattern: rng % 2001) - 1000) / 1000
        }
        var c = Checkpoint(metadata: ["format": "pt", "note": "fixture \(seed)"])
        c["fc1.weight"] = Tensor(shape: [hidden, 12], floats: (0..<hidden * 12).map { _ in next() })
        c["fc1.bias"] = Tensor(shape: [hidden], floats: (0..<hidden).map { _ in next() })
        c["fc2.weight"] = Tensor(shape: [4, hidden], floats: (0..<4 * hidden).map { i in next() + Float(variant) })
        c["fc2.bias"] = Tensor(shape: [4], floats: [0.5, -0.5, 0.25, 0])
        c["num_batches_tracked"] = Tensor(dtype: .i64, shape: [], bytes: [7, 0, 0, 0, 0, 0, 0, 0])
        c["half"] = Tensor(shape: [3], floats: [1, 2, 3], dtype: .bf16)
        return c
    }

    static func write(_ checkpoint: Checkpoint, to path: String) throws {
        try SafeTensors.write(checkpoint, to: path)
    }
}
