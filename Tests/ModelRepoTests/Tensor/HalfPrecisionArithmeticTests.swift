import Testing
@testable import ModelRepo

/// F16/BF16 arithmetic: decoded exactly, computed in `Float`, rounded back to nearest even by the one shared
/// conversion; and the opaque dtypes refused by the math with one message.
@Suite struct HalfPrecisionArithmeticTests {
    /// The nearest value of a 16-bit type to `value` by brute force: of the two neighbours that bracket it
    /// (found by decoding, not by the encoder under test), the closer in `Double`, the even one on a tie.
    static func nearest(_ value: Float, decode: (UInt16) -> Float, below: UInt16) -> UInt16 {
        let low = below, high = below &+ 1
        let (a, b) = (Double(decode(low)), Double(decode(high)))
        let (da, db) = (abs(Double(value) - a), abs(Double(value) - b))
        if da != db { return da < db ? low : high }
        return low & 1 == 0 ? low : high
    }

    static func decodeBF16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    @Test func bfloat16EncodingIsNearestEvenForAMillionFloats() {
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        var checked = 0
        for _ in 0..<1_000_000 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            let bits = UInt32(truncatingIfNeeded: state)
            let value = Float(bitPattern: bits)
            // Only finite positive values whose upper neighbour is finite: the bracketing is then the truncation.
            guard value.isFinite, value >= 0, value < Self.decodeBF16(0x7F7F) else { continue }
            let below = UInt16(truncatingIfNeeded: bits >> 16)
            #expect(FloatCoding.bfloat16Bits(value) == Self.nearest(value, decode: Self.decodeBF16, below: below))
            checked += 1
        }
        #expect(checked > 400_000)
    }

    @Test func float16EncodingIsNearestEvenIncludingSubnormals() {
        // Every value halfway and a quarter of the way between consecutive positive F16 values, subnormals
        // included: the encoder must pick the even neighbour at the midpoint and the nearer one otherwise.
        for bits in UInt16(0)..<0x7BFF {
            let a = Float(Float16(bitPattern: bits)), b = Float(Float16(bitPattern: bits + 1))
            for t in [Float(0.5), 0.25, 0.75] {
                let value = a + (b - a) * t
                let encoded = FloatCoding.encode([value], as: .f16)
                let got = UInt16(encoded[0]) | UInt16(encoded[1]) << 8
                let want = Self.nearest(value, decode: { Float(Float16(bitPattern: $0)) }, below: bits)
                if got != want { Issue.record("F16 \(value) between \(bits) and \(bits + 1): got \(got), want \(want)") ; return }
            }
        }
    }

    @Test func halfPrecisionBitsSurviveDecodingUnlessArithmeticTouchesThem() throws {
        // NaN payloads and subnormals are exact in Float: decode → encode gives the same bits for BF16 subnormals
        // and F16 values; a BF16 NaN keeps its sign and the top of its payload, quiet.
        for bits: UInt16 in [0x0001, 0x007F, 0x8001, 0x3F80, 0xFF80] {
            #expect(FloatCoding.bfloat16Bits(Self.decodeBF16(bits)) == bits)
        }
        #expect(FloatCoding.bfloat16Bits(Self.decodeBF16(0x7FC1)) == 0x7FC1)
        #expect(FloatCoding.bfloat16Bits(Self.decodeBF16(0xFF81)) == 0xFFC1)  // signalling becomes quiet
    }

    @Test func interpolatingBF16TensorsMixesInFloatAndRoundsOnce() throws {
        let a = Tensor(dtype: .bf16, shape: [4], bytes: [0x80, 0x3F, 0x00, 0x40, 0x01, 0x00, 0x40, 0xC0])
        let b = Tensor(dtype: .bf16, shape: [4], bytes: [0x81, 0x3F, 0x80, 0x40, 0x03, 0x00, 0x00, 0x00])
        var ca = Checkpoint(), cb = Checkpoint()
        ca["w"] = a
        cb["w"] = b
        let mixed = try Interpolation.interpolate(ca, cb, lambda: 0.5)["w"]!
        let u = a.floats(), v = b.floats()
        let want = (0..<4).map { FloatCoding.bfloat16Bits(0.5 * u[$0] + 0.5 * v[$0]) }
        #expect(mixed.bytes == want.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        // 1 and 1 + 2^-7 average to the tie 1 + 2^-8, which rounds to the even 1.
        #expect(Array(mixed.bytes[0..<2]) == [0x80, 0x3F])
    }

    @Test(arguments: DType.allCases.filter(\.isOpaque))
    func interpolationRefusesOpaqueDTypes(dtype: DType) {
        var a = Checkpoint()
        a["w"] = Tensor(shape: [2], floats: [1, 2])
        a["q"] = Tensor(dtype: dtype, shape: [8], bytes: [UInt8](repeating: 1, count: 8 * dtype.bitSize / 8))
        var thrown: MgitError?
        do { _ = try Interpolation.interpolate(a, a, lambda: 0.5) } catch { thrown = error as? MgitError }
        #expect(thrown?.code == .invalidInput)
        #expect(thrown?.message.contains("tensor 'q' is \(dtype.rawValue), which mgit stores and exports bit for bit "
                                          + "but cannot compute on") == true)
    }
}
