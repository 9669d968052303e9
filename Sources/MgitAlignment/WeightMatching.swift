import MgitInterop
import Foundation
import MgitTensor
import MgitNetworks

/// Weight matching (Ainsworth, Hayase & Srinivasa, "Git Re-Basin", ICLR 2023, §3.2, Algorithm 1): permutes
/// model B's hidden units so that its weights are as close as possible to model A's.
///
/// It maximises `Σ_tensors ⟨θ_A, π(θ_B)⟩` over the permutations of a ``PermutationSpec`` by coordinate
/// descent: each step fixes all permutations but one, `P`, and solves the linear assignment problem on
/// `S_P = Σ_{(W, axis) ∈ P} W_A · W̃_Bᵀ`, where each tensor is reshaped to `[n, rest]` along the axis `P`
/// acts on and `W̃_B` has all its other axes already permuted. Each step cannot lower the objective; a sweep
/// visits every permutation once in a seeded random order, and matching stops after a sweep that improves
/// nothing.
public enum WeightMatching {
    /// Where matching stands after a sweep.
    public struct Progress: Sendable, Equatable {
        /// Sweeps done, from 1.
        public var sweep: Int
        /// `Σ ⟨θ_A, π(θ_B)⟩` over the covered tensors after this sweep.
        public var objective: Double
        /// How many permutations changed in this sweep.
        public var changed: Int

        /// The memberwise initializer, for the modules above this one.
        package init(sweep: Int, objective: Double, changed: Int) {
            self.sweep = sweep
            self.objective = objective
            self.changed = changed
        }
    }

    /// What a matching run did.
    public struct Report: Sendable, Equatable {
        /// `Σ ⟨θ_A, θ_B⟩` over the spec's tensors, before any permutation (or at the initial permutations).
        public var objectiveBefore: Double
        /// `Σ ⟨θ_A, π(θ_B)⟩` over the spec's tensors at the result.
        public var objectiveAfter: Double
        /// The objective after each sweep.
        public var objectivePerSweep: [Double]
        /// Sweeps run, including the last one that found no improvement.
        public var sweeps: Int
        /// Whether the last sweep improved nothing (false: stopped at the sweep limit).
        public var converged: Bool
        /// Assignment problems solved.
        public var assignmentsSolved: Int
        /// Wall time of the whole matching.
        public var seconds: Double

        /// The memberwise initializer, for the modules above this one.
        package init(objectiveBefore: Double, objectiveAfter: Double, objectivePerSweep: [Double], sweeps: Int, converged: Bool, assignmentsSolved: Int, seconds: Double) {
            self.objectiveBefore = objectiveBefore
            self.objectiveAfter = objectiveAfter
            self.objectivePerSweep = objectivePerSweep
            self.sweeps = sweeps
            self.converged = converged
            self.assignmentsSolved = assignmentsSolved
            self.seconds = seconds
        }
    }

    /// The permutations found and the report.
    public struct Result: Sendable, Equatable {
        /// Permutations to apply to model B (``PermutationSpec/apply(_:to:)``) to bring it into A's basin.
        public var permutations: PermutationSet
        /// What the run did.
        public var report: Report

        /// The memberwise initializer, for the modules above this one.
        package init(permutations: PermutationSet, report: Report) {
            self.permutations = permutations
            self.report = report
        }
    }

    /// Matches `b` to `a` by weight matching.
    ///
    /// - Parameters:
    ///   - a: The reference model; its tensors are read, not changed.
    ///   - b: The model to permute; every tensor the spec covers must have the same shape as in `a` and a
    ///     floating-point dtype.
    ///   - spec: Which permutation acts on which axis; checked against both checkpoints.
    ///   - seed: Seeds the random order of permutations within each sweep; the same seed gives the same result.
    ///   - maxSweeps: Upper bound on sweeps (the paper's code uses 100).
    ///   - initial: Permutations to start from (identity by default).
    ///   - progress: Called after each sweep.
    /// - Throws: `MgitError(.mismatch)` when the spec does not fit or the checkpoints differ in a covered
    ///   tensor's shape; `MgitError(.invalidInput)` for a non-float tensor or NaN/infinite weights.
    public static func match(
        a: Checkpoint, b: Checkpoint, spec: PermutationSpec, seed: UInt64 = 0, maxSweeps: Int = 100,
        initial: PermutationSet? = nil, progress: ((Progress) -> Void)? = nil
    ) throws -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        guard !spec.hasHeadStructure else {
            throw MgitError(.invalidInput, "the spec has attention heads, grouped-query or fused axes; "
                            + "match it with TransformerMatching")
        }
        let (problem, sizes) = try prepare(a: a, b: b, spec: spec)
        return try run(problem, sizes: sizes, seed: seed, maxSweeps: maxSweeps, initial: initial, start: start,
                       progress: progress)
    }

    /// Both models' covered tensors as `Float`, checked against the spec, and each permutation's size.
    static func prepare(a: Checkpoint, b: Checkpoint, spec: PermutationSpec) throws -> (MatchingProblem, [String: Int]) {
        let sizes = try spec.sizes(for: a)
        let sizesB = try spec.sizes(for: b)
        precondition(sizes.keys.sorted() == sizesB.keys.sorted())
        return (try MatchingProblem(a: a, b: b, spec: spec, sizes: sizes), sizes)
    }

    /// Algorithm 1 on a prepared problem (a copy: its product cache is this run's own).
    static func run(
        _ problem: MatchingProblem, sizes: [String: Int], seed: UInt64, maxSweeps: Int, initial: PermutationSet?,
        start: UInt64, progress: ((Progress) -> Void)?
    ) throws -> Result {
        var problem = problem
        let spec = problem.spec
        var permutations = initial ?? PermutationSet(sizes.mapValues { Permutation.identity($0) })
        for name in spec.permutationNames {
            guard let p = permutations[name], p.count == sizes[name] else {
                throw MgitError(.mismatch, "the initial permutations need '\(name)' with \(sizes[name]!) elements")
            }
        }
        var generator = SeededGenerator(seed: seed)
        let names = spec.permutationNames
        var versions = [String: Int](uniqueKeysWithValues: names.map { ($0, 0) })
        var solutions: [String: LinearAssignment] = [:]
        let before = problem.objective(permutations)
        var perSweep: [Double] = []
        var solved = 0
        var converged = false
        var sweep = 0
        while sweep < max(0, maxSweeps) {
            sweep += 1
            var changed = 0
            for index in generator.permutation(names.count) {
                let name = names[index]
                let n = sizes[name]!
                let score = problem.score(for: name, permutations: permutations, versions: versions)
                let current = permutations[name]!.indices
                let solution = try score.withUnsafeBufferPointer { buffer in
                    try LinearAssignment.solve(maximizing: buffer, n: n, warmStart: solutions[name].map { .init($0) })
                }
                solved += 1
                solutions[name] = solution
                let old = score.withUnsafeBufferPointer { s in (0..<n).reduce(0.0) { $0 + Double(s[$1 * n + current[$1]]) } }
                // Keep the old permutation unless the new one is better by more than rounding: ties would
                // otherwise flip between equal assignments and never converge.
                if solution.objective > old + 1e-9 * max(1, abs(old)) {
                    permutations[name] = try Permutation(solution.assignment)
                    versions[name]! += 1
                    changed += 1
                }
            }
            let objective = problem.objective(permutations)
            perSweep.append(objective)
            progress?(Progress(sweep: sweep, objective: objective, changed: changed))
            if changed == 0 {
                converged = true
                break
            }
        }
        let report = Report(
            objectiveBefore: before, objectiveAfter: perSweep.last ?? before, objectivePerSweep: perSweep,
            sweeps: sweep, converged: converged, assignmentsSolved: solved,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return Result(permutations: permutations, report: report)
    }
}

/// The covered tensors of both models as `Float`, and the cached products `W_A · W̃_Bᵀ` of each
/// (tensor, axis) a permutation acts on.
package struct MatchingProblem {
    /// One (tensor, axis) a permutation acts on, with `A` reshaped to `[n, rest]` and the cached product.
    package struct Term {
        package let tensor: String
        package let axis: Int
        package let group: Int
        /// Rows of the reshaped tensor: the permutation's size.
        package let n: Int
        /// Elements per row.
        package let rest: Int
        /// Element stride of one row step in the original tensor (`group ·` stride of `axis`).
        package let rowStride: Int
        /// `W_A` reshaped to `[n, rest]`, row-major.
        package let a: [Float]
        /// Versions of the permutations on the tensor's other axes when `product` was computed.
        package var versions: [Int]? = nil
        /// `W_A · W̃_Bᵀ`, shape `[n, n]`.
        package var product: [Float] = []

        /// The memberwise initializer, for the modules above this one.
        package init(tensor: String, axis: Int, group: Int, n: Int, rest: Int, rowStride: Int, a: [Float], versions: [Int]? = nil, product: [Float] = []) {
            self.tensor = tensor
            self.axis = axis
            self.group = group
            self.n = n
            self.rest = rest
            self.rowStride = rowStride
            self.a = a
            self.versions = versions
            self.product = product
        }
    }

    package let spec: PermutationSpec
    package let a: [String: [Float]]
    package let b: [String: [Float]]
    package let shapes: [String: [Int]]
    package var terms: [String: [Term]] = [:]

    package init(a: Checkpoint, b: Checkpoint, spec: PermutationSpec, sizes: [String: Int]) throws {
        self.spec = spec
        var fa: [String: [Float]] = [:], fb: [String: [Float]] = [:], shapes: [String: [Int]] = [:]
        for name in spec.tensorNames {
            let (ta, tb) = (a[name]!, b[name]!)
            guard ta.shape == tb.shape else {
                throw MgitError(.mismatch, "tensor '\(name)' has shape \(ta.shape) in model A but \(tb.shape) in model B")
            }
            let (va, vb) = try WeightMatching.matchableWeights(name, ta, tb)
            fa[name] = va
            fb[name] = vb
            shapes[name] = ta.shape
        }
        self.a = fa
        self.b = fb
        self.shapes = shapes
        for name in spec.permutationNames {
            let n = sizes[name]!
            terms[name] = spec.permutationAxes[name]!.map { axis in
                let shape = shapes[axis.tensor]!
                let rest = shape.reduce(1, *) / n
                let (map, rowStride) = Self.restMap(shape: shape, axis: axis.axis, group: axis.group,
                                                    bindings: spec.axes[axis.tensor]!, permutations: nil)
                let values = fa[axis.tensor]!
                var moved = [Float](repeating: 0, count: n * rest)
                for j in 0..<n {
                    for r in 0..<rest { moved[j * rest + r] = values[j * rowStride + map[r]] }
                }
                return Term(tensor: axis.tensor, axis: axis.axis, group: axis.group, n: n, rest: rest,
                            rowStride: rowStride, a: moved)
            }
        }
    }

    /// For a tensor reshaped to `[n, rest]` along `axis`: the source offset of each `rest` position (with the
    /// other axes permuted by `permutations`, or not when nil) and the offset step between rows.
    package static func restMap(
        shape: [Int], axis: Int, group: Int, bindings: [PermutationSpec.AxisPermutation?], permutations: PermutationSet?
    ) -> (map: [Int], rowStride: Int) {
        var strides = [Int](repeating: 1, count: shape.count)
        for k in Swift.stride(from: shape.count - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * shape[k + 1] }
        var axisOffsets: [[Int]] = []
        for k in 0..<shape.count {
            if k == axis {
                // The axis keeps only its within-group position; the row index j supplies the rest.
                axisOffsets.append((0..<group).map { $0 * strides[k] })
            } else if let binding = bindings[k], let p = permutations?[binding.permutation] {
                let g = binding.group
                axisOffsets.append((0..<shape[k]).map { t in (p.indices[t / g] * g + t % g) * strides[k] })
            } else {
                axisOffsets.append((0..<shape[k]).map { $0 * strides[k] })
            }
        }
        // Outer sum of the offsets, row-major, expanded in place from the back.
        let total = axisOffsets.reduce(1) { $0 * $1.count }
        let map = [Int](unsafeUninitializedCapacity: total) { buffer, initialized in
            buffer[0] = 0
            var length = 1
            for offsets in axisOffsets {
                let d = offsets.count
                for index in Swift.stride(from: length - 1, through: 0, by: -1) {
                    let base = buffer[index]
                    for t in 0..<d { buffer[index * d + t] = base + offsets[t] }
                }
                length *= d
            }
            initialized = total
        }
        return (map, axis >= 0 ? group * strides[axis] : 0)
    }

    /// `S_P = Σ W_A · W̃_Bᵀ` over the axes `name` acts on, shape `[n, n]`; products whose other permutations
    /// have not changed since last time come from the cache.
    package mutating func score(for name: String, permutations: PermutationSet, versions: [String: Int]) -> [Float] {
        var list = terms[name]!
        let n = list[0].n
        var total = [Float](repeating: 0, count: n * n)
        for index in list.indices {
            let term = list[index]
            let bindings = spec.axes[term.tensor]!
            let dependencies = bindings.enumerated().map { k, binding in
                k == term.axis ? -1 : binding.map { versions[$0.permutation]! } ?? -1
            }
            if term.versions != dependencies {
                list[index].product = product(term, bindings: bindings, permutations: permutations)
                list[index].versions = dependencies
            }
            let product = list[index].product
            for k in 0..<(n * n) { total[k] += product[k] }
        }
        terms[name] = list
        return total
    }

    /// `W_A · W̃_Bᵀ` for one term (single-precision GEMM; products are summed in `Float`).
    private func product(_ term: Term, bindings: [PermutationSpec.AxisPermutation?], permutations: PermutationSet) -> [Float] {
        let (map, rowStride) = Self.restMap(shape: shapes[term.tensor]!, axis: term.axis, group: term.group,
                                            bindings: bindings, permutations: permutations)
        let values = b[term.tensor]!
        let (n, rest) = (term.n, term.rest)
        var moved = [Float](repeating: 0, count: n * rest)
        values.withUnsafeBufferPointer { src in
            moved.withUnsafeMutableBufferPointer { dst in
                for j in 0..<n {
                    let row = j * rowStride
                    for r in 0..<rest { dst[j * rest + r] = src[row + map[r]] }
                }
            }
        }
        var out = [Float](repeating: 0, count: n * n)
        term.a.withUnsafeBufferPointer { pa in
            moved.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(n, n, rest, pa.baseAddress!, lda: rest, pb.baseAddress!, ldb: rest, transposeB: true,
                              pc.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }

    /// `Σ ⟨θ_A, π(θ_B)⟩` over every tensor the spec covers, accumulated in `Double`.
    package func objective(_ permutations: PermutationSet) -> Double {
        var total = 0.0
        for name in spec.tensorNames {
            let shape = shapes[name]!
            let bindings = spec.axes[name]!
            let (va, vb) = (a[name]!, b[name]!)
            if shape.isEmpty {
                total += Double(va[0]) * Double(vb[0])
                continue
            }
            // Rows along axis 0 (permuted by their own permutation), the rest through the map of the others.
            let (map, rowStride) = Self.restMap(shape: shape, axis: 0, group: 1, bindings: bindings,
                                                permutations: permutations)
            let rows = shape[0]
            let rest = map.count
            let rowPermutation = bindings[0].flatMap { binding in
                permutations[binding.permutation].map { (binding.group, $0.indices) }
            }
            var sum = 0.0
            va.withUnsafeBufferPointer { pa in
                vb.withUnsafeBufferPointer { pb in
                    for t in 0..<rows {
                        let source: Int
                        if let (g, indices) = rowPermutation {
                            source = (indices[t / g] * g + t % g) * rowStride
                        } else {
                            source = t * rowStride
                        }
                        var partial = 0.0
                        for r in 0..<rest { partial += Double(pa[t * rest + r]) * Double(pb[source + map[r]]) }
                        sum += partial
                    }
                }
            }
            total += sum
        }
        return total
    }
}

extension WeightMatching {
    /// Tensor `name` of models A and B as the matchers read it: floating-point weights widened to Float, every one
    /// finite. Shared by weight matching (§3.2) and its transformer variant.
    ///
    /// - Throws: `.invalidInput` naming the model and the element for an integer or 8-bit tensor or a non-finite weight.
    package static func matchableWeights(_ name: String, _ ta: Tensor, _ tb: Tensor) throws -> (a: [Float], b: [Float]) {
        for (model, tensor) in [("A", ta), ("B", tb)] where !tensor.dtype.isFloatingPoint || tensor.dtype.size == 1 {
            throw MgitError(.invalidInput, "tensor '\(name)' of model \(model) is \(tensor.dtype.rawValue); weight "
                        + "matching needs F64, F32, F16 or BF16 weights")
        }
        let (va, vb) = (ta.floats(), tb.floats())
        for (model, values) in [("A", va), ("B", vb)] {
            if let k = values.firstIndex(where: { !$0.isFinite }) {
                throw MgitError(.invalidInput, "tensor '\(name)' of model \(model) holds \(values[k]) at element \(k); "
                        + "weight matching needs finite weights")
            }
        }
        return (va, vb)
    }
}
