import MgitInterop
import MgitTensor
/// Chooses the mixing weight α of a merge on validation data (`--alpha auto`, Git Re-Basin §5.4): the α whose
/// merged model θ(α) = (1−α)·θ_A + α·π(θ_B) (repaired, when REPAIR is on) has the lowest validation loss.
///
/// The validation data must be carved from the training data: choosing α on the test set would make the test
/// figures of the merge meaningless.
public enum AlphaSearch {
    /// One candidate's validation figures.
    public struct Candidate: Sendable, Equatable, Codable {
        public var alpha: Double
        public var loss: Double
        public var accuracy: Double?
    }

    /// What the search measured and chose.
    public struct Outcome: Sendable, Equatable, Codable {
        /// The α with the lowest validation loss (the one nearest 0.5 on a tie).
        public var alpha: Double
        /// Every candidate, in increasing α.
        public var candidates: [Candidate]
        /// The validation data, e.g. `fashion-mnist:train (random 5000, seed 1)`.
        public var data: String
    }

    /// The candidates 0, 1/(n−1), …, 1.
    public static func grid(_ n: Int) -> [Double] {
        precondition(n >= 2)
        return (0..<n).map { Double($0) / Double(n - 1) }
    }

    /// Measures θ(α) for every α in `alphas` with `validation` and keeps the lowest loss.
    ///
    /// - Parameters:
    ///   - a: Model A.
    ///   - b: Model B, aligned into A's basin.
    ///   - repair: Repairs each interior θ(α) before it is measured, when given.
    ///   - validation: Measures on validation data (never the test set).
    public static func choose(_ a: Checkpoint, _ b: Checkpoint, alphas: [Double], repair: Repair?,
                              validation: any CheckpointEvaluator, data: String) throws -> Outcome {
        guard !alphas.isEmpty, alphas.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw MgitError(.invalidInput, "the α candidates must lie in [0, 1], got \(alphas)")
        }
        var candidates: [Candidate] = []
        for alpha in alphas.sorted() {
            var model = try Interpolation.interpolate(a, b, lambda: alpha)
            if let repair { model = try repair.repair(model, lambda: alpha) }
            let e = try validation.evaluate(model)
            guard e.loss.isFinite else {
                throw MgitError(.external, "the validation loss at α = \(alpha) is not finite (\(validation.description))")
            }
            candidates.append(Candidate(alpha: alpha, loss: e.loss, accuracy: e.accuracy))
        }
        var best = candidates[0]
        for c in candidates.dropFirst() where c.loss < best.loss || (c.loss == best.loss && abs(c.alpha - 0.5) < abs(best.alpha - 0.5)) {
            best = c
        }
        return Outcome(alpha: best.alpha, candidates: candidates, data: data)
    }
}
