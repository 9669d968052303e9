import MgitInterop
/// An optimal solution of a dense square linear assignment problem, with its optimality certificate.
///
/// For a score matrix `S` of shape `[n, n]`, ``assignment`` is the permutation `p` maximising `Σ_i S[i, p[i]]`.
/// The duals certify it (LP duality): `rowDuals[i] + columnDuals[j] ≥ S[i, j]` for every `i, j`, with equality
/// on the assigned pairs, so ``objective`` `= Σ rowDuals + Σ columnDuals` and no permutation scores more.
///
/// The solver follows Jonker & Volgenant (Computing 38, 1987): column reduction, reduction transfer and two
/// passes of augmenting row reduction, then one Dijkstra shortest augmenting path per remaining free row over
/// reduced costs with dual potentials. Weight matching (Ainsworth et al. 2023, §3.2, Algorithm 1) solves almost
/// the same problem again and again, so ``solve(maximizing:n:warmStart:)-(_,_,_)`` can restart from a previous
/// solution's assignment and column duals and re-augment only the rows whose pair is no longer tight.
public struct LinearAssignment: Sendable, Equatable {
    /// `assignment[i]` is the column matched to row `i`; a permutation of `0..<n`.
    public var assignment: [Int]
    /// `Σ_i score[i, assignment[i]]`, summed in `Double`.
    public var objective: Double
    /// Row duals `u`, length `n`: `u[i] + v[j] ≥ score[i, j]`, equal on the assignment.
    public var rowDuals: [Double]
    /// Column duals `v`, length `n`; pass them back in ``WarmStart`` for the next, similar problem.
    public var columnDuals: [Double]
    /// How many rows needed a shortest augmenting path (after initialisation or warm start).
    public var augmentedRows: Int

    /// A previous solution to start from.
    public struct WarmStart: Sendable, Equatable {
        /// A permutation of `0..<n`: row `i` to column `assignment[i]`.
        public var assignment: [Int]
        /// Column duals `v` of a previous ``LinearAssignment`` (maximisation convention), or nil to derive
        /// them from the assignment alone (which keeps fewer pairs).
        public var columnDuals: [Double]?

        /// Starts from `assignment`, with `columnDuals` when known.
        public init(assignment: [Int], columnDuals: [Double]? = nil) {
            self.assignment = assignment
            self.columnDuals = columnDuals
        }

        /// Starts from `solution`'s assignment and column duals.
        public init(_ solution: LinearAssignment) {
            self.init(assignment: solution.assignment, columnDuals: solution.columnDuals)
        }
    }

    /// Wraps a solution; ``solve(maximizing:n:warmStart:)-(_,_,_)`` makes them.
    public init(assignment: [Int], objective: Double, rowDuals: [Double], columnDuals: [Double], augmentedRows: Int) {
        self.assignment = assignment
        self.objective = objective
        self.rowDuals = rowDuals
        self.columnDuals = columnDuals
        self.augmentedRows = augmentedRows
    }

    /// Solves the assignment problem: the permutation `p` maximising `Σ_i score[i, p[i]]`.
    ///
    /// - Parameters:
    ///   - score: Row-major, shape `[n, n]`, finite values.
    ///   - n: The number of rows and columns.
    ///   - warmStart: A previous solution of a similar problem, or nil for a cold start.
    /// - Throws: `MgitError(.invalidInput)` for a NaN or infinite score or one beyond ±1e30 (naming its row and
    ///   column), a wrong element count, or a warm start that is not a permutation of `0..<n`.
    /// - Complexity: O(n³) worst case; O(n²) when a warm start's pairs are all still optimal.
    public static func solve(maximizing score: [Double], n: Int, warmStart: WarmStart? = nil) throws -> LinearAssignment {
        try score.withUnsafeBufferPointer { try solve(maximizing: $0, n: n, warmStart: warmStart) }
    }

    /// Solves the assignment problem for `Float` scores (computed in `Double` internally).
    ///
    /// - Parameters:
    ///   - score: Row-major, shape `[n, n]`, finite values.
    ///   - n: The number of rows and columns.
    ///   - warmStart: A previous solution of a similar problem, or nil for a cold start.
    public static func solve(maximizing score: [Float], n: Int, warmStart: WarmStart? = nil) throws -> LinearAssignment {
        try score.withUnsafeBufferPointer { try solve(maximizing: $0, n: n, warmStart: warmStart) }
    }

    /// Solves the assignment problem on borrowed `Double` scores, row-major `[n, n]`.
    public static func solve(maximizing score: UnsafeBufferPointer<Double>, n: Int, warmStart: WarmStart? = nil) throws -> LinearAssignment {
        try solveGeneric(score, n: n, warmStart: warmStart)
    }

    /// Solves the assignment problem on borrowed `Float` scores, row-major `[n, n]`.
    public static func solve(maximizing score: UnsafeBufferPointer<Float>, n: Int, warmStart: WarmStart? = nil) throws -> LinearAssignment {
        try solveGeneric(score, n: n, warmStart: warmStart)
    }

    private static func solveGeneric<S: AssignmentCost>(
        _ score: UnsafeBufferPointer<S>, n: Int, warmStart: WarmStart?
    ) throws -> LinearAssignment {
        guard n >= 0, score.count == n * n else {
            throw MgitError(.invalidInput, "an assignment problem of size \(n) needs \(n * n) scores, got \(score.count)")
        }
        if n == 0 { return LinearAssignment(assignment: [], objective: 0, rowDuals: [], columnDuals: [], augmentedRows: 0) }
        var solver = DenseAssignmentSolver<S>(n: n)
        try solver.load(negating: score)
        if let warmStart {
            try solver.warmStart(warmStart)
        } else {
            solver.coldStart()
        }
        solver.augmentFreeRows()
        return solver.result(score: score)
    }
}

/// The working state of one Jonker–Volgenant solve, minimising the cost `c = -score`.
///
/// Costs live in one row-major buffer whose row stride is padded to a multiple of the vector width; padding
/// columns carry `v = -∞` in the scan copy of the duals, so they are never improved nor chosen and the inner
/// loops need no remainder code.
package struct DenseAssignmentSolver<Element: AssignmentCost>: ~Copyable {
    package typealias Lane = SIMD8<Double>
    package typealias IndexLane = SIMD8<Int64>
    package static var width: Int { 8 }
    /// Largest accepted score magnitude: far beyond any similarity of weights, and far enough below
    /// `Float.greatestFiniteMagnitude` that sums of costs and duals cannot overflow.
    package static var magnitudeLimit: Double { 1e30 }

    package let n: Int
    /// Row stride of `cost`: `n` rounded up to a multiple of `width`.
    package let stride: Int
    /// Costs `-score`, shape `[n, stride]`, in the scores' own type: exact, and Float halves the memory
    /// traffic of the row scans that dominate the solve.
    package let cost: UnsafeMutablePointer<Element>
    /// Column duals (minimisation convention), length `stride`.
    package let v: UnsafeMutablePointer<Double>
    /// Row → column, -1 when free.
    package let x: UnsafeMutablePointer<Int>
    /// Column → row, -1 when free.
    package let y: UnsafeMutablePointer<Int>
    /// Rows still to augment.
    package var free: [Int] = []
    package var augmented = 0

    package init(n: Int) {
        self.n = n
        self.stride = (n + Self.width - 1) / Self.width * Self.width
        cost = .allocate(capacity: n * stride)
        v = .allocate(capacity: stride)
        x = .allocate(capacity: n)
        y = .allocate(capacity: stride)
        v.initialize(repeating: 0, count: stride)
        x.initialize(repeating: -1, count: n)
        y.initialize(repeating: -1, count: stride)
    }

    deinit {
        cost.deallocate()
        v.deallocate()
        x.deallocate()
        y.deallocate()
    }

    /// Copies `-score` into the padded cost buffer, rejecting NaN and infinities.
    package mutating func load(negating score: UnsafeBufferPointer<Element>) throws {
        for i in 0..<n {
            let row = cost + i * stride
            let src = score.baseAddress! + i * n
            // Reduced costs are differences of costs and duals; bounding the magnitude keeps them finite.
            let limit = Element(Self.magnitudeLimit)
            var usable = true
            for j in 0..<n {
                let s = src[j]
                usable = usable && Swift.abs(s) <= limit
                row[j] = -s
            }
            for j in n..<stride { row[j] = 0 }
            if !usable {
                let j = (0..<n).first { !(Swift.abs(src[$0]) <= limit) }!
                let value = Double(src[j])
                throw MgitError(.invalidInput, value.isFinite
                    ? "score[\(i), \(j)] is \(value); assignment scores must lie within ±1e30, so scale the matrix"
                    : "score[\(i), \(j)] is \(value); an assignment problem needs finite scores")
            }
        }
    }

    // MARK: Cold start: column reduction, reduction transfer, augmenting row reduction (JV §4)

    package mutating func coldStart() {
        let colMin = UnsafeMutablePointer<Double>.allocate(capacity: stride)
        let colArg = UnsafeMutablePointer<Int64>.allocate(capacity: stride)
        defer { colMin.deallocate(); colArg.deallocate() }
        // Rows outer so the matrix streams in memory order; ties keep the lowest row.
        for j in 0..<stride { colMin[j] = .infinity; colArg[j] = 0 }
        for i in 0..<n {
            let row = cost + i * stride
            let iv = IndexLane(repeating: Int64(i))
            var j = 0
            while j < stride {
                let c = Element.lane(row + j)
                var m = load(colMin + j)
                let better = c .< m
                // After the first rows a new column minimum is rare; skip the blends when there is none.
                if any(better) {
                    var a = UnsafeRawPointer(colArg + j).loadUnaligned(as: IndexLane.self)
                    m.replace(with: c, where: better)
                    a.replace(with: iv, where: better)
                    store(m, colMin + j)
                    UnsafeMutableRawPointer(colArg + j).storeBytes(of: a, as: IndexLane.self)
                }
                j += Self.width
            }
        }
        var unique = [Bool](repeating: true, count: n)
        for j in Swift.stride(from: n - 1, through: 0, by: -1) {
            v[j] = colMin[j]
            let i = Int(colArg[j])
            if x[i] < 0 {
                x[i] = j
                y[j] = i
            } else {
                unique[i] = false
            }
        }
        free.removeAll(keepingCapacity: true)
        for i in 0..<n {
            if x[i] < 0 {
                free.append(i)
            } else if unique[i] {
                // Reduction transfer: lower v[j] until another column ties with j in row i.
                let j = x[i]
                let row = cost + i * stride
                var best = Double.infinity
                for k in 0..<n where k != j { best = min(best, Double(row[k]) - v[k]) }
                if best.isFinite { v[j] -= best }
            }
        }
        for _ in 0..<2 where !free.isEmpty { augmentingRowReduction() }
    }

    /// One pass of augmenting row reduction: each free row takes its cheapest column, lowering that column's
    /// dual by the gap to its second cheapest, and evicts the column's previous row.
    ///
    /// Keeps the invariant that every assigned row's column minimises `c[i, j] - v[j]` over `j`.
    package mutating func augmentingRowReduction() {
        var rows = free
        var current = 0
        var stillFree: [Int] = []
        var count = 0
        // Late in a pass each row scan moves little and shortest paths finish those rows faster. Measured on
        // uniform and similarity matrices, n = 1024 and 4096: 16n iterations a pass is fastest (2n: 1.3×
        // slower on similarity; unbounded: several times slower).
        let cap = 16 * n
        while current < rows.count {
            count += 1
            let i = rows[current]
            current += 1
            let (v1, first, v2, j2, freeAtMinimum) = twoSmallest(row: i)
            var j1 = first
            var i0 = y[j1]
            let lowered = v[j1] - (v2 - v1)
            let lowers = lowered < v[j1]
            if count < current * n && count < cap {
                if lowers {
                    v[j1] = lowered
                } else if i0 >= 0 && freeAtMinimum >= 0 {
                    // A tie: a free column at the minimum takes the row without evicting anyone.
                    j1 = freeAtMinimum
                    i0 = -1
                } else if i0 >= 0 && j2 >= 0 {
                    j1 = j2
                    i0 = y[j2]
                }
                if i0 >= 0 {
                    if lowers {
                        current -= 1
                        rows[current] = i0
                    } else {
                        stillFree.append(i0)
                    }
                }
            } else if i0 >= 0 {
                stillFree.append(i0)
            }
            if i0 >= 0 { x[i0] = -1 }
            x[i] = j1
            y[j1] = i
        }
        free = stillFree
    }

    /// The smallest and second smallest reduced cost `c[i, j] - v[j]` of row `i` and their columns (`j2` is
    /// -1 when `n == 1`; ties keep the lower column first), and a free column attaining the smallest, or -1.
    package func twoSmallest(row i: Int) -> (Double, Int, Double, Int, Int) {
        let row = cost + i * stride
        var state = TwoSmallest()
        var j = 0
        // Vector blocks only filter: a block is walked element by element only when it beats the second
        // smallest (or ties it while it equals the smallest and no free column is known there), which after
        // the first few blocks is rare.
        while j + Self.width <= n {
            let h = Element.lane(row + j) - load(v + j)
            let bound = Lane(repeating: state.v2)
            if state.free1 < 0 && state.v1 == state.v2 && state.v2 < .infinity ? any(h .<= bound) : any(h .< bound) {
                for k in 0..<Self.width { state.take(h[k], j + k, free: y[j + k] < 0) }
            }
            j += Self.width
        }
        while j < n {
            state.take(Double(row[j]) - v[j], j, free: y[j] < 0)
            j += 1
        }
        return (state.v1, state.j1, state.v2, state.j2, state.free1)
    }

    /// The running two smallest values of a row scan and a free column tied with the smallest.
    package struct TwoSmallest {
        package var v1 = Double.infinity, v2 = Double.infinity
        package var j1 = -1, j2 = -1, free1 = -1

        @inline(__always) package mutating func take(_ value: Double, _ j: Int, free: Bool) {
            if value < v2 {
                if value >= v1 {
                    v2 = value; j2 = j
                    if value == v1 && free1 < 0 && free { free1 = j }
                } else {
                    v2 = v1; j2 = j1; v1 = value; j1 = j
                    free1 = free ? j : -1
                }
            } else if value == v1 && free1 < 0 && free {
                free1 = j
            }
        }
    }

    // MARK: Warm start

    /// Keeps the pairs of `start` that are tight under its duals; their rows need no augmentation.
    package mutating func warmStart(_ start: LinearAssignment.WarmStart) throws {
        let p = start.assignment
        guard p.count == n else {
            throw MgitError(.invalidInput, "a warm start for an assignment problem of size \(n) has \(p.count) entries")
        }
        var seen = [Bool](repeating: false, count: n)
        for (i, j) in p.enumerated() {
            guard j >= 0, j < n, !seen[j] else {
                throw MgitError(.invalidInput, "the warm start is not a permutation of 0..<\(n): row \(i) maps to \(j)")
            }
            seen[j] = true
        }
        if let duals = start.columnDuals {
            guard duals.count == n, duals.allSatisfy(\.isFinite) else {
                throw MgitError(.invalidInput, "a warm start's column duals must be \(n) finite numbers")
            }
            for j in 0..<n { v[j] = -duals[j] }
        } else {
            // Without duals, make every given pair tight at row dual zero.
            for i in 0..<n { v[p[i]] = Double(cost[i * stride + p[i]]) }
        }
        for j in n..<stride { v[j] = 0 }
        // Any v is feasible with u[i] = min_j c[i, j] - v[j]; a pair stays when it attains that minimum.
        free.removeAll(keepingCapacity: true)
        for i in 0..<n {
            let row = cost + i * stride
            var m = Lane(repeating: .infinity)
            var j = 0
            while j + Self.width <= n {
                let h = Element.lane(row + j) - load(v + j)
                m.replace(with: h, where: h .< m)
                j += Self.width
            }
            var best = m.min()
            while j < n { best = Swift.min(best, Double(row[j]) - v[j]); j += 1 }
            let k = p[i]
            // Dual updates round, so a pair that was tight may miss the row minimum by a few ulps; keeping it
            // costs at most that much in the objective, which is far below the scores' own precision.
            let reduced = Double(row[k]) - v[k]
            if reduced <= best + 1e-12 * (Swift.abs(Double(row[k])) + Swift.abs(v[k])) {
                x[i] = k
                y[k] = i
            } else {
                free.append(i)
            }
        }
    }

    // MARK: Shortest augmenting paths (JV §3, Dijkstra over reduced costs)

    package mutating func augmentFreeRows() {
        guard !free.isEmpty else { return }
        let d = UnsafeMutablePointer<Double>.allocate(capacity: stride)
        let vScan = UnsafeMutablePointer<Double>.allocate(capacity: stride)
        let pred = UnsafeMutablePointer<Int64>.allocate(capacity: stride)
        var scanned = [Int]()
        scanned.reserveCapacity(n)
        defer { d.deallocate(); vScan.deallocate(); pred.deallocate() }
        augmented += free.count
        for start in free {
            let sink = shortestPath(from: start, d: d, vScan: vScan, pred: pred, scanned: &scanned)
            var j = sink
            while true {
                let i = Int(pred[j])
                y[j] = i
                let previous = x[i]
                x[i] = j
                if i == start { break }
                j = previous
            }
        }
        free.removeAll()
    }

    /// Grows a shortest-path tree from free row `start` until it reaches a free column; updates the duals of
    /// the columns it settled and returns that free column. `pred[j]` is the row the path reaches `j` from.
    package func shortestPath(
        from start: Int, d: UnsafeMutablePointer<Double>, vScan: UnsafeMutablePointer<Double>,
        pred: UnsafeMutablePointer<Int64>, scanned: inout [Int]
    ) -> Int {
        scanned.removeAll(keepingCapacity: true)
        // Settled columns get vScan = -∞ and d = +∞ so the fused scan neither improves nor picks them.
        for j in 0..<n { vScan[j] = v[j] }
        for j in n..<stride { vScan[j] = -.infinity }
        var (minValue, minColumn) = relax(row: start, base: 0, d: d, vScan: vScan, pred: pred, first: true)
        var settled = [Double]()
        settled.reserveCapacity(16)
        while y[minColumn] >= 0 {
            let j = minColumn
            scanned.append(j)
            settled.append(minValue)
            d[j] = .infinity
            vScan[j] = -.infinity
            let i = y[j]
            // Row i's dual is implicit: u[i] = c[i, x[i]] - v[x[i]].
            let base = minValue - (Double(cost[i * stride + j]) - v[j])
            (minValue, minColumn) = relax(row: i, base: base, d: d, vScan: vScan, pred: pred, first: false)
        }
        for (k, j) in scanned.enumerated() { v[j] += settled[k] - minValue }
        return minColumn
    }

    /// Relaxes every unsettled column through row `i` at path length `base - u[i]` and returns the new
    /// minimum distance and its column (the lowest index among ties).
    @inline(__always)
    package func relax(
        row i: Int, base: Double, d: UnsafeMutablePointer<Double>, vScan: UnsafeMutablePointer<Double>,
        pred: UnsafeMutablePointer<Int64>, first: Bool
    ) -> (Double, Int) {
        let row = cost + i * stride
        let baseLane = Lane(repeating: base)
        let rowLane = IndexLane(repeating: Int64(i))
        var best = Double.infinity
        var column = -1
        // Among columns tied at the minimum a free one ends the search at once (as in JV's batch of minimum
        // columns); without this, matrices full of ties take a step per tied column. Settled columns sit at
        // +∞, so ties only count once the minimum is finite.
        var tiesCount = false
        var j = 0
        if first {
            while j < stride {
                let dist = Element.lane(row + j) - load(vScan + j)
                store(dist, d + j)
                UnsafeMutableRawPointer(pred + j).storeBytes(of: rowLane, as: IndexLane.self)
                let bestLane = Lane(repeating: best)
                if tiesCount ? any(dist .<= bestLane) : any(dist .< bestLane) {
                    pickMinimum(dist, at: j, best: &best, column: &column, tiesCount: &tiesCount)
                }
                j += Self.width
            }
        } else {
            while j < stride {
                let candidate = Element.lane(row + j) - load(vScan + j) + baseLane
                var dist = load(d + j)
                let improves = candidate .< dist
                if any(improves) {
                    dist.replace(with: candidate, where: improves)
                    store(dist, d + j)
                    var p = UnsafeRawPointer(pred + j).loadUnaligned(as: IndexLane.self)
                    p.replace(with: rowLane, where: improves)
                    UnsafeMutableRawPointer(pred + j).storeBytes(of: p, as: IndexLane.self)
                }
                // The running minimum is tracked as a scalar: a block rarely holds a new minimum.
                let bestLane = Lane(repeating: best)
                if tiesCount ? any(dist .<= bestLane) : any(dist .< bestLane) {
                    pickMinimum(dist, at: j, best: &best, column: &column, tiesCount: &tiesCount)
                }
                j += Self.width
            }
        }
        return (best, column)
    }

    /// Walks one block for a new minimum; a tie replaces an assigned minimum column by a free one.
    @inline(never)
    package func pickMinimum(_ dist: Lane, at j: Int, best: inout Double, column: inout Int, tiesCount: inout Bool) {
        for k in 0..<Self.width {
            let value = dist[k]
            if value < best || (tiesCount && value == best && y[j + k] < 0 && j + k < n) {
                best = value
                column = j + k
                tiesCount = y[column] >= 0
            }
        }
    }

    // MARK: Result

    package func result(score: UnsafeBufferPointer<Element>) -> LinearAssignment {
        var assignment = [Int](repeating: 0, count: n)
        var rowDuals = [Double](repeating: 0, count: n)
        var columnDuals = [Double](repeating: 0, count: n)
        var objective = 0.0
        for j in 0..<n { columnDuals[j] = -v[j] }
        for i in 0..<n {
            let j = x[i]
            precondition(j >= 0 && y[j] == i, "assignment solver left row \(i) unmatched")
            assignment[i] = j
            // u = c - v in minimisation terms; negated for the maximisation convention.
            rowDuals[i] = -(Double(cost[i * stride + j]) - v[j])
            objective += Double(score[i * n + j])
        }
        return LinearAssignment(assignment: assignment, objective: objective, rowDuals: rowDuals,
                                columnDuals: columnDuals, augmentedRows: augmented)
    }

    @inline(__always) private func load(_ p: UnsafeMutablePointer<Double>) -> Lane {
        UnsafeRawPointer(p).loadUnaligned(as: Lane.self)
    }

    @inline(__always) private func store(_ value: Lane, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: Lane.self)
    }
}

/// A score type the assignment solver stores as is and widens to `Double` eight lanes at a time.
package protocol AssignmentCost: BinaryFloatingPoint, SIMDScalar, Codable {
    /// Eight consecutive values from `p`, as `Double`.
    static func lane(_ p: UnsafeMutablePointer<Self>) -> SIMD8<Double>
}

extension Float: AssignmentCost {
    @inline(__always) package static func lane(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Double> {
        SIMD8<Double>(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self))
    }
}

extension Double: AssignmentCost {
    @inline(__always) package static func lane(_ p: UnsafeMutablePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
    }
}
