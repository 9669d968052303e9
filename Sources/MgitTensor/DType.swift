/// The element types of safetensors, by their names in a safetensors header.
///
/// Every type round-trips bit for bit as raw bytes. The floating types F64, F32, F16 and BF16 convert to
/// `Float`/`Double` for math; the 8-bit float types are kept as opaque bytes.
public enum DType: String, Sendable, CaseIterable, Codable, Hashable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u8 = "U8"
    case bool = "BOOL"
    case f8e4m3 = "F8_E4M3"
    case f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
        }
    }

    /// Whether mgit can do arithmetic on this type (convert to and from `Float`).
    public var isFloatingPoint: Bool {
        switch self {
        case .f64, .f32, .f16, .bf16: true
        default: false
        }
    }
}
