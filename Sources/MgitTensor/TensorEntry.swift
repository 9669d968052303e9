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
                     "tensor '\(name)' of shape \(shape) has more bytes than Int can count")
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

    /// The number of data bytes: elements × element size.
    public var byteCount: Int { elementCount * dtype.size }

    /// Elements × element size, or nil when the product overflows `Int`.
    ///
    /// Multiplies left to right and fails on the first overflow, like the reference reader's `checked_mul` fold,
    /// so `[2⁶², 4, 0]` counts as an overflow even though its product is zero.
    package static func byteCount(dtype: DType, shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        let (bytes, overflow) = product.multipliedReportingOverflow(by: dtype.size)
        return overflow ? nil : bytes
    }
}
