import MgitInterop
import MgitTensor

/// What a method merge did to each tensor: left unchanged, taken from one side, or merged (with how the changes
/// related), and the parameters each merged tensor used.
public struct MethodMergeReport: Sendable, Equatable, Codable {
    /// A tensor changed on one side only (or identically on several), taken byte for byte.
    public struct Taken: Sendable, Equatable, Codable {
        public var tensor: String
        /// The input it was taken from.
        public var from: String
        /// How many inputs changed it (more than one when they changed it identically).
        public var sides: Int
    }

    /// A tensor that went through the method.
    public struct Merged: Sendable, Equatable, Codable {
        public var tensor: String
        /// How many inputs changed it from the base (all inputs without a base).
        public var sides: Int
        /// The mean pairwise cosine between the inputs' changes from the base; nil without a base.
        public var changeCosine: Double?
        /// TIES, DARE-TIES: the fraction of elements whose kept changes had opposite signs.
        public var signConflicts: Double?
        /// The parameters this tensor was merged with.
        public var parameters: TensorMergeParameters
    }

    public var method: MergeMethod
    public var seed: UInt64
    /// Whether git's three-way rule applied (a base was given and not switched off).
    public var threeWay: Bool
    /// Tensors no input changed.
    public var unchanged = 0
    public var takenFromOneSide: [Taken] = []
    public var merged: [Merged] = []

    public init(method: MergeMethod, seed: UInt64, threeWay: Bool) {
        self.method = method
        self.seed = seed
        self.threeWay = threeWay
    }
}
