import MgitInterop
import MgitTensor
/// Measures the loss and accuracy barrier along the straight line between two checkpoints (Git Re-Basin §2,
/// following Frankle et al. 2020): evaluate θ(λ) at evenly spaced λ in [0, 1] and compare with the line
/// between the endpoints' values.
public enum LossBarrier {
    /// The curve and its barriers.
    public struct Measurement: Codable, Sendable, Equatable {
        public var curve: BarrierCurve
        /// max over λ of L(θ(λ)) − [(1−λ)·L(θ_A) + λ·L(θ_B)]; ≥ 0 since the endpoints contribute 0.
        public var lossBarrier: Double
        /// max over λ of [(1−λ)·Acc_A + λ·Acc_B] − Acc(θ(λ)), when accuracies are known.
        public var accuracyBarrier: Double?
        /// The λ where the loss barrier is reached.
        public var lossBarrierLambda: Double

        /// The memberwise initializer, for the modules above this one.
        package init(curve: BarrierCurve, lossBarrier: Double, accuracyBarrier: Double? = nil, lossBarrierLambda: Double) {
            self.curve = curve
            self.lossBarrier = lossBarrier
            self.accuracyBarrier = accuracyBarrier
            self.lossBarrierLambda = lossBarrierLambda
        }
    }

    /// The most points a curve may have: each is a full evaluation, and a finer curve than this shows nothing new.
    public static let maximumPoints = 1001

    /// Evaluates `points` evenly spaced models from `a` (λ = 0) to `b` (λ = 1).
    ///
    /// - Parameters:
    ///   - repair: When given, each interior model θ(λ) is repaired (``Repair``, Jordan et al. 2022) before it
    ///     is measured; the endpoints are measured as they are.
    ///   - progress: called after each point with (done, total).
    public static func measure(_ a: Checkpoint, _ b: Checkpoint, points: Int, label: String,
                               evaluator: any CheckpointEvaluator, repair: Repair? = nil,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> Measurement {
        guard points >= 2, points <= maximumPoints else {
            throw MgitError(.invalidInput, "the barrier needs 2 to \(maximumPoints) points, got \(points)")
        }
        try Interpolation.checkCompatible(a, b)
        var curvePoints: [BarrierPoint] = []
        for i in 0..<points {
            let lambda = Double(i) / Double(points - 1)
            var model = try Interpolation.interpolate(a, b, lambda: lambda)
            if let repair { model = try repair.repair(model, lambda: lambda) }
            let e = try evaluator.evaluate(model)
            guard e.loss.isFinite, e.loss >= 0 else {
                throw MgitError(.external, "the evaluator (\(evaluator.description)) reported the loss \(e.loss) at "
                                + "λ = \(lambda); a loss must be a finite number ≥ 0")
            }
            if let accuracy = e.accuracy, !(accuracy >= 0 && accuracy <= 1) {
                throw MgitError(.external, "the evaluator (\(evaluator.description)) reported the accuracy \(accuracy) "
                                + "at λ = \(lambda); an accuracy must be a fraction in [0, 1]")
            }
            curvePoints.append(BarrierPoint(lambda: lambda, loss: e.loss, accuracy: e.accuracy))
            progress(i + 1, points)
        }
        return summarize(BarrierCurve(label: label, points: curvePoints))
    }

    /// The barriers of a measured curve (first point λ = 0, last λ = 1).
    public static func summarize(_ curve: BarrierCurve) -> Measurement {
        guard let first = curve.points.first, let last = curve.points.last else {
            return Measurement(curve: curve, lossBarrier: 0, accuracyBarrier: nil, lossBarrierLambda: 0)
        }
        var lossBarrier = 0.0, lossLambda = 0.0
        var accuracyBarrier: Double? = (first.accuracy != nil && last.accuracy != nil) ? 0 : nil
        for p in curve.points {
            let line = (1 - p.lambda) * first.loss + p.lambda * last.loss
            if p.loss - line > lossBarrier { lossBarrier = p.loss - line; lossLambda = p.lambda }
            if let a0 = first.accuracy, let a1 = last.accuracy, let acc = p.accuracy {
                accuracyBarrier = max(accuracyBarrier ?? 0, (1 - p.lambda) * a0 + p.lambda * a1 - acc)
            }
        }
        return Measurement(curve: curve, lossBarrier: lossBarrier, accuracyBarrier: accuracyBarrier,
                           lossBarrierLambda: lossLambda)
    }
}
