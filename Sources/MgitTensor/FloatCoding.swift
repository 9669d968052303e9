/// Conversions between raw little-endian element bytes and `Float`/`Double`.
package enum FloatCoding {
    /// Decodes `count` elements of `dtype` from `bytes` to `Float`.
    package static func decode(_ bytes: [UInt8], from dtype: DType, count: Int) -> [Float] {
        bytes.withUnsafeBytes { decode($0, from: dtype, count: count) }
    }

    /// Decodes `count` elements of `dtype` from `raw` to `Float`.
    package static func decode(_ raw: UnsafeRawBufferPointer, from dtype: DType, count: Int) -> [Float] {
        precondition(raw.count >= count * dtype.size)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .f32:
                for i in 0..<count { out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            case .f64:
                for i in 0..<count { out[i] = Float(Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))) }
            case .f16:
                for i in 0..<count { out[i] = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .bf16:
                for i in 0..<count {
                    let bits = UInt32(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
                    out[i] = Float(bitPattern: bits)
                }
            case .i64:
                for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
            case .i32:
                for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
            case .i16:
                for i in 0..<count { out[i] = Float(raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)) }
            case .i8:
                for i in 0..<count { out[i] = Float(Int8(bitPattern: raw[i])) }
            case .u8, .bool:
                for i in 0..<count { out[i] = Float(raw[i]) }
            case .f8e4m3, .f8e5m2:
                preconditionFailure("\(dtype.rawValue) is kept as opaque bytes and has no arithmetic in mgit")
            }
            initialized = count
        }
    }

    /// Decodes `count` elements of `dtype` from `bytes` to `Double`.
    package static func decodeDoubles(_ bytes: [UInt8], from dtype: DType, count: Int) -> [Double] {
        if dtype == .f64 {
            return bytes.withUnsafeBytes { raw in
                (0..<count).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)) }
            }
        }
        return decode(bytes, from: dtype, count: count).map(Double.init)
    }

    /// Encodes `values` as elements of the floating type `dtype`, rounding to nearest even.
    package static func encode(_ values: [Float], as dtype: DType) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * dtype.size)
        out.withUnsafeMutableBytes { raw in
            switch dtype {
            case .f32:
                for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern, toByteOffset: 4 * i, as: UInt32.self) }
            case .f64:
                for (i, v) in values.enumerated() { raw.storeBytes(of: Double(v).bitPattern, toByteOffset: 8 * i, as: UInt64.self) }
            case .f16:
                for (i, v) in values.enumerated() { raw.storeBytes(of: Float16(v).bitPattern, toByteOffset: 2 * i, as: UInt16.self) }
            case .bf16:
                for (i, v) in values.enumerated() { raw.storeBytes(of: bfloat16Bits(v), toByteOffset: 2 * i, as: UInt16.self) }
            default:
                preconditionFailure("cannot encode floats as \(dtype.rawValue)")
            }
        }
        return out
    }

    /// The bfloat16 nearest to `value` (round to nearest even; NaN stays a quiet NaN).
    package static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
