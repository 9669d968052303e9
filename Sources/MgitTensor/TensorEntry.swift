/// One tensor's description in a safetensors header: its name, dtype and shape (its bytes live elsewhere).
public struct TensorEntry: Sendable, Hashable {
    /// The tensor's name, the header key.
    public let name: String
    /// The element type.
    public let dtype: DType
    /// The dimensions, row-major; `[]` is a scalar (one element).
    public let shape: [Int]

    /// Describes a tensor; every dimension must be non-negative and the byte count must fit `Int`.
    public init(name: String, dtype: DType, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape) for tensor '\(name)'")
        precondition(Self.byteCount(dtype: dtype, shape: shape) != nil,
                     "tensor '\(name)' of shape \(shape) has more bytes than Int can count, or bits that fill no whole byte")
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Describes `tensor` under `name`.
    public init(name: String, tensor: Tensor) {
        self.init(name: name, dtype: tensor.dtype, shape: tensor.shape)
    }

    /// The number of elements, the product of the shape (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The number of data bytes: elements × bits per element ÷ 8.
    public var byteCount: Int { Self.byteCount(dtype: dtype, shape: shape) ?? 0 }

    /// Elements × bits per element ÷ 8, or nil when the product overflows `Int` (or a sub-byte tensor's bits
    /// do not fill whole bytes, see ``isWholeBytes(dtype:shape:)``).
    ///
    /// Multiplies left to right and fails on the first overflow, like the reference reader's `checked_mul` fold,
    /// so `[2⁶², 4, 0]` counts as an overflow even though its product is zero.
    public static func byteCount(dtype: DType, shape: [Int]) -> Int? {
        guard let elements = elementCount(shape) else { return nil }
        if dtype.bitSize % 8 == 0 {
            // Whole-byte dtypes count in bytes, so a tensor of up to Int.max bytes is representable (counting in
            // bits would overflow eight times sooner).
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.bitSize / 8)
            return overflow ? nil : bytes
        }
        // F4 and F6: whole bytes only when elements × bits is a multiple of 8 (the reference refuses the rest).
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitSize)
        if overflow || bits % 8 != 0 { return nil }
        return bits / 8
    }

    /// Whether `shape` of `dtype` fills whole bytes (always, except an F4 or F6 tensor whose element count
    /// times its bit size is not a multiple of 8, which the reference reader refuses as a misaligned slice).
    package static func isWholeBytes(dtype: DType, shape: [Int]) -> Bool {
        guard let elements = elementCount(shape) else { return true }
        if dtype.bitSize % 8 == 0 { return true }
        let (bits, overflow) = elements.multipliedReportingOverflow(by: dtype.bitSize)
        return overflow || bits % 8 == 0
    }

    /// The product of `shape`, left to right, or nil on the first overflow.
    private static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
