import MgitInterop
import MgitTensor

/// DARE's drop step (Yu et al. 2024 §3, "drop and rescale"): each task-vector entry is kept with probability
/// `density`, from a seeded counter-based stream so every merge can be recomputed bit for bit.
///
/// Entry `j` of input `i` of tensor `name` is kept when `mix(key(seed, name, i) + j·γ) >> 40 < ⌊density·2²⁴⌋`,
/// with `mix` SplitMix64's finaliser. The decision depends on (seed, tensor name, input index, position) only,
/// not on the order in which tensors are merged or on chunking, so a streamed merge and a whole-model merge drop
/// the same entries. (mergekit's `torch.bernoulli` stream cannot be reproduced outside torch; mgit records its
/// seed instead, which mergekit's config has no place for.)
public enum DropMask {
    /// The randomness of one merge: its seed.
    public struct Stream: Sendable, Equatable {
        /// The key the entries' decisions are hashed from.
        let key: UInt64

        /// The stream of a merge run with `seed`.
        public init(seed: UInt64) { key = DropMask.mix(seed ^ 0x6D67_6974_4441_5245) }  // "mgitDARE"

        private init(key: UInt64) { self.key = key }

        /// The stream of tensor `name`: FNV-1a of its UTF-8 bytes mixed into the key.
        public func forTensor(_ name: String) -> Stream {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            return Stream(key: DropMask.mix(key ^ h))
        }

        /// The stream of merged input `index` of this tensor.
        public func forInput(_ index: Int) -> Stream {
            Stream(key: DropMask.mix(key &+ UInt64(index + 1) &* 0xD6E8_FEB8_6659_FD93))
        }
    }

    /// Zeroes each entry of `tau` with probability 1 − density, then rescales what is kept.
    public static func apply(_ tau: inout [Float], density: Double, rescale: DeltaRescale, stream: Stream) {
        let n = tau.count
        if density >= 1 || n == 0 { return }
        let before = rescale == .l1 ? tau.withUnsafeBufferPointer { VectorBLAS.sumOfMagnitudes(n, $0.baseAddress!) } : 0
        let threshold = UInt64(max(0, density) * 16_777_216)
        let key = stream.key
        tau.withUnsafeMutableBufferPointer { t in
            for j in 0..<n {
                let keep = (mix(key &+ UInt64(j) &* 0x9E37_79B9_7F4A_7C15) >> 40) < threshold
                t[j] = keep ? t[j] : 0
            }
        }
        rescaleKept(&tau, before: before, density: density, rescale: rescale)
    }

    /// Scales the kept entries: by ‖τ‖₁ before / ‖τ‖₁ after (mergekit: skipped when either is below 1e-7),
    /// or by 1/density.
    static func rescaleKept(_ tau: inout [Float], before: Double, density: Double, rescale: DeltaRescale) {
        let n = tau.count
        guard n > 0 else { return }
        switch rescale {
        case .none:
            return
        case .inverseDensity:
            guard density > 0 else { return }
            tau.withUnsafeMutableBufferPointer { VectorBLAS.scale(n, Float(1 / density), $0.baseAddress!) }
        case .l1:
            let after = tau.withUnsafeBufferPointer { VectorBLAS.sumOfMagnitudes(n, $0.baseAddress!) }
            guard before >= 1e-7, after >= 1e-7 else { return }
            tau.withUnsafeMutableBufferPointer { VectorBLAS.scale(n, Float(before / after), $0.baseAddress!) }
        }
    }

    /// SplitMix64's finaliser (Steele, Lea & Flood 2014): a bijection on 64 bits that mixes every input bit.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
