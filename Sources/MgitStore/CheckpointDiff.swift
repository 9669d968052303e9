/// How two checkpoints differ, tensor by tensor (`mgit diff`).
public struct CheckpointDiff: Codable, Sendable, Equatable {
    /// One tensor's change.
    public struct Change: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case added, removed, unchanged, changed }
        public var name: String
        public var kind: Kind
        public var dtype: String
        /// Shape in the first checkpoint (nil when added).
        public var shapeA: [Int]?
        /// Shape in the second checkpoint (nil when removed).
        public var shapeB: [Int]?
        /// ‖b − a‖ / ‖a‖, for changed floating tensors of equal shape and dtype.
        public var relativeL2: Double?
        /// ⟨a, b⟩ / (‖a‖ ‖b‖).
        public var cosine: Double?
        /// max |b − a|.
        public var maxAbsDiff: Double?

        /// The memberwise initializer, for the modules above this one.
        package init(name: String, kind: Kind, dtype: String, shapeA: [Int]? = nil, shapeB: [Int]? = nil, relativeL2: Double? = nil, cosine: Double? = nil, maxAbsDiff: Double? = nil) {
            self.name = name
            self.kind = kind
            self.dtype = dtype
            self.shapeA = shapeA
            self.shapeB = shapeB
            self.relativeL2 = relativeL2
            self.cosine = cosine
            self.maxAbsDiff = maxAbsDiff
        }
    }

    public var a: String
    public var b: String
    public var changes: [Change]
    public var added: Int
    public var removed: Int
    public var changed: Int
    public var unchanged: Int
    /// Bytes of tensors that are added or changed (what the second checkpoint stores anew).
    public var bytesChanged: Int
    public var bytesTotal: Int

    /// The memberwise initializer, for the modules above this one.
    package init(a: String, b: String, changes: [Change], added: Int, removed: Int, changed: Int, unchanged: Int, bytesChanged: Int, bytesTotal: Int) {
        self.a = a
        self.b = b
        self.changes = changes
        self.added = added
        self.removed = removed
        self.changed = changed
        self.unchanged = unchanged
        self.bytesChanged = bytesChanged
        self.bytesTotal = bytesTotal
    }
}

/// Streaming statistics of `b − a` in Float64.
package struct DifferenceStatistics {
    private(set) var sumSquaresA = 0.0
    private(set) var sumSquaresB = 0.0
    private(set) var dot = 0.0
    private(set) var sumSquaresDiff = 0.0
    private(set) var maxAbs = 0.0

    package mutating func add(_ a: [Double], _ b: [Double]) {
        precondition(a.count == b.count)
        for i in 0..<a.count {
            let x = a[i], y = b[i], d = y - x
            sumSquaresA += x * x
            sumSquaresB += y * y
            dot += x * y
            sumSquaresDiff += d * d
            if abs(d) > maxAbs || d.isNaN { maxAbs = abs(d) }
        }
    }

    package var relativeL2: Double { sumSquaresDiff.squareRoot() / sumSquaresA.squareRoot() }
    package var cosine: Double { dot / (sumSquaresA.squareRoot() * sumSquaresB.squareRoot()) }
}
