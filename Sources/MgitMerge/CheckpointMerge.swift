import Foundation
import MgitInterop
import MgitTensor

/// Merges whole models with one of mergekit's methods, tensor by tensor, as git merges files.
///
/// With a base and `threeWay` (git's three-way rule), a tensor no input changed is the base's, a tensor changed
/// on one side only (or changed identically on several) is taken byte for byte from that side, and only a
/// tensor several inputs changed differently goes through the method. Without `threeWay` (mergekit's behaviour)
/// every floating tensor goes through the method. Each merged tensor is decoded to f32, merged, and rounded to
/// the output dtype to nearest even; its bytes are handed to `emit` and then dropped, so memory stays near
/// (inputs + 2) copies of the largest tensor in f32.
public struct CheckpointMerge: Sendable {
    public var recipe: MergeRecipe
    /// Whether one-sided changes are taken verbatim (needs a base).
    public var threeWay: Bool

    public init(recipe: MergeRecipe, threeWay: Bool = true) {
        self.recipe = recipe
        self.threeWay = threeWay
    }

    /// The tensors the merge writes: the base's names and order (else the first input's), in the output dtype.
    ///
    /// - Throws: `.mismatch` when the inputs' tensor names or shapes disagree.
    public func outputEntries(base: (any MergeInput)?, inputs: [any MergeInput], names: [String]) throws -> [TensorEntry] {
        guard let first = inputs.first else {
            throw MgitError(.invalidInput, "a merge needs at least one input model")
        }
        let reference = base ?? first
        let referenceName = base == nil ? names[0] : "the base"
        let entries = reference.tensorEntries
        let others: [(String, any MergeInput)] = (base == nil ? [] : [(names[0], first)]) + zip(names.dropFirst(), inputs.dropFirst()).map { ($0, $1) }
        for (label, model) in others {
            let theirs = Dictionary(model.tensorEntries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            if theirs.count != entries.count || !entries.allSatisfy({ theirs[$0.name] != nil }) {
                let mine = Set(entries.map(\.name)), other = Set(theirs.keys)
                let missing = mine.subtracting(other).sorted().first.map { "'\($0)' is in \(referenceName) but not in \(label)" }
                    ?? other.subtracting(mine).sorted().first.map { "'\($0)' is in \(label) but not in \(referenceName)" } ?? "?"
                throw MgitError(.mismatch, "tensor \(missing): the models have different architectures and cannot be merged")
            }
            for e in entries where theirs[e.name]!.shape != e.shape {
                throw MgitError(.mismatch, "tensor '\(e.name)' has shape \(e.shape) in \(referenceName) but \(theirs[e.name]!.shape) in \(label)")
            }
        }
        return entries.map { e in
            let out = e.dtype.isFloatingPoint ? (recipe.outputDType ?? recipe.dtype ?? e.dtype) : e.dtype
            return TensorEntry(name: e.name, dtype: out, shape: e.shape)
        }
    }

    /// Runs the merge and hands each output tensor's entry and bytes to `emit`, in ``outputEntries`` order.
    ///
    /// - Parameters:
    ///   - base: The base model, or nil (then `threeWay` is off and methods that need a base are refused).
    ///   - inputs: The merged models, in the recipe's input order.
    ///   - names: How errors and the report name the inputs (base first when there is one, then each input).
    /// - Throws: `.invalidInput` for a method that needs a base without one or a bad parameter; `.mismatch` for
    ///   models that do not fit together or non-floating tensors changed on several sides.
    @discardableResult
    public func run(base: (any MergeInput)?, inputs: [any MergeInput], names: [String]? = nil,
                    emit: (TensorEntry, UnsafeRawBufferPointer) throws -> Void) throws -> MethodMergeReport {
        try recipe.validate()
        if recipe.method.needsBase && base == nil { throw TensorMerge.missingBase(recipe.method) }
        guard inputs.count == recipe.inputs.count else {
            throw MgitError(.invalidInput, "the recipe names \(recipe.inputs.count) models but \(inputs.count) were given")
        }
        let labels = names ?? ((base == nil ? [] : [recipe.base ?? "base"]) + recipe.inputs.map(\.model))
        let entries = try outputEntries(base: base, inputs: inputs, names: labels)
        let layers = LayerIndex.count(in: entries.map(\.name))
        let randomness = DropMask.Stream(seed: recipe.seed)
        let inputMaps = inputs.map(Self.entryMap), baseMap = base.map(Self.entryMap)
        var report = MethodMergeReport(method: recipe.method, seed: recipe.seed, threeWay: threeWay && base != nil)

        for out in entries {
            let inputEntries = inputMaps.map { $0[out.name]! }   // outputEntries checked every name is in every input
            let baseEntry = baseMap.map { $0[out.name]! }
            defer {
                base?.releaseTensor(out.name)
                for m in inputs { m.releaseTensor(out.name) }
            }

            // Which inputs changed this tensor from the base, and into how many distinct results.
            var changed: [Int] = []
            var distinct: [Int] = []
            if let base, let baseEntry {
                for (i, m) in inputs.enumerated() {
                    let same = try sameBytes(base, baseEntry, m, inputEntries[i], out.name)
                    if !same { changed.append(i) }
                }
                for i in changed where try !distinct.contains(where: { try sameBytes(inputs[$0], inputEntries[$0], inputs[i], inputEntries[i], out.name) }) {
                    distinct.append(i)
                }
            }

            let verbatim: (any MergeInput, TensorEntry)?
            if base != nil && threeWay && changed.isEmpty {
                verbatim = (base!, baseEntry!)
                report.unchanged += 1
            } else if base != nil && threeWay && distinct.count == 1 {
                verbatim = (inputs[distinct[0]], inputEntries[distinct[0]])
                report.takenFromOneSide.append(MethodMergeReport.Taken(tensor: out.name, from: labels[(base == nil ? 0 : 1) + distinct[0]], sides: changed.count))
            } else if !out.dtype.isFloatingPoint || !inputEntries.allSatisfy({ $0.dtype.isFloatingPoint }) {
                let reference = base.map { ($0, baseEntry!) } ?? (inputs[0], inputEntries[0])
                for (i, m) in inputs.enumerated() where try !sameBytes(reference.0, reference.1, m, inputEntries[i], out.name) {
                    throw MgitError(.mismatch, "tensor '\(out.name)' is \(inputEntries[i].dtype.rawValue) and \(labels[(base == nil ? 0 : 1) + i]) "
                                    + "changed it differently from the others: mgit merges only floating-point tensors")
                }
                verbatim = reference
            } else {
                verbatim = nil
            }

            if let (model, e) = verbatim {
                if e.dtype == out.dtype {
                    try model.withTensorBytes(out.name) { try emit(out, $0) }
                } else {
                    let values = try model.withTensorBytes(out.name) { FloatCoding.decode($0, from: e.dtype, count: e.elementCount) }
                    try FloatCoding.encode(values, as: out.dtype).withUnsafeBytes { try emit(out, $0) }
                }
                continue
            }

            let parameters = try recipe.parameters(forTensor: out.name, layers: layers)
            let baseValues = try base.map { b in try b.withTensorBytes(out.name) { Self.floats($0, baseEntry!.dtype, out.elementCount) } }
            let values = try inputs.enumerated().map { i, m in
                try m.withTensorBytes(out.name) { Self.floats($0, inputEntries[i].dtype, out.elementCount) }
            }
            let (merged, statistics) = try TensorMerge.merge(
                method: recipe.method, base: recipe.method.needsBase ? baseValues : nil, inputs: values, shape: out.shape,
                parameters: parameters, randomness: randomness.forTensor(out.name))
            let cosine = statistics.changeCosine ?? baseValues.flatMap { b in
                TensorMerge.meanPairwiseCosine(values.map { v in
                    var d = v
                    d.withUnsafeMutableBufferPointer { pd in
                        b.withUnsafeBufferPointer { VectorBLAS.axpy(pd.count, -1, $0.baseAddress!, pd.baseAddress!) }
                    }
                    return d
                })
            }
            report.merged.append(MethodMergeReport.Merged(
                tensor: out.name, sides: base == nil ? inputs.count : changed.count,
                changeCosine: cosine, signConflicts: statistics.signConflicts, parameters: parameters))
            if out.dtype == .f32 {
                try merged.withUnsafeBytes { try emit(out, $0) }
            } else {
                try FloatCoding.encode(merged, as: out.dtype).withUnsafeBytes { try emit(out, $0) }
            }
        }
        return report
    }

    /// Runs the merge into a checkpoint in memory (tests, small models).
    public func merge(base: (any MergeInput)?, inputs: [any MergeInput], names: [String]? = nil) throws -> (Checkpoint, MethodMergeReport) {
        var out = Checkpoint()
        let report = try run(base: base, inputs: inputs, names: names) { entry, bytes in
            out[entry.name] = Tensor(dtype: entry.dtype, shape: entry.shape, bytes: Array(bytes))
        }
        return (out, report)
    }

    /// Runs the merge from safetensors files into a safetensors file, one tensor in memory at a time.
    @discardableResult
    public func merge(basePath: String?, inputPaths: [String], to outputPath: String) throws -> MethodMergeReport {
        let base = try basePath.map(SafeTensorsReader.init(path:))
        let inputs = try inputPaths.map(SafeTensorsReader.init(path:))
        let names = (basePath.map { [$0] } ?? []) + inputPaths
        let entries = try outputEntries(base: base, inputs: inputs, names: names)
        let writer = try SafeTensorsWriter(path: outputPath, entries: entries, metadata: (base ?? inputs.first)?.metadata ?? [:])
        let report = try run(base: base, inputs: inputs, names: names) { _, bytes in try writer.append(bytes) }
        try writer.finish()
        return report
    }

    /// The values of a tensor as `Float`: float32 bytes copied as they are, other types converted.
    private static func floats(_ raw: UnsafeRawBufferPointer, _ dtype: DType, _ count: Int) -> [Float] {
        guard dtype == .f32, count > 0 else { return FloatCoding.decode(raw, from: dtype, count: count) }
        precondition(raw.count >= 4 * count)
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            memcpy(out.baseAddress!, raw.baseAddress!, 4 * count)   // safetensors data is little-endian, as this machine
            initialized = count
        }
    }

    private static func entryMap(_ model: any MergeInput) -> [String: TensorEntry] {
        Dictionary(model.tensorEntries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private func sameBytes(_ a: any MergeInput, _ ea: TensorEntry, _ b: any MergeInput, _ eb: TensorEntry, _ name: String) throws -> Bool {
        guard ea.dtype == eb.dtype, ea.shape == eb.shape else { return false }
        return try a.withTensorBytes(name) { x in
            try b.withTensorBytes(name) { y in
                x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
    }
}
