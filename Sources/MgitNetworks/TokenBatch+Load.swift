import MgitInterop
import MgitTensor

extension TokenBatch {
    /// Reads the integer tensor `input_ids` `[N, T]` of a safetensors file (`--data tokens.safetensors`).
    ///
    /// - Throws: `MgitError(.invalidInput)` when the tensor is missing, not 2-D, not an integer type, or holds a
    ///   negative id; the reader's errors for a file that is not safetensors.
    public static func read(path: String, tensor name: String = "input_ids") throws -> TokenBatch {
        let checkpoint = try SafeTensors.read(path: path)
        guard let tensor = checkpoint[name] else {
            throw MgitError(.invalidInput, "'\(path)' has no tensor '\(name)'; token data is an integer tensor "
                            + "'\(name)' of shape [sequences, tokens]")
        }
        guard tensor.shape.count == 2 else {
            throw MgitError(.invalidInput, "tensor '\(name)' in '\(path)' has shape \(tensor.shape); it must be "
                            + "[sequences, tokens]")
        }
        let ids: [Int]
        switch tensor.dtype {
        case .i64:
            ids = (0..<tensor.elementCount).map { i in
                Int(Int64(littleEndian: tensor.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self) }))
            }
        case .i32:
            ids = (0..<tensor.elementCount).map { i in
                Int(Int32(littleEndian: tensor.bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self) }))
            }
        case .i16, .u8:
            ids = tensor.doubles().map { Int($0) }
        default:
            throw MgitError(.invalidInput, "tensor '\(name)' in '\(path)' is \(tensor.dtype.rawValue); token ids must "
                            + "be an integer type (I64, I32, I16 or U8)")
        }
        if let bad = ids.firstIndex(where: { $0 < 0 }) {
            throw MgitError(.invalidInput, "tensor '\(name)' in '\(path)' holds the negative id \(ids[bad]) at element \(bad)")
        }
        return TokenBatch(batch: tensor.shape[0], length: tensor.shape[1], ids: ids)
    }
}
