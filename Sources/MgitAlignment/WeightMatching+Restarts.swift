import Dispatch
import Foundation
import MgitInterop
import MgitTensor
import MgitNetworks

extension WeightMatching {
    /// The restarts `mgit rebase`, `merge` and `barrier` run by default: the identity start and one random start,
    /// side by side on two cores, so a 784-512³-10 rebase stays near one run's wall time.
    public static let defaultRestarts = 2

    /// One run of weight matching among several restarts.
    public struct Run: Sendable, Equatable, Codable {
        /// The seed of this run's permutation order (and, after the first run, of its random start).
        public var seed: UInt64
        /// `identity` (the first run: exactly a single run with `seed`) or `random` (a random start).
        public var start: String
        /// `Σ ⟨θ_A, π(θ_B)⟩` this run reached.
        public var objective: Double
        /// Sweeps this run took.
        public var sweeps: Int
        /// Whether it stopped after a sweep that improved nothing.
        public var converged: Bool
        /// Wall time of this run alone.
        public var seconds: Double
    }

    /// The best of several runs, and every run's outcome.
    public struct RestartsResult: Sendable, Equatable {
        /// The run with the highest objective (the first such run on a tie): its permutations and report, whose
        /// `objectiveBefore` is the identity's `Σ ⟨θ_A, θ_B⟩`.
        public var best: Result
        /// Index of `best` in `runs`.
        public var bestRun: Int
        /// Every run, in order: run 0 starts at the identity with `seed`, run k at a random start with `seed + k`.
        public var runs: [Run]
        /// Wall time of all runs, side by side, including preparing the problem once.
        public var seconds: Double

        /// The lowest objective any run reached (the spread is `best` objective − this).
        public var worstObjective: Double { runs.map(\.objective).min() ?? best.report.objectiveAfter }
    }

    /// Weight matching from `restarts` starts, keeping the permutations with the highest objective.
    ///
    /// Algorithm 1 is coordinate descent and lands in different local optima from different starts and orders
    /// (for a 784-32³-10 pair, aligned barriers of 0.48–0.81 across seeds). Run 0 is exactly
    /// ``match(a:b:spec:seed:maxSweeps:initial:progress:)`` with `seed` from the identity, so the result is never
    /// worse than that single run; run k ≥ 1 starts every permutation at a random one drawn from seed `seed + k`
    /// and visits permutations in the order of seed `seed + k`. Runs go side by side on up to `lanes` cores (one
    /// BLAS thread each); the results do not depend on the number of lanes.
    ///
    /// - Parameters:
    ///   - restarts: Runs in all, at least 1.
    ///   - lanes: Runs at once (nil: the machine's cores).
    /// - Throws: As ``match(a:b:spec:seed:maxSweeps:initial:progress:)``; `.invalidInput` when `restarts < 1`.
    public static func match(
        a: Checkpoint, b: Checkpoint, spec: PermutationSpec, seed: UInt64 = 0, restarts: Int, maxSweeps: Int = 100,
        lanes: Int? = nil
    ) throws -> RestartsResult {
        guard restarts >= 1 else {
            throw MgitError(.invalidInput, "--restarts must be at least 1 (one run from the identity), got \(restarts)")
        }
        guard !spec.hasHeadStructure else {
            throw MgitError(.invalidInput, "the spec has attention heads, grouped-query or fused axes; "
                            + "match it with TransformerMatching")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let (problem, sizes) = try prepare(a: a, b: b, spec: spec)
        let starts: [PermutationSet?] = (0..<restarts).map { k in
            guard k > 0 else { return nil }
            var generator = SeededGenerator(seed: ~(seed &+ UInt64(k)))
            var set = PermutationSet()
            for name in spec.permutationNames {
                set.permutations[name] = try? Permutation(generator.permutation(sizes[name]!))
            }
            return set
        }
        let work = RestartLanes(problem: problem, sizes: sizes, seed: seed, maxSweeps: maxSweeps, starts: starts)
        let laneCount = max(1, min(restarts, lanes ?? ProcessInfo.processInfo.activeProcessorCount))
        if laneCount == 1 {
            work.runLane(0, of: 1)
        } else {
            BLAS.withThreads(1) {
                DispatchQueue.concurrentPerform(iterations: laneCount) { lane in work.runLane(lane, of: laneCount) }
            }
        }
        var results: [Result] = []
        for outcome in work.outcomes { results.append(try outcome!.get()) }
        var bestRun = 0
        for (k, r) in results.enumerated() where r.report.objectiveAfter > results[bestRun].report.objectiveAfter { bestRun = k }
        let runs = results.enumerated().map { k, r in
            Run(seed: seed &+ UInt64(k), start: k == 0 ? "identity" : "random", objective: r.report.objectiveAfter,
                sweeps: r.report.sweeps, converged: r.report.converged, seconds: r.report.seconds)
        }
        // The objective before matching is the identity's (run 0's start), whichever run is kept.
        var best = results[bestRun]
        best.report.objectiveBefore = results[0].report.objectiveBefore
        return RestartsResult(best: best, bestRun: bestRun, runs: runs,
                              seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

/// The runs of ``WeightMatching/match(a:b:spec:seed:restarts:maxSweeps:lanes:)`` and their outcomes.
///
/// `@unchecked Sendable` is safe because lane `l` of `concurrentPerform` writes only `outcomes[k]` for
/// `k ≡ l (mod lanes)`, into storage allocated before the lanes start, and everything else is only read; the
/// outcomes are read after `concurrentPerform` returns, which orders the writes before the reads.
private final class RestartLanes: @unchecked Sendable {
    let problem: MatchingProblem
    let sizes: [String: Int]
    let seed: UInt64
    let maxSweeps: Int
    let starts: [PermutationSet?]
    /// One slot per run, written by its lane only.
    private let slots: UnsafeMutablePointer<Result<WeightMatching.Result, any Error>?>

    init(problem: MatchingProblem, sizes: [String: Int], seed: UInt64, maxSweeps: Int, starts: [PermutationSet?]) {
        (self.problem, self.sizes, self.seed, self.maxSweeps, self.starts) = (problem, sizes, seed, maxSweeps, starts)
        slots = .allocate(capacity: starts.count)
        slots.initialize(repeating: nil, count: starts.count)
    }

    deinit {
        slots.deinitialize(count: starts.count)
        slots.deallocate()
    }

    /// Every run's outcome, in order; read after the lanes have finished.
    var outcomes: [Result<WeightMatching.Result, any Error>?] { Array(UnsafeBufferPointer(start: slots, count: starts.count)) }

    func runLane(_ lane: Int, of lanes: Int) {
        for k in stride(from: lane, to: starts.count, by: lanes) {
            let begin = DispatchTime.now().uptimeNanoseconds
            let outcome = Result {
                try WeightMatching.run(problem, sizes: sizes, seed: seed &+ UInt64(k), maxSweeps: maxSweeps,
                                       initial: starts[k], start: begin, progress: nil)
            }
            slots[k] = outcome
        }
    }
}
