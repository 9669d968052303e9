import MgitInterop
/// The element types of safetensors, by their names in a safetensors header: every type the reference reader
/// (huggingface/safetensors 0.8) reads.
///
/// Storage moves bytes, so every type round-trips bit for bit. Arithmetic (``hasArithmetic``) is done on F64,
/// F32, F16 and BF16 only, through ``FloatCoding``; integer types read as numbers; the 4-, 6- and 8-bit float
/// types and C64 are opaque bytes that the math commands refuse (``refuseArithmetic(tensor:operation:)``).
public enum DType: String, Sendable, CaseIterable, Codable, Hashable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u64 = "U64"
    case u32 = "U32"
    case u16 = "U16"
    case u8 = "U8"
    case bool = "BOOL"
    case c64 = "C64"
    case f8e4m3 = "F8_E4M3"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    case f8e8m0 = "F8_E8M0"
    case f6e2m3 = "F6_E2M3"
    case f6e3m2 = "F6_E3M2"
    case f4 = "F4"

    /// Bits per element; the sub-byte types pack elements with no padding, so a tensor's bit count
    /// (elements × bits) must be a multiple of 8, as the reference reader demands.
    public var bitSize: Int {
        switch self {
        case .f64, .i64, .u64, .c64: 64
        case .f32, .i32, .u32: 32
        case .f16, .bf16, .i16, .u16: 16
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2, .f8e4m3fnuz, .f8e5m2fnuz, .f8e8m0: 8
        case .f6e2m3, .f6e3m2: 6
        case .f4: 4
        }
    }

    /// Whether one element fills whole bytes (every type but F4 and the F6 types).
    public var isByteAligned: Bool { bitSize % 8 == 0 }

    /// Bytes per element. Only for byte-aligned types (``isByteAligned``): a caller that meets F4 or F6 must
    /// use ``TensorEntry/byteCount(dtype:shape:)`` instead.
    public var size: Int {
        precondition(isByteAligned, "\(rawValue) elements are \(bitSize) bits, not whole bytes")
        return bitSize / 8
    }

    /// Whether mgit can do arithmetic on this type (convert to and from `Float`): F64, F32, F16, BF16.
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        default: false
        }
    }

    /// Whether the type is an integer or BOOL, which mgit reads as numbers (and merges copy unchanged).
    public var isInteger: Bool {
        switch self {
        case .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool: true
        default: false
        }
    }

    /// Whether mgit stores the type as opaque bytes and cannot compute on it: the 4-, 6- and 8-bit floats and C64.
    public var isOpaque: Bool { !isFloatingPoint && !isInteger }

    /// Throws the one message every math command gives for a tensor of an opaque type.
    ///
    /// - Parameters:
    ///   - tensor: the tensor's name, for the message.
    ///   - operation: what was asked ("interpolation", "weight matching", "permuting").
    public func refuseArithmetic(tensor: String, operation: String) throws {
        guard isOpaque else { return }
        throw MgitError(.invalidInput, "tensor '\(tensor)' is \(rawValue), which mgit stores and exports bit for bit "
                        + "but cannot compute on; \(operation) needs F64, F32, F16 or BF16 (integer tensors are "
                        + "copied); convert the checkpoint first")
    }
}
