import MgitInterop
import MgitTensor
/// Which permutation of hidden units acts on which axis of which tensor (Ainsworth et al. 2023, §2 and the
/// official code's `axes_to_perm` / `perm_to_axes`).
///
/// A permutation `P` of a layer's `n` units reorders axis 0 of that layer's weight, its bias and its
/// normalisation parameters, and axis 1 of every weight that reads those units; applied consistently the
/// network computes the same function. A residual stream shares one permutation across all blocks that add
/// into it. Tensors the spec does not name are left alone.
///
/// The spec also names the network's input-feature and output-class axes (``inputAxes``, ``outputAxes``),
/// which no permutation may touch; ``sizes(for:)`` checks this and every shape against a checkpoint.
/// The JSON form is documented in docs/PERMUTATION-SPECS.md.
public struct PermutationSpec: Sendable, Equatable {
    /// A permutation acting on one axis.
    ///
    /// With `group > 1` the axis holds `size · group` elements in `size` consecutive blocks of `group` (the
    /// flattened `[C, H, W]` input of a classifier after a convolution stack: `group = H·W`), and the
    /// permutation moves whole blocks.
    ///
    /// With `expand = r > 1` the permutation has head blocks (``HeadStructure``, `heads` blocks of `b`) and the
    /// axis holds `r · size` elements laid out `[heads, r, b]`: grouped-query attention, where `r` query heads
    /// share each key/value head. Position `(h, j, i)` takes `(h′, j, i′)` where the permutation maps
    /// `(h, i)` to `(h′, i′)`, so query heads move with their key/value head.
    ///
    /// With `parts` non-empty the axis is fused: it splits into `parts.count` equal consecutive parts, each
    /// bound on its own (nil: not permuted), like GPT-2's `c_attn` output `[q | k | v]`; `permutation` is
    /// then empty and unused.
    public struct AxisPermutation: Sendable, Hashable {
        /// The permutation's name.
        public var permutation: String
        /// Elements per permuted block, at least 1.
        public var group: Int
        /// Query heads per key/value head on this axis (1: none).
        public var expand: Int
        /// The bindings of a fused axis's equal parts; empty for an ordinary binding.
        public var parts: [AxisPermutation?]

        /// Permutation `permutation` on an axis of `size · group` elements.
        public init(_ permutation: String, group: Int = 1) {
            self.permutation = permutation
            self.group = group
            self.expand = 1
            self.parts = []
        }

        /// Permutation `permutation` (with head blocks) on a grouped-query axis of `expand · size` elements.
        public init(_ permutation: String, expand: Int) {
            self.init(permutation)
            self.expand = expand
        }

        /// A fused axis of equal parts, each bound by its entry.
        public init(fused parts: [AxisPermutation?]) {
            self.init("")
            self.parts = parts
        }

        /// Whether this binding uses fused parts or grouped-query expansion.
        public var isStructured: Bool { !parts.isEmpty || expand != 1 }

        /// The (permutation, size) pairs this binding fixes on an axis of `length` elements, or a message
        /// saying why the length does not fit.
        func sizes(length: Int) -> Result<[(String, Int)], MgitError> {
            if !parts.isEmpty {
                guard length % parts.count == 0 else {
                    return .failure(MgitError(.mismatch, "\(length) elements do not split into \(parts.count) equal parts"))
                }
                var out: [(String, Int)] = []
                for part in parts {
                    guard let part else { continue }
                    switch part.sizes(length: length / parts.count) {
                    case let .success(list): out += list
                    case let .failure(error): return .failure(error)
                    }
                }
                return .success(out)
            }
            let block = group * expand
            guard length % block == 0 else {
                let what = expand > 1 ? "\(expand) query heads per key/value head" : "the group \(group)"
                return .failure(MgitError(.mismatch, "\(length) elements are not a multiple of \(what) given for "
                                          + "permutation '\(permutation)'"))
            }
            return .success([(permutation, length / block)])
        }

        /// Element `i` of the permuted axis takes element `result[i]` of the original, for an axis of
        /// `length` elements; `heads` gives the head count of permutations with head blocks.
        func sourceIndices(length: Int, permutations: PermutationSet, heads: [String: HeadStructure]) -> [Int] {
            if !parts.isEmpty {
                let part = length / parts.count
                return parts.enumerated().flatMap { k, binding in
                    let inner = binding?.sourceIndices(length: part, permutations: permutations, heads: heads)
                        ?? Array(0..<part)
                    return inner.map { k * part + $0 }
                }
            }
            let p = permutations[permutation]!.indices
            if expand > 1 {
                let blocks = heads[permutation]!.heads
                let b = p.count / blocks
                return (0..<length).map { t in
                    let (i, j, h) = (t % b, (t / b) % expand, t / (b * expand))
                    let source = p[h * b + i]
                    return ((source / b) * expand + j) * b + source % b
                }
            }
            return (0..<length).map { t in p[t / group] * group + t % group }
        }
    }

    /// The head blocks of a permutation acting on attention heads (docs/PERMUTATION-SPECS.md, "Heads").
    ///
    /// The permutation's `n` elements are `heads` consecutive blocks of `n / heads` (one block per head); it
    /// must map every block onto one block. `withinFixed` pins the order inside each head (RoPE pairs the
    /// dimensions of Q and K by frequency); `sameHeadsAs` names a permutation whose head map this one shares
    /// (V/O heads move with the Q/K heads of the same layer).
    public struct HeadStructure: Sendable, Hashable {
        /// Number of heads (blocks).
        public var heads: Int
        /// Whether positions inside a head keep their order.
        public var withinFixed: Bool
        /// The permutation whose head map this one must equal, or nil.
        public var sameHeadsAs: String?

        /// `heads` head blocks; `withinFixed` pins the order inside each; `sameHeadsAs` shares a head map.
        public init(heads: Int, withinFixed: Bool = false, sameHeadsAs: String? = nil) {
            self.heads = heads
            self.withinFixed = withinFixed
            self.sameHeadsAs = sameHeadsAs
        }
    }

    /// One axis of one tensor.
    public struct TensorAxis: Sendable, Hashable, CustomStringConvertible {
        /// The tensor's name in the checkpoint.
        public var tensor: String
        /// The axis, 0-based.
        public var axis: Int

        /// Axis `axis` of tensor `tensor`.
        public init(_ tensor: String, _ axis: Int) {
            self.tensor = tensor
            self.axis = axis
        }

        /// `tensor 'fc1.weight' axis 1`, as error messages say it.
        public var description: String { "tensor '\(tensor)' axis \(axis)" }
    }

    /// One axis a permutation acts on (an entry of `perm_to_axes`).
    public struct PermutedAxis: Sendable, Hashable {
        /// The tensor's name in the checkpoint.
        public var tensor: String
        /// The axis, 0-based.
        public var axis: Int
        /// Elements per permuted block (see ``AxisPermutation/group``).
        public var group: Int
        /// Query heads per key/value head (see ``AxisPermutation/expand``).
        public var expand: Int = 1
        /// For a fused axis: which of `parts` equal parts this permutation acts on.
        public var part: Int = 0
        /// For a fused axis: how many equal parts it has (1: not fused).
        public var parts: Int = 1

        /// The memberwise initializer, for the modules above this one.
        package init(tensor: String, axis: Int, group: Int, expand: Int = 1, part: Int = 0, parts: Int = 1) {
            self.tensor = tensor
            self.axis = axis
            self.group = group
            self.expand = expand
            self.part = part
            self.parts = parts
        }
    }

    /// For each tensor the spec covers, one entry per axis: the permutation acting on it, or nil.
    public let axes: [String: [AxisPermutation?]]
    /// The covered tensors in natural order (`fc2` before `fc10`).
    public let tensorNames: [String]
    /// Every permutation's name in natural order.
    public let permutationNames: [String]
    /// For each permutation, the axes it acts on, in ``tensorNames`` order (`perm_to_axes`).
    public let permutationAxes: [String: [PermutedAxis]]
    /// Axes holding the network's input features; never permuted.
    public let inputAxes: [TensorAxis]
    /// Axes holding the network's output classes; never permuted.
    public let outputAxes: [TensorAxis]
    /// Sizes the spec states for some permutations; ``sizes(for:)`` checks them against the checkpoint.
    public let declaredSizes: [String: Int]
    /// The head blocks of permutations that act on attention heads.
    public let headStructures: [String: HeadStructure]

    /// Whether the spec uses head blocks, grouped-query or fused axes: only transformer matching handles those.
    public var hasHeadStructure: Bool {
        !headStructures.isEmpty || axes.values.contains { $0.contains { $0?.isStructured ?? false } }
    }

    /// Builds a spec from its per-tensor axis bindings.
    ///
    /// - Throws: `MgitError(.invalidInput)` for a group below 1, a permutation on an input or output axis, or a
    ///   declared size for a permutation no axis uses.
    public init(
        axes: [String: [AxisPermutation?]], inputAxes: [TensorAxis], outputAxes: [TensorAxis],
        declaredSizes: [String: Int] = [:], headStructures: [String: HeadStructure] = [:]
    ) throws {
        self.axes = axes
        self.inputAxes = inputAxes
        self.outputAxes = outputAxes
        self.declaredSizes = declaredSizes
        self.headStructures = headStructures
        tensorNames = axes.keys.sorted(by: naturallyPrecedes)
        var byPermutation: [String: [PermutedAxis]] = [:]
        for name in tensorNames {
            for (axis, binding) in axes[name]!.enumerated() {
                guard let binding else { continue }
                let parts = binding.parts.isEmpty ? [binding] : binding.parts
                for (k, part) in parts.enumerated() {
                    guard let part else { continue }
                    guard part.parts.isEmpty else {
                        throw MgitError(.invalidInput, "tensor '\(name)' axis \(axis): fused parts cannot be fused again")
                    }
                    guard part.group >= 1, part.expand >= 1 else {
                        throw MgitError(.invalidInput, "tensor '\(name)' axis \(axis): group \(part.group) and "
                                        + "expand \(part.expand) must be at least 1")
                    }
                    guard part.expand == 1 || (part.group == 1 && headStructures[part.permutation] != nil) else {
                        throw MgitError(.invalidInput, "tensor '\(name)' axis \(axis): \"expand\" needs a permutation "
                                        + "with \"heads\" declared and no group; '\(part.permutation)' has none")
                    }
                    byPermutation[part.permutation, default: []].append(
                        PermutedAxis(tensor: name, axis: axis, group: part.group, expand: part.expand, part: k,
                                     parts: binding.parts.isEmpty ? 1 : parts.count))
                }
            }
        }
        permutationAxes = byPermutation
        permutationNames = byPermutation.keys.sorted(by: naturallyPrecedes)
        for (name, _) in declaredSizes where byPermutation[name] == nil {
            throw MgitError(.invalidInput, "the spec declares permutation '\(name)' but no tensor axis uses it")
        }
        for (name, structure) in headStructures {
            guard byPermutation[name] != nil else {
                throw MgitError(.invalidInput, "the spec declares heads for permutation '\(name)' but no tensor axis uses it")
            }
            guard structure.heads >= 1 else {
                throw MgitError(.invalidInput, "permutation '\(name)' declares \(structure.heads) heads; use at least 1")
            }
            if let other = structure.sameHeadsAs {
                guard let target = headStructures[other], target.heads == structure.heads, target.sameHeadsAs == nil else {
                    throw MgitError(.invalidInput, "permutation '\(name)' shares the heads of '\(other)', which must "
                                    + "declare the same number of heads (\(structure.heads)) and share no one else's")
                }
            }
        }
        for (kind, list) in [("input features", inputAxes), ("output classes", outputAxes)] {
            for fixed in list {
                if let bindings = axes[fixed.tensor], fixed.axis >= 0, fixed.axis < bindings.count,
                   let binding = bindings[fixed.axis] {
                    throw MgitError(.invalidInput, "permutation '\(binding.permutation)' acts on the network's \(kind) "
                                    + "(\(fixed)); input and output axes must not be permuted")
                }
            }
        }
    }

    /// Checks the spec against `checkpoint` and returns every permutation's size.
    ///
    /// - Throws: `MgitError(.mismatch)` naming the tensor and axis when a tensor is missing, has another rank,
    ///   an axis does not divide into its group, two axes of one permutation differ in size, a declared size
    ///   differs, or an input/output axis does not exist or is permuted.
    public func sizes(for checkpoint: Checkpoint) throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        var firstSeen: [String: TensorAxis] = [:]
        for name in tensorNames {
            let bindings = axes[name]!
            guard let tensor = checkpoint[name] else {
                throw MgitError(.mismatch, "the permutation spec names tensor '\(name)', which the checkpoint does not have")
            }
            guard tensor.shape.count == bindings.count else {
                throw MgitError(.mismatch, "tensor '\(name)' has shape \(tensor.shape) but the permutation spec "
                                + "gives it \(bindings.count) axes")
            }
            for (axis, binding) in bindings.enumerated() {
                guard let binding else { continue }
                let length = tensor.shape[axis]
                let found: [(String, Int)]
                switch binding.sizes(length: length) {
                case let .success(list): found = list
                case let .failure(error):
                    throw MgitError(.mismatch, "tensor '\(name)' axis \(axis): \(error.message)")
                }
                for (permutation, size) in found {
                    if let known = sizes[permutation] {
                        guard known == size else {
                            throw MgitError(.mismatch, "permutation '\(permutation)' has size \(known) on "
                                            + "\(firstSeen[permutation]!) but \(size) on tensor '\(name)' axis \(axis)")
                        }
                    } else {
                        sizes[permutation] = size
                        firstSeen[permutation] = TensorAxis(name, axis)
                    }
                }
            }
        }
        for (name, declared) in declaredSizes where sizes[name] != declared {
            throw MgitError(.mismatch, "permutation '\(name)' is declared with size \(declared) but "
                            + "\(firstSeen[name]!) gives \(sizes[name] ?? 0)")
        }
        for (name, structure) in headStructures where sizes[name]! % structure.heads != 0 {
            throw MgitError(.mismatch, "permutation '\(name)' has \(sizes[name]!) elements on \(firstSeen[name]!), "
                            + "which do not split into \(structure.heads) heads")
        }
        for (kind, list) in [("input", inputAxes), ("output", outputAxes)] {
            for fixed in list {
                guard let tensor = checkpoint[fixed.tensor], fixed.axis >= 0, fixed.axis < tensor.shape.count else {
                    throw MgitError(.mismatch, "the permutation spec's \(kind) axis \(fixed) is not in the checkpoint")
                }
            }
        }
        return sizes
    }

    /// Permutes `checkpoint`'s covered tensors by `permutations`, moving element bytes exactly.
    ///
    /// Along an axis bound to `P`, output position `i` takes input position `P.indices[i]` (blocks of `group`
    /// elements for a grouped axis). Works for every dtype; BF16 stays BF16 bit for bit. Applying
    /// `permutations.inverse` afterwards restores the original bytes.
    /// - Throws: `MgitError(.mismatch)` when the spec does not fit the checkpoint or a permutation is missing
    ///   or has the wrong size.
    public func apply(_ permutations: PermutationSet, to checkpoint: Checkpoint) throws -> Checkpoint {
        let sizes = try sizes(for: checkpoint)
        for name in permutationNames {
            guard let p = permutations[name] else {
                throw MgitError(.mismatch, "no permutation named '\(name)' to apply; the spec needs \(permutationNames)")
            }
            guard p.count == sizes[name] else {
                throw MgitError(.mismatch, "permutation '\(name)' has \(p.count) elements but the checkpoint's axes "
                                + "need \(sizes[name]!)")
            }
        }
        try checkHeads(of: permutations)
        var result = checkpoint
        for name in tensorNames {
            var tensor = checkpoint[name]!
            for (axis, binding) in axes[name]!.enumerated() {
                guard let binding else { continue }
                if binding.isStructured {
                    let indices = binding.sourceIndices(length: tensor.shape[axis], permutations: permutations,
                                                        heads: headStructures)
                    if indices.enumerated().allSatisfy({ $0.offset == $0.element }) { continue }
                    tensor.bytes = Self.gather(tensor.bytes, shape: tensor.shape, elementSize: tensor.dtype.size,
                                               axis: axis, group: 1, indices: indices)
                    continue
                }
                let p = permutations[binding.permutation]!
                if p.isIdentity { continue }
                tensor.bytes = Self.gather(tensor.bytes, shape: tensor.shape, elementSize: tensor.dtype.size,
                                           axis: axis, group: binding.group, indices: p.indices)
            }
            result[name] = tensor
        }
        return result
    }

    /// Reorders `bytes` of a row-major tensor along `axis`: block `i` of the output is block `indices[i]` of
    /// the input, a block being `group` consecutive positions of that axis.
    package static func gather(
        _ bytes: [UInt8], shape: [Int], elementSize: Int, axis: Int, group: Int, indices: [Int]
    ) -> [UInt8] {
        let outer = shape[..<axis].reduce(1, *)
        let count = indices.count
        let block = group * shape[(axis + 1)...].reduce(1, *) * elementSize
        precondition(shape[axis] == count * group && bytes.count == outer * count * block)
        var out = [UInt8](repeating: 0, count: bytes.count)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                guard block > 0 else { return }
                indices.withUnsafeBufferPointer { index in
                    for o in 0..<outer {
                        let base = o * count * block
                        // Single 4- and 2-byte elements (the last axis of an F32/BF16 matrix) move as words: a
                        // byte copy call per element is what makes an unoptimised build crawl on embeddings.
                        if block == 4 {
                            for i in 0..<count {
                                dst.storeBytes(of: src.load(fromByteOffset: base + index[i] * 4, as: UInt32.self),
                                               toByteOffset: base + i * 4, as: UInt32.self)
                            }
                        } else if block == 2 {
                            for i in 0..<count {
                                dst.storeBytes(of: src.load(fromByteOffset: base + index[i] * 2, as: UInt16.self),
                                               toByteOffset: base + i * 2, as: UInt16.self)
                            }
                        } else {
                            for i in 0..<count {
                                (dst.baseAddress! + base + i * block)
                                    .copyMemory(from: src.baseAddress! + base + index[i] * block, byteCount: block)
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Orders names as a person would: runs of digits compare as numbers (`layers.2` before `layers.10`).
package func naturallyPrecedes(_ a: String, _ b: String) -> Bool {
    func chunks(_ s: String) -> [(isNumber: Bool, text: Substring)] {
        var result: [(Bool, Substring)] = []
        var start = s.startIndex
        while start < s.endIndex {
            let digit = s[start].isASCII && s[start].isNumber
            var end = start
            while end < s.endIndex && (s[end].isASCII && s[end].isNumber) == digit { end = s.index(after: end) }
            result.append((digit, s[start..<end]))
            start = end
        }
        return result
    }
    let (x, y) = (chunks(a), chunks(b))
    for (p, q) in zip(x, y) {
        if p.isNumber && q.isNumber {
            let (u, w) = (p.text.drop { $0 == "0" }, q.text.drop { $0 == "0" })
            if u.count != w.count { return u.count < w.count }
            if u != w { return u < w }
            if p.text.count != q.text.count { return p.text.count < q.text.count }
        } else if p.text != q.text {
            return p.text < q.text
        }
    }
    return x.count < y.count
}
