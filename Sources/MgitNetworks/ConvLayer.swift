import MgitInterop
import MgitTensor
/// A PyTorch `nn.Conv2d` (no groups, no dilation) computed as one sgemm over an im2col matrix.
package struct ConvLayer: Sendable {
    /// The name prefix, `layer1.0.conv1` for `layer1.0.conv1.weight`.
    package let name: String
    package let inChannels: Int
    package let outChannels: Int
    package let kernelHeight: Int
    package let kernelWidth: Int
    package let stride: Int
    package let padding: Int
    /// Shape `[out, in, kh, kw]`, row-major, i.e. `[out, in·kh·kw]`.
    package let weight: [Float]
    /// Shape `[out]`, or nil for a convolution without bias.
    package let bias: [Float]?

    /// Reads `<name>.weight` (`[out, in, kh, kw]`) and, if present, `<name>.bias` (`[out]`).
    ///
    /// - Parameter shape: The exact weight shape the architecture needs, or nil to take the checkpoint's.
    package init(name: String, stride: Int, padding: Int, shape: [Int]? = nil, reader: inout ParameterReader) throws {
        let w = try reader.tensor("\(name).weight")
        if let shape, w.shape != shape {
            throw MgitError(.mismatch, "tensor '\(name).weight' has shape \(w.shape) but \(reader.architecture) "
                                + "needs \(shape)")
        }
        guard w.shape.count == 4 else {
            throw MgitError(.mismatch, "tensor '\(name).weight' has shape \(w.shape) but a Conv2d weight is 4-D "
                                + "[out, in, kh, kw]")
        }
        guard stride >= 1, padding >= 0 else {
            throw MgitError(.invalidInput, "convolution '\(name)' has stride \(stride) and padding \(padding); "
                                + "stride must be at least 1 and padding at least 0")
        }
        self.name = name
        (outChannels, inChannels, kernelHeight, kernelWidth) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        (self.stride, self.padding) = (stride, padding)
        weight = w.floats()
        bias = reader.contains("\(name).bias") ? try reader.floats("\(name).bias", shape: [outChannels]) : nil
    }

    /// The output height and width for an input of `height × width` (PyTorch's floor rule).
    package func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - kernelHeight) / stride + 1, (width + 2 * padding - kernelWidth) / stride + 1)
    }

    /// The convolution of a batch (cross-correlation, as PyTorch computes it).
    ///
    /// - Parameters:
    ///   - x: `[inChannels, n, h, w]`.
    ///   - blockElements: The size of the im2col block to aim for (at least one output line is taken).
    /// - Returns: `[outChannels, n, oh, ow]`.
    package func apply(_ x: FeatureMap, blockElements: Int = 1 << 17) -> FeatureMap {
        precondition(x.channels == inChannels, "convolution '\(name)' takes \(inChannels) channels, got \(x.channels)")
        let (oh, ow) = outputSize(height: x.height, width: x.width)
        let columns = x.count * oh * ow
        let k = inChannels * kernelHeight * kernelWidth
        var out = [Float](repeating: 0, count: outChannels * columns)
        guard columns > 0 else {
            return FeatureMap(channels: outChannels, count: x.count, height: oh, width: ow, values: out)
        }
        if let bias {
            out.withUnsafeMutableBufferPointer { y in
                for o in 0..<outChannels {
                    y.baseAddress!.advanced(by: o * columns).update(repeating: bias[o], count: columns)
                }
            }
        }
        let direct = kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0
        out.withUnsafeMutableBufferPointer { c in
            weight.withUnsafeBufferPointer { a in
                if direct {
                    x.values.withUnsafeBufferPointer { b in
                        BLAS.gemm(outChannels, columns, k, a.baseAddress!, lda: k, b.baseAddress!, ldb: columns,
                                  c.baseAddress!, ldc: columns, beta: bias == nil ? 0 : 1)
                    }
                    return
                }
                // im2col a few output lines at a time so the column block (about 512 KiB) stays in cache
                // while sgemm packs it; one im2col matrix for a whole batch would stream through memory twice.
                let lines = x.count * oh
                let linesPerBlock = max(1, min(lines, blockElements / max(1, k * ow)))
                var block = [Float](repeating: 0, count: k * linesPerBlock * ow)
                block.withUnsafeMutableBufferPointer { b in
                    for first in Swift.stride(from: 0, to: lines, by: linesPerBlock) {
                        let count = min(linesPerBlock, lines - first)
                        im2col(x, lines: first..<(first + count), oh: oh, ow: ow, into: b.baseAddress!)
                        BLAS.gemm(outChannels, count * ow, k, a.baseAddress!, lda: k, b.baseAddress!, ldb: count * ow,
                                  c.baseAddress! + first * ow, ldc: columns, beta: bias == nil ? 0 : 1)
                    }
                }
            }
        }
        return FeatureMap(channels: outChannels, count: x.count, height: oh, width: ow, values: out)
    }

    /// Columns `lines · ow` of the im2col matrix, where output line `l` is `(sample, oy) = (l / oh, l % oh)`:
    /// row `(c, ky, kx)`, column `(line, ox)` holds the input pixel that kernel tap meets at that output
    /// position, zero in the padding. Writes `[in·kh·kw, lines.count · ow]` to `dst`, every element.
    private func im2col(_ x: FeatureMap, lines: Range<Int>, oh: Int, ow: Int, into dst: UnsafeMutablePointer<Float>) {
        let (n, h, w) = (x.count, x.height, x.width)
        let width = lines.count * ow
        x.values.withUnsafeBufferPointer { src in
            var row = 0
            for c in 0..<inChannels {
                for ky in 0..<kernelHeight {
                    for kx in 0..<kernelWidth {
                        // Output columns whose tap lands inside the image: ox·s − p + kx ∈ [0, w).
                        let oxLow = min(ow, max(0, (padding - kx + stride - 1) / stride))
                        let last = w - 1 + padding - kx
                        let oxHigh = max(oxLow, last < 0 ? 0 : min(ow, last / stride + 1))
                        for (j, line) in lines.enumerated() {
                            let (s, oy) = (line / oh, line % oh)
                            let target = dst + row * width + j * ow
                            let iy = oy * stride - padding + ky
                            guard iy >= 0, iy < h, oxLow < oxHigh else {
                                for ox in 0..<ow { target[ox] = 0 }
                                continue
                            }
                            // Plain loops, not memcpy: rows are 8–32 floats, too short for a call to pay off.
                            let source = src.baseAddress! + ((c * n + s) * h + iy) * w + kx - padding
                            for ox in 0..<oxLow { target[ox] = 0 }
                            if stride == 1 {
                                for ox in oxLow..<oxHigh { target[ox] = source[ox] }
                            } else {
                                for ox in oxLow..<oxHigh { target[ox] = source[ox * stride] }
                            }
                            for ox in oxHigh..<ow { target[ox] = 0 }
                        }
                        row += 1
                    }
                }
            }
        }
    }
}
