import Foundation
import MgitInterop

/// A linear map on rows: `y = x·Wᵀ + b` with `W` stored `[out, in]` (PyTorch `Linear`), or `y = x·W + b` with
/// `W` stored `[in, out]` (GPT-2's `Conv1D`). One sgemm per call.
struct DenseMap: Sendable {
    /// `[outputs, inputs]`, or `[inputs, outputs]` when `inputMajor`.
    let weight: [Float]
    /// `[outputs]`, or nil.
    let bias: [Float]?
    let inputs: Int
    let outputs: Int
    /// Whether `weight` is stored `[in, out]` (Conv1D).
    let inputMajor: Bool

    /// Reads `<name>.weight` (and `<name>.bias` when `biased`) with the shapes this map needs.
    init(_ reader: inout ParameterReader, _ name: String, inputs: Int, outputs: Int, inputMajor: Bool = false,
         biased: Bool = true) throws {
        weight = try reader.floats(name + ".weight", shape: inputMajor ? [inputs, outputs] : [outputs, inputs])
        bias = biased ? try reader.floats(name + ".bias", shape: [outputs]) : nil
        self.inputs = inputs
        self.outputs = outputs
        self.inputMajor = inputMajor
    }

    /// Wraps weights already in memory.
    init(weight: [Float], bias: [Float]?, inputs: Int, outputs: Int, inputMajor: Bool) {
        precondition(weight.count == inputs * outputs && (bias?.count ?? outputs) == outputs)
        self.weight = weight
        self.bias = bias
        self.inputs = inputs
        self.outputs = outputs
        self.inputMajor = inputMajor
    }

    /// - Parameter x: Shape `[n, inputs]`.
    /// - Returns: Shape `[n, outputs]`.
    func callAsFunction(_ x: FloatMatrix) -> FloatMatrix {
        precondition(x.columns == inputs, "a [\(x.rows), \(x.columns)] input for a map from \(inputs) features")
        let n = x.rows
        var out = [Float](repeating: 0, count: n * outputs)
        if let bias {
            out.withUnsafeMutableBufferPointer { o in
                bias.withUnsafeBufferPointer { b in
                    for r in 0..<n { (o.baseAddress! + r * outputs).update(from: b.baseAddress!, count: outputs) }
                }
            }
        }
        guard n > 0 else { return FloatMatrix(rows: 0, columns: outputs, values: []) }
        x.values.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                out.withUnsafeMutableBufferPointer { po in
                    BLAS.gemm(n, outputs, inputs, px.baseAddress!, lda: inputs,
                              pw.baseAddress!, ldb: inputMajor ? outputs : inputs, transposeB: !inputMajor,
                              po.baseAddress!, ldc: outputs, beta: bias == nil ? 0 : 1)
                }
            }
        }
        return FloatMatrix(rows: n, columns: outputs, values: out)
    }
}

/// LayerNorm (`(x − mean) / √(var + ε) · γ + β`) or RMSNorm (`x / √(mean(x²) + ε) · γ`) over each row.
struct RowNorm: Sendable {
    /// γ, `[d]`.
    let weight: [Float]
    /// β, `[d]`; nil for RMSNorm.
    let bias: [Float]?
    let eps: Float
    /// RMSNorm (no centring, no β).
    let rms: Bool

    /// Reads `<name>.weight` (and `<name>.bias` for LayerNorm), each `[d]`.
    init(_ reader: inout ParameterReader, _ name: String, size: Int, eps: Float, rms: Bool) throws {
        weight = try reader.floats(name + ".weight", shape: [size])
        bias = rms ? nil : try reader.floats(name + ".bias", shape: [size])
        self.eps = eps
        self.rms = rms
    }

    /// - Parameter x: Shape `[n, d]`; returns the same shape.
    func callAsFunction(_ x: FloatMatrix) -> FloatMatrix {
        let d = x.columns
        precondition(d == weight.count)
        var out = x.values
        out.withUnsafeMutableBufferPointer { o in
            weight.withUnsafeBufferPointer { g in
                for r in 0..<x.rows {
                    let row = o.baseAddress! + r * d
                    var mean = 0.0
                    if !rms {
                        for i in 0..<d { mean += Double(row[i]) }
                        mean /= Double(d)
                    }
                    var square = 0.0
                    for i in 0..<d { let c = Double(row[i]) - mean; square += c * c }
                    let scale = Float(1 / (square / Double(d) + Double(eps)).squareRoot())
                    let m = Float(mean)
                    if let bias {
                        for i in 0..<d { row[i] = (row[i] - m) * scale * g[i] + bias[i] }
                    } else {
                        for i in 0..<d { row[i] = row[i] * scale * g[i] }
                    }
                }
            }
        }
        return FloatMatrix(rows: x.rows, columns: d, values: out)
    }
}

/// The element-wise nonlinearities of the three families.
enum Activation: Sendable {
    /// `½x(1 + erf(x/√2))` (BERT's `gelu`).
    case gelu
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))` (GPT-2's `gelu_new`).
    case geluTanh
    /// `x · σ(x)` (Llama's `silu`).
    case silu

    /// Applies the nonlinearity to every element in place.
    func apply(_ x: inout FloatMatrix) {
        x.values.withUnsafeMutableBufferPointer { v in
            switch self {
            case .gelu:
                for i in v.indices { let z = v[i]; v[i] = 0.5 * z * (1 + erff(z * 0.707_106_781_186_547_5)) }
            case .geluTanh:
                let c: Float = 0.797_884_560_802_865_4
                for i in v.indices { let z = v[i]; v[i] = 0.5 * z * (1 + tanhf(c * (z + 0.044715 * z * z * z))) }
            case .silu:
                for i in v.indices { let z = v[i]; v[i] = z / (1 + expf(-z)) }
            }
        }
    }
}

/// Scaled dot-product attention over a batch of sequences, with grouped-query heads
/// (Vaswani et al. 2017 §3.2.1; Ainslie et al. 2023 for grouped queries).
enum Attention {
    /// Where the heads of one projection sit in a row-major matrix of `B·T` rows: head `h` occupies columns
    /// `offset + h·dh ..< offset + (h+1)·dh` (GPT-2's fused `c_attn` output holds q, k and v side by side).
    struct Heads {
        let matrix: FloatMatrix
        let offset: Int
    }

    /// `softmax(q·kᵀ/√dh + mask)·v` per sequence and head; query head `h` reads key/value head
    /// `h / (H / Hkv)`.
    ///
    /// - Parameters:
    ///   - q: `H` heads of `dh` columns in rows `[B·T]`; `k`, `v`: `Hkv` heads.
    ///   - causal: Position `i` attends to positions `0…i` only (decoders).
    /// - Returns: Shape `[B·T, H·dh]`, heads side by side.
    static func apply(q: Heads, k: Heads, v: Heads, batch: Int, length: Int, heads: Int, kvHeads: Int,
                      headDim: Int, causal: Bool) -> FloatMatrix {
        let (t, dh) = (length, headDim)
        let width = heads * dh
        let group = heads / kvHeads
        var out = [Float](repeating: 0, count: batch * t * width)
        var scores = [Float](repeating: 0, count: t * t)
        let scale = 1 / Float(dh).squareRoot()
        let (ldq, ldk, ldv) = (q.matrix.columns, k.matrix.columns, v.matrix.columns)
        q.matrix.values.withUnsafeBufferPointer { pq in
        k.matrix.values.withUnsafeBufferPointer { pk in
        v.matrix.values.withUnsafeBufferPointer { pv in
        out.withUnsafeMutableBufferPointer { po in
        scores.withUnsafeMutableBufferPointer { ps in
            let s = ps.baseAddress!
            for b in 0..<batch {
                for h in 0..<heads {
                    let g = h / group
                    BLAS.gemm(t, t, dh, pq.baseAddress! + b * t * ldq + q.offset + h * dh, lda: ldq,
                              pk.baseAddress! + b * t * ldk + k.offset + g * dh, ldb: ldk, transposeB: true,
                              s, ldc: t, alpha: scale)
                    for i in 0..<t {
                        let row = s + i * t
                        let visible = causal ? i + 1 : t
                        var top = -Float.infinity
                        for j in 0..<visible { top = max(top, row[j]) }
                        var sum: Float = 0
                        for j in 0..<visible { let e = expf(row[j] - top); row[j] = e; sum += e }
                        let inv = 1 / sum
                        for j in 0..<visible { row[j] *= inv }
                        for j in visible..<t { row[j] = 0 }
                    }
                    BLAS.gemm(t, dh, t, s, lda: t, pv.baseAddress! + b * t * ldv + v.offset + g * dh, ldb: ldv,
                              po.baseAddress! + b * t * width + h * dh, ldc: width)
                }
            }
        }}}}}
        return FloatMatrix(rows: batch * t, columns: width, values: out)
    }

    /// Rotary position embedding in place, Hugging Face's `rotate_half` layout (Su et al. 2021): in each head,
    /// dimension `i < dh/2` pairs with `i + dh/2` and both turn by `pos · θ^(−2i/dh)`.
    ///
    /// - Parameter x: `[B·T, heads·dh]`; row `b·T + pos`.
    static func rotate(_ x: inout FloatMatrix, length: Int, heads: Int, headDim: Int, theta: Double) {
        let half = headDim / 2
        let frequencies = (0..<half).map { Float(1 / pow(theta, Double(2 * $0) / Double(headDim))) }
        let width = x.columns
        var cosines = [Float](repeating: 0, count: length * half)
        var sines = cosines
        for p in 0..<length {
            for i in 0..<half {
                let angle = Float(p) * frequencies[i]
                cosines[p * half + i] = cosf(angle)
                sines[p * half + i] = sinf(angle)
            }
        }
        let rows = x.rows
        x.values.withUnsafeMutableBufferPointer { v in
            for r in 0..<rows {
                let p = r % length
                for h in 0..<heads {
                    let base = v.baseAddress! + r * width + h * headDim
                    for i in 0..<half {
                        let (a, b) = (base[i], base[i + half])
                        let (c, s) = (cosines[p * half + i], sines[p * half + i])
                        base[i] = a * c - b * s
                        base[i + half] = b * c + a * s
                    }
                }
            }
        }
    }
}

extension FloatMatrix {
    /// Adds `other` element by element (a residual connection).
    mutating func add(_ other: FloatMatrix) {
        precondition(rows == other.rows && columns == other.columns)
        values.withUnsafeMutableBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in for i in a.indices { a[i] += b[i] } }
        }
    }

    /// Multiplies by `other` element by element (SwiGLU's gate).
    mutating func multiply(by other: FloatMatrix) {
        precondition(rows == other.rows && columns == other.columns)
        values.withUnsafeMutableBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in for i in a.indices { a[i] *= b[i] } }
        }
    }
}
