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
    public struct AxisPermutation: Sendable, Hashable {
        /// The permutation's name.
        public var permutation: String
        /// Elements per permuted block, at least 1.
        public var group: Int

        /// Permutation `permutation` on an axis of `size · group` elements.
        public init(_ permutation: String, group: Int = 1) {
            self.permutation = permutation
            self.group = group
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

        /// The memberwise initializer, for the modules above this one.
        package init(tensor: String, axis: Int, group: Int) {
            self.tensor = tensor
            self.axis = axis
            self.group = group
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

    /// Builds a spec from its per-tensor axis bindings.
    ///
    /// - Throws: `MgitError(.invalidInput)` for a group below 1, a permutation on an input or output axis, or a
    ///   declared size for a permutation no axis uses.
    public init(
        axes: [String: [AxisPermutation?]], inputAxes: [TensorAxis], outputAxes: [TensorAxis],
        declaredSizes: [String: Int] = [:]
    ) throws {
        self.axes = axes
        self.inputAxes = inputAxes
        self.outputAxes = outputAxes
        self.declaredSizes = declaredSizes
        tensorNames = axes.keys.sorted(by: naturallyPrecedes)
        var byPermutation: [String: [PermutedAxis]] = [:]
        for name in tensorNames {
            for (axis, binding) in axes[name]!.enumerated() {
                guard let binding else { continue }
                guard binding.group >= 1 else {
                    throw MgitError(.invalidInput,
                                    "tensor '\(name)' axis \(axis): group \(binding.group) must be at least 1")
                }
                byPermutation[binding.permutation, default: []].append(
                    PermutedAxis(tensor: name, axis: axis, group: binding.group))
            }
        }
        permutationAxes = byPermutation
        permutationNames = byPermutation.keys.sorted(by: naturallyPrecedes)
        for (name, _) in declaredSizes where byPermutation[name] == nil {
            throw MgitError(.invalidInput, "the spec declares permutation '\(name)' but no tensor axis uses it")
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
                guard length % binding.group == 0 else {
                    throw MgitError(.mismatch, "tensor '\(name)' axis \(axis) has \(length) elements, not a multiple "
                                    + "of the group \(binding.group) given for permutation '\(binding.permutation)'")
                }
                let size = length / binding.group
                if let known = sizes[binding.permutation] {
                    guard known == size else {
                        throw MgitError(.mismatch, "permutation '\(binding.permutation)' has size \(known) on "
                                        + "\(firstSeen[binding.permutation]!) but \(size) on tensor '\(name)' axis \(axis)")
                    }
                } else {
                    sizes[binding.permutation] = size
                    firstSeen[binding.permutation] = TensorAxis(name, axis)
                }
            }
        }
        for (name, declared) in declaredSizes where sizes[name] != declared {
            throw MgitError(.mismatch, "permutation '\(name)' is declared with size \(declared) but "
                            + "\(firstSeen[name]!) gives \(sizes[name] ?? 0)")
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
        var result = checkpoint
        for name in tensorNames {
            var tensor = checkpoint[name]!
            for (axis, binding) in axes[name]!.enumerated() {
                guard let binding else { continue }
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
                for o in 0..<outer {
                    let base = o * count * block
                    for (i, j) in indices.enumerated() {
                        (dst.baseAddress! + base + i * block)
                            .copyMemory(from: src.baseAddress! + base + j * block, byteCount: block)
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
