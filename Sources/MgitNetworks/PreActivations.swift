import MgitInterop
import MgitTensor
/// One hidden layer's pre-activations (its outputs before the ReLU) for a batch, for REPAIR (Jordan et al.
/// 2022), which rescales each hidden unit's pre-activation.
///
/// A dense layer stores `[positions, units]` (positions are samples); a convolution stores `[units, positions]`
/// (channel-major, positions are `(sample, y, x)`), as its forward pass computes them.
public struct PreActivations: Sendable {
    /// The layer's name prefix: `fc1`, `features.0` (its tensors are `<layer>.weight` and `<layer>.bias`).
    public let layer: String
    /// Units (output features or channels).
    public let units: Int
    /// Values per unit: samples for a dense layer, `samples · h · w` for a convolution.
    public let positions: Int
    /// Whether element `(unit u, position p)` is `values[u · positions + p]` (else `values[p · units + u]`).
    public let unitMajor: Bool
    /// Whether the layer has a bias tensor to fold a shift into.
    public let hasBias: Bool
    /// `units · positions` values in the layout `unitMajor` names.
    public var values: [Float]

    /// Wraps one layer's pre-activations.
    public init(layer: String, units: Int, positions: Int, unitMajor: Bool, hasBias: Bool, values: [Float]) {
        precondition(values.count == units * positions, "\(values.count) values for \(units) units × \(positions) positions")
        (self.layer, self.units, self.positions, self.unitMajor, self.hasBias, self.values)
            = (layer, units, positions, unitMajor, hasBias, values)
    }

    /// Per unit, `Σ_p z` and `Σ_p z²` in `Double`, shape `[units]` each.
    public func sums() -> (sum: [Double], squares: [Double]) {
        var sum = [Double](repeating: 0, count: units), squares = sum
        values.withUnsafeBufferPointer { v in
            if unitMajor {
                for u in 0..<units {
                    var s = 0.0, q = 0.0
                    for p in 0..<positions {
                        let z = Double(v[u * positions + p])
                        s += z
                        q += z * z
                    }
                    (sum[u], squares[u]) = (s, q)
                }
            } else {
                for p in 0..<positions {
                    for u in 0..<units {
                        let z = Double(v[p * units + u])
                        sum[u] += z
                        squares[u] += z * z
                    }
                }
            }
        }
        return (sum, squares)
    }

    /// `z ← scale[u] · z + shift[u]` for every unit `u`.
    public mutating func apply(scale: [Float], shift: [Float]) {
        precondition(scale.count == units && shift.count == units)
        let (units, positions, unitMajor) = (self.units, self.positions, self.unitMajor)
        values.withUnsafeMutableBufferPointer { v in
            if unitMajor {
                for u in 0..<units {
                    for p in 0..<positions { v[u * positions + p] = scale[u] * v[u * positions + p] + shift[u] }
                }
            } else {
                for p in 0..<positions {
                    for u in 0..<units { v[p * units + u] = scale[u] * v[p * units + u] + shift[u] }
                }
            }
        }
    }
}

/// A network whose hidden layers are each an affine map followed by a ReLU, so that a per-unit affine
/// correction of a pre-activation folds exactly into the layer's weight rows and bias (MLP, VGG).
public protocol PreActivationVisiting: Network {
    /// The forward pass of `x` that hands each hidden layer's pre-activations to `visit`, in order, before its
    /// ReLU. `visit` may change them (the pass continues with the changed values) and returns false to stop
    /// the pass after that layer.
    ///
    /// - Parameter x: Shape `[n, inputSize]`.
    func forward(_ x: FloatMatrix, visitingPreActivations visit: (inout PreActivations) throws -> Bool) rethrows
}

extension MLPNetwork: PreActivationVisiting {
    public func forward(_ x: FloatMatrix, visitingPreActivations visit: (inout PreActivations) throws -> Bool) rethrows {
        var h = x
        for layer in layers.dropLast() {
            let z = layer.apply(h, relu: false)
            var pre = PreActivations(layer: layer.name, units: layer.outputs, positions: z.rows, unitMajor: false,
                                     hasBias: layer.hasBiasTensor, values: z.values)
            let more = try visit(&pre)
            guard more else { return }
            h = FloatMatrix(rows: z.rows, columns: z.columns, values: pre.values.map { max($0, 0) })
        }
    }
}

extension VGGNetwork: PreActivationVisiting {
    public func forward(_ x: FloatMatrix, visitingPreActivations visit: (inout PreActivations) throws -> Bool) rethrows {
        var h = FeatureMap(nchw: x, channels: inputShape[0], height: inputShape[1], width: inputShape[2])
        for stage in stages {
            switch stage {
            case let .conv(conv):
                let z = conv.apply(h)
                var pre = PreActivations(layer: conv.name, units: z.channels, positions: z.plane, unitMajor: true,
                                         hasBias: conv.bias != nil, values: z.values)
                guard try visit(&pre) else { return }
                h = FeatureMap(channels: z.channels, count: z.count, height: z.height, width: z.width, values: pre.values)
                h.applyReLU()
            case let .pool(size):
                h = h.maxPooled(size)
            }
        }
        var y = h.flattenedNCHW()
        for layer in classifier.dropLast() {
            let z = layer.apply(y, relu: false)
            var pre = PreActivations(layer: layer.name, units: layer.outputs, positions: z.rows, unitMajor: false,
                                     hasBias: layer.hasBiasTensor, values: z.values)
            guard try visit(&pre) else { return }
            y = FloatMatrix(rows: z.rows, columns: z.columns, values: pre.values.map { max($0, 0) })
        }
    }
}
