/// A tensor held in memory: a dtype, a shape and its raw little-endian, row-major bytes.
///
/// Values are moved as bytes (permutations, storage) and converted to `Float` only for math, so a BF16 tensor
/// stays BF16 bit for bit unless arithmetic changes it.
public struct Tensor: Sendable, Equatable {
    public let dtype: DType
    public let shape: [Int]
    /// Raw element bytes; `bytes.count == elementCount * dtype.size`.
    public var bytes: [UInt8]

    /// Wraps raw bytes; the byte count must match the shape.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(bytes.count == shape.reduce(1, *) * dtype.size,
                     "\(bytes.count) bytes do not hold a \(dtype.rawValue) tensor of shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Converts `values` to `dtype` (a floating type), row-major with the given shape.
    public init(shape: [Int], floats values: [Float], dtype: DType = .f32) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.init(dtype: dtype, shape: shape, bytes: FloatCoding.encode(values, as: dtype))
    }

    /// The number of elements, the product of the shape (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The values as `Float`; the dtype must be floating point or an integer type.
    public func floats() -> [Float] { FloatCoding.decode(bytes, from: dtype, count: elementCount) }

    /// The values as `Double`; the dtype must be floating point or an integer type.
    public func doubles() -> [Double] { FloatCoding.decodeDoubles(bytes, from: dtype, count: elementCount) }
}
