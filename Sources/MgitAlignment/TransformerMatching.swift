import Foundation
import MgitInterop
import MgitNetworks
import MgitTensor

/// Weight matching for specs with attention heads (Ainsworth et al. 2023 §3.2, extended to transformers as in
/// Verma & Elbayad 2024): coordinate descent over the residual, MLP, head and within-head permutations.
///
/// Each step fixes every permutation but one unit and raises `Σ ⟨θ_A, π(θ_B)⟩` over it:
/// - a permutation without heads: one linear assignment on `S_P = Σ W_A · W̃_Bᵀ` (`[n, n]`, each tensor
///   reshaped to `[n, rest]` along the axis `P` acts on, `W̃_B` with its other axes permuted);
/// - a permutation with `H` head blocks of `b`, together with those sharing its heads (Q/K with V/O): a head-pair
///   similarity for every `(g, h)` from the `[b, b]` block of each member's `S` (`Σ_i max_j`, the value of the
///   best within-head matching if rows did not compete; the block's trace where RoPE pins the order inside
///   heads), one `[H, H]` linear assignment over the summed similarities, then each member's `[b, b]`
///   within-head assignment for the chosen pairs. The step is kept only if it raises the objective.
/// A sweep visits every unit once in a seeded random order; matching stops after a sweep that changes nothing.
/// Tensors must have rank 1 or 2 (every transformer tensor has).
public enum TransformerMatching {
    /// Matches `b` to `a`: the permutations to apply to `b` (``PermutationSpec/apply(_:to:)``).
    ///
    /// - Throws: `MgitError(.mismatch)` when the spec does not fit or shapes differ; `MgitError(.invalidInput)`
    ///   for non-float, non-finite or rank > 2 tensors.
    public static func match(
        a: Checkpoint, b: Checkpoint, spec: PermutationSpec, seed: UInt64 = 0, maxSweeps: Int = 50,
        progress: ((WeightMatching.Progress) -> Void)? = nil
    ) throws -> WeightMatching.Result {
        let start = DispatchTime.now().uptimeNanoseconds
        let sizes = try spec.sizes(for: a)
        guard try spec.sizes(for: b) == sizes else {
            throw MgitError(.mismatch, "the two checkpoints give the spec's permutations different sizes")
        }
        var problem = try HeadMatchingProblem(a: a, b: b, spec: spec, sizes: sizes)
        var permutations = PermutationSet(sizes.mapValues { Permutation.identity($0) })
        let units = spec.permutationNames.filter { spec.headStructures[$0]?.sameHeadsAs == nil }
        var generator = SeededGenerator(seed: seed)
        let before = problem.objective(permutations)
        var perSweep: [Double] = []
        var solved = 0
        var sweep = 0
        var converged = false
        while sweep < max(0, maxSweeps) {
            sweep += 1
            var changed = 0
            for index in generator.permutation(units.count) {
                let (updated, count) = try problem.step(units[index], permutations: permutations)
                solved += count
                for (name, p) in updated {
                    permutations[name] = p
                    problem.versions[name, default: 0] += 1
                    changed += 1
                }
            }
            let objective = problem.objective(permutations)
            perSweep.append(objective)
            progress?(WeightMatching.Progress(sweep: sweep, objective: objective, changed: changed))
            if changed == 0 {
                converged = true
                break
            }
        }
        let report = WeightMatching.Report(
            objectiveBefore: before, objectiveAfter: perSweep.last ?? before, objectivePerSweep: perSweep,
            sweeps: sweep, converged: converged, assignmentsSolved: solved,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return WeightMatching.Result(permutations: permutations, report: report)
    }
}

/// Both models' covered tensors as `Float` and the cached products of each (tensor, axis) term.
struct HeadMatchingProblem {
    /// One (tensor, axis, part) a permutation acts on.
    struct Term {
        let tensor: String
        let axis: Int
        /// `positions[e]`: the positions along `axis` that element `e` of the permutation owns.
        let positions: [[Int]]
        /// `W_A` reshaped to `[n, rest]`.
        let a: [Float]
        let rest: Int
        var versions: [Int]? = nil
        var product: [Float] = []
    }

    let spec: PermutationSpec
    let sizes: [String: Int]
    let a: [String: [Float]]
    let b: [String: [Float]]
    let shapes: [String: [Int]]
    var terms: [String: [Term]] = [:]
    var versions: [String: Int] = [:]
    /// For each unit, the versions of everything its scores depend on when it was last solved: a unit whose
    /// inputs have not changed since would find the same permutations again, so it is skipped.
    var solvedAt: [String: [Int]] = [:]
    /// The last solution of each permutation without heads, to warm-start the next solve.
    var warmStarts: [String: LinearAssignment] = [:]

    init(a: Checkpoint, b: Checkpoint, spec: PermutationSpec, sizes: [String: Int]) throws {
        self.spec = spec
        self.sizes = sizes
        var fa: [String: [Float]] = [:], fb: [String: [Float]] = [:], shapes: [String: [Int]] = [:]
        for name in spec.tensorNames {
            let (ta, tb) = (a[name]!, b[name]!)
            guard ta.shape == tb.shape else {
                throw MgitError(.mismatch, "tensor '\(name)' has shape \(ta.shape) in model A but \(tb.shape) in model B")
            }
            guard ta.shape.count == 1 || ta.shape.count == 2 else {
                throw MgitError(.invalidInput, "tensor '\(name)' has shape \(ta.shape); transformer matching handles "
                                + "tensors of rank 1 and 2")
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
                let length = shape[axis.axis] / axis.parts
                let offset = axis.part * length
                let positions: [[Int]] = (0..<n).map { e in
                    if axis.expand > 1 {
                        let width = n / spec.headStructures[name]!.heads
                        let (h, i) = (e / width, e % width)
                        return (0..<axis.expand).map { j in offset + (h * axis.expand + j) * width + i }
                    }
                    return (0..<axis.group).map { offset + e * axis.group + $0 }
                }
                let (rows, rest) = Self.reshape(fa[axis.tensor]!, shape: shape, axis: axis.axis, positions: positions,
                                                otherAxis: nil)
                return Term(tensor: axis.tensor, axis: axis.axis, positions: positions, a: rows, rest: rest)
            }
        }
    }

    /// `values` (rank 1 or 2) reshaped to `[n, rest]`: row `e` holds the slices at `positions[e]` along
    /// `axis`, the other axis gathered by `otherAxis` (identity when nil).
    static func reshape(_ values: [Float], shape: [Int], axis: Int, positions: [[Int]],
                        otherAxis: [Int]?) -> (rows: [Float], rest: Int) {
        let n = positions.count
        let per = positions.first?.count ?? 0
        if shape.count == 1 {
            var out = [Float](repeating: 0, count: n * per)
            for e in 0..<n { for (k, p) in positions[e].enumerated() { out[e * per + k] = values[p] } }
            return (out, per)
        }
        let (rows, columns) = (shape[0], shape[1])
        let other = axis == 0 ? columns : rows
        let rest = per * other
        var out = [Float](repeating: 0, count: n * rest)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for e in 0..<n {
                    for (k, p) in positions[e].enumerated() {
                        let base = e * rest + k * other
                        if axis == 0 {
                            if let g = otherAxis {
                                for c in 0..<columns { o[base + c] = v[p * columns + g[c]] }
                            } else {
                                (o.baseAddress! + base).update(from: v.baseAddress! + p * columns, count: columns)
                            }
                        } else {
                            for r in 0..<rows { o[base + r] = v[(otherAxis?[r] ?? r) * columns + p] }
                        }
                    }
                }
            }
        }
        return (out, rest)
    }

    /// The gather indices of `tensor`'s `axis` under `permutations` (identity when unbound).
    func gather(_ tensor: String, axis: Int, _ permutations: PermutationSet) -> [Int]? {
        guard let binding = spec.axes[tensor]![axis] else { return nil }
        return binding.sourceIndices(length: shapes[tensor]![axis], permutations: permutations, heads: spec.headStructures)
    }

    /// The permutation names a tensor's axis depends on.
    func dependencies(_ tensor: String, axis: Int) -> [String] {
        guard let binding = spec.axes[tensor]![axis] else { return [] }
        return binding.parts.isEmpty ? [binding.permutation] : binding.parts.compactMap { $0?.permutation }
    }

    /// `S_P = Σ W_A · W̃_Bᵀ`, `[n, n]`, over the terms of `name`; cached per term while the permutations on
    /// its other axis are unchanged.
    mutating func score(_ name: String, permutations: PermutationSet) -> [Float] {
        let n = sizes[name]!
        var list = terms[name]!
        var total = [Float](repeating: 0, count: n * n)
        for index in list.indices {
            let term = list[index]
            let shape = shapes[term.tensor]!
            let otherAxis = shape.count == 2 ? 1 - term.axis : nil
            let deps = otherAxis.map { dependencies(term.tensor, axis: $0).map { versions[$0, default: 0] } } ?? []
            if term.versions != deps {
                let gathered = otherAxis.flatMap { gather(term.tensor, axis: $0, permutations) }
                let (rowsB, rest) = Self.reshape(b[term.tensor]!, shape: shape, axis: term.axis,
                                                 positions: term.positions, otherAxis: gathered)
                var product = [Float](repeating: 0, count: n * n)
                term.a.withUnsafeBufferPointer { pa in
                    rowsB.withUnsafeBufferPointer { pb in
                        product.withUnsafeMutableBufferPointer { pc in
                            BLAS.gemm(n, n, rest, pa.baseAddress!, lda: rest, pb.baseAddress!, ldb: rest,
                                      transposeB: true, pc.baseAddress!, ldc: n)
                        }
                    }
                }
                list[index].product = product
                list[index].versions = deps
            }
            list[index].product.withUnsafeBufferPointer { p in for k in 0..<(n * n) { total[k] += p[k] } }
        }
        terms[name] = list
        return total
    }

    /// Solves the step for `unit` (a permutation and those sharing its heads) and returns the permutations
    /// that improve the objective by more than rounding, and how many assignment problems were solved.
    mutating func step(_ unit: String, permutations: PermutationSet) throws -> (updated: [String: Permutation], solved: Int) {
        let members = [unit] + spec.permutationNames.filter { spec.headStructures[$0]?.sameHeadsAs == unit }
        let n = sizes[unit]!
        let inputs = members.flatMap { name in
            terms[name]!.flatMap { term -> [Int] in
                guard shapes[term.tensor]!.count == 2 else { return [] }
                return dependencies(term.tensor, axis: 1 - term.axis).map { versions[$0, default: 0] }
            }
        }
        if solvedAt[unit] == inputs { return ([:], 0) }
        solvedAt[unit] = inputs
        var scores: [[Float]] = []
        for name in members { scores.append(score(name, permutations: permutations)) }
        func value(_ s: [Float], _ p: [Int]) -> Double { (0..<n).reduce(0.0) { $0 + Double(s[$1 * n + p[$1]]) } }
        let old = zip(members, scores).reduce(0.0) { $0 + value($1.1, permutations[$1.0]!.indices) }
        var proposal: [[Int]]
        var solved = 0
        if let structure = spec.headStructures[unit] {
            let heads = structure.heads
            let width = n / heads
            // Head-pair similarity: for each A head g and B head h, Σ_i max_j S[(g, i), (h, j)] summed over the
            // members (the block's trace where the order inside heads is pinned). Then one [H, H] assignment
            // pairs the heads and a [b, b] assignment per chosen pair and member orders the inside.
            var headScore = [Double](repeating: 0, count: heads * heads)
            for (m, name) in members.enumerated() {
                let fixed = spec.headStructures[name]!.withinFixed
                scores[m].withUnsafeBufferPointer { s in
                    for g in 0..<heads {
                        for h in 0..<heads {
                            var total = 0.0
                            for i in 0..<width {
                                let row = s.baseAddress! + (g * width + i) * n + h * width
                                if fixed {
                                    total += Double(row[i])
                                } else {
                                    var best = -Float.infinity
                                    for j in 0..<width { best = max(best, row[j]) }
                                    total += Double(best)
                                }
                            }
                            headScore[g * heads + h] += total
                        }
                    }
                }
            }
            let headMap = try LinearAssignment.solve(maximizing: headScore, n: heads).assignment
            solved += 1
            proposal = []
            for (m, name) in members.enumerated() {
                var indices: [Int] = []
                for g in 0..<heads {
                    let h = headMap[g]
                    if spec.headStructures[name]!.withinFixed {
                        indices += (0..<width).map { h * width + $0 }
                        continue
                    }
                    var block = [Float](repeating: 0, count: width * width)
                    for i in 0..<width {
                        for j in 0..<width { block[i * width + j] = scores[m][(g * width + i) * n + h * width + j] }
                    }
                    indices += try LinearAssignment.solve(maximizing: block, n: width).assignment.map { h * width + $0 }
                    solved += 1
                }
                proposal.append(indices)
            }
        } else {
            let solution = try LinearAssignment.solve(maximizing: scores[0], n: n,
                                                      warmStart: warmStarts[unit].map { .init($0) })
            warmStarts[unit] = solution
            solved += 1
            proposal = [solution.assignment]
        }
        let new = zip(scores, proposal).reduce(0.0) { $0 + value($1.0, $1.1) }
        // Keep the old permutations unless the new ones are better by more than rounding: ties would
        // otherwise flip between equal assignments and never converge.
        guard new > old + 1e-9 * max(1, abs(old)) else { return ([:], solved) }
        var updated: [String: Permutation] = [:]
        for (name, indices) in zip(members, proposal) where indices != permutations[name]!.indices {
            updated[name] = try Permutation(indices)
        }
        return (updated, solved)
    }

    /// `Σ ⟨θ_A, π(θ_B)⟩` over the covered tensors, in `Double`.
    func objective(_ permutations: PermutationSet) -> Double {
        var total = 0.0
        for name in spec.tensorNames {
            let shape = shapes[name]!
            let (va, vb) = (a[name]!, b[name]!)
            let first = gather(name, axis: 0, permutations) ?? Array(0..<shape[0])
            if shape.count == 1 {
                for i in 0..<shape[0] { total += Double(va[i]) * Double(vb[first[i]]) }
                continue
            }
            let columns = shape[1]
            let second = gather(name, axis: 1, permutations) ?? Array(0..<columns)
            va.withUnsafeBufferPointer { pa in
                vb.withUnsafeBufferPointer { pb in
                    for r in 0..<shape[0] {
                        let source = first[r] * columns
                        var partial = 0.0
                        for c in 0..<columns { partial += Double(pa[r * columns + c]) * Double(pb[source + second[c]]) }
                        total += partial
                    }
                }
            }
        }
        return total
    }
}
