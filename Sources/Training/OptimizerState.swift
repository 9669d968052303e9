import Foundation

/// An optimiser's per-parameter state (momentum or Adam moments) and its update, PyTorch's rules in `Float`.
package struct OptimizerState {
    package let optimizer: Optimizer
    package var learningRate: Double
    private var first: [Float]
    private var second: [Float]
    private var steps = 0

    package init(_ optimizer: Optimizer, learningRate: Double, parameterCount: Int) {
        self.optimizer = optimizer
        self.learningRate = learningRate
        first = [Float](repeating: 0, count: parameterCount)
        if case .adam = optimizer { second = first } else { second = [] }
    }

    /// Applies one step to `parameters` with `gradient` (same layout).
    package mutating func step(_ parameters: inout [Float], gradient: [Float]) {
        precondition(parameters.count == gradient.count && gradient.count == first.count)
        steps += 1
        switch optimizer {
        case let .sgd(momentum):
            // torch.optim.SGD: v ← μ·v + g (v₁ = g), θ ← θ − lr·v.
            let (mu, lr) = (Float(momentum), Float(learningRate))
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    first.withUnsafeMutableBufferPointer { v in
                        for i in p.indices {
                            v[i] = steps == 1 ? g[i] : mu * v[i] + g[i]
                            p[i] -= lr * v[i]
                        }
                    }
                }
            }
        case let .adam(beta1, beta2, epsilon):
            // torch.optim.Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr/c₁)·m / (√v/√c₂ + ε).
            let c1 = 1 - pow(beta1, Double(steps)), c2 = 1 - pow(beta2, Double(steps))
            let stepSize = Float(learningRate / c1), rootC2 = Float(c2.squareRoot())
            let (b1, b2, eps) = (Float(beta1), Float(beta2), Float(epsilon))
            parameters.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    first.withUnsafeMutableBufferPointer { m in
                        second.withUnsafeMutableBufferPointer { v in
                            for i in p.indices {
                                m[i] = b1 * m[i] + (1 - b1) * g[i]
                                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                                p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootC2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
