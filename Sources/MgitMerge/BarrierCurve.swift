/// One point on the path between two models: θ(λ) = (1−λ)·θ_A + λ·θ_B and what it scores.
public struct BarrierPoint: Codable, Sendable, Equatable {
    /// The interpolation weight, 0 at model A and 1 at model B.
    public var lambda: Double
    /// The loss of θ(λ).
    public var loss: Double
    /// The accuracy of θ(λ) when measured (a fraction in [0, 1] by convention).
    public var accuracy: Double?

    public init(lambda: Double, loss: Double, accuracy: Double? = nil) {
        self.lambda = lambda
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// The losses (and accuracies) along one interpolation path, e.g. "naive" (B as trained) or "aligned"
/// (B permuted into A's basin), for plotting and for the merge record.
public struct BarrierCurve: Codable, Sendable, Equatable {
    /// The name shown in legends (`naive`, `aligned`).
    public var label: String
    /// The points in increasing λ.
    public var points: [BarrierPoint]

    public init(label: String, points: [BarrierPoint]) {
        self.label = label
        self.points = points
    }

    /// The loss barrier: the largest rise of the loss above the straight line between the end points,
    /// max over λ of L(θ(λ)) − ((1−λ)·L(θ_A) + λ·L(θ_B)) (Ainsworth et al. 2023, §2; Frankle et al. 2020).
    /// Nil with fewer than two points.
    public var lossBarrier: Double? {
        guard let first = points.first, let last = points.last, points.count >= 2 else { return nil }
        return points.map { p in p.loss - ((1 - p.lambda) * first.loss + p.lambda * last.loss) }.max()
    }

    /// The accuracy barrier: the largest fall of the accuracy below the straight line between the end points.
    /// Nil unless the end points and at least one point have accuracies.
    public var accuracyBarrier: Double? {
        guard points.count >= 2, let a = points.first?.accuracy, let b = points.last?.accuracy else { return nil }
        return points.compactMap { p in p.accuracy.map { ((1 - p.lambda) * a + p.lambda * b) - $0 } }.max()
    }
}
