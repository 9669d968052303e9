import Testing
@testable import MgitInterop
@testable import MgitTensor
@testable import MgitStore
@testable import MgitLineage
@testable import MgitNetworks
@testable import MgitAlignment
@testable import MgitHooks
@testable import MgitMerge
@testable import MgitOperations

@Suite struct FloatCodingTests {
    @Test(arguments: [DType.f32, .f64, .f16, .bf16])
    func floatsRoundTripThroughEveryFloatingType(dtype: DType) {
        // Values exactly representable in every one of these types.
        let values: [Float] = [0, -0.0, 1, -2, 0.5, 1024, -0.125, 3]
        let tensor = Tensor(shape: [2, 4], floats: values, dtype: dtype)
        #expect(tensor.bytes.count == 8 * dtype.size)
        #expect(tensor.floats() == values)
    }

    @Test func bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 lies exactly between two bfloat16 values (1 and 1 + 2^-7): ties go to the even one, 1.
        #expect(FloatCoding.bfloat16Bits(1 + 0x1p-8) == 0x3F80)
        // 1 + 3·2^-8 lies between 1 + 2^-7 (odd) and 1 + 2^-6 (even): goes up.
        #expect(FloatCoding.bfloat16Bits(1 + 3 * 0x1p-8) == 0x3F82)
        #expect(Float(bitPattern: UInt32(FloatCoding.bfloat16Bits(.nan)) << 16).isNaN)
    }
}
