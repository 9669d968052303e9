import Foundation
import MgitInterop
import MgitTensor

/// Everything needed to recompute a method merge bit for bit, as `operation.json` records it: the config with
/// model names resolved to commits, every parameter each merged tensor used, the seed, the dtypes, what the
/// three-way rule did, and the mgit that computed it.
public struct MergeProvenance: Sendable, Equatable, Codable {
    /// The mgit release that merged (``MergeProvenance/mgitVersion``).
    public static let currentVersion = "0.1.0"

    /// mgit's spelling of the method (`dare-ties`).
    public var method: MergeMethod
    /// The base's commit id, or nil.
    public var base: String?
    /// The merged inputs' commit ids, in order.
    public var inputs: [String]
    /// DARE's seed (recorded for every method; only the DARE methods draw from it).
    public var seed: UInt64
    /// The mergekit config that reproduces the merge, model names replaced by commit ids.
    public var config: String
    /// The dtype every floating tensor was computed in.
    public var computeDType: DType
    /// The dtype of the merged tensors when the config set one (else each tensor kept its input dtype).
    public var outputDType: DType?
    /// Tensors by what happened to them, with the parameters each merged tensor used.
    public var report: MethodMergeReport
    /// False when the merge skipped evaluation (`--no-check`).
    public var checked: Bool
    public var mgitVersion: String

    /// The provenance of a merge of `recipe` whose models resolved to `base` and `inputs` (commit ids).
    public init(recipe: MergeRecipe, base: String?, inputs: [String], report: MethodMergeReport, checked: Bool) {
        precondition(inputs.count == recipe.inputs.count)
        var resolved = recipe
        resolved.base = base
        for i in resolved.inputs.indices { resolved.inputs[i].model = inputs[i] }
        method = recipe.method
        self.base = base
        self.inputs = inputs
        seed = recipe.seed
        config = resolved.mergekitYAML()
        computeDType = .f32
        outputDType = recipe.outputDType ?? recipe.dtype
        self.report = report
        self.checked = checked
        mgitVersion = Self.currentVersion
    }

    /// The recipe that reproduces the merge (models named by commit id), as `mgit show REV --config` prints it.
    public func recipe() throws -> MergeRecipe {
        var recipe = try MergeRecipe(mergekitYAML: config)
        // A linear or SLERP config names no base; the three-way base is recorded apart.
        if recipe.base == nil { recipe.base = base }
        return recipe
    }

    /// Hugging Face model-card front matter and a body naming the method and the config, for an exported merge.
    ///
    /// `base_model` lists the inputs (commit ids), `base_model_relation: merge`, `tags: [merge, mgit]`.
    public func modelCard(title: String) -> String {
        var card = "---\nbase_model:\n" + inputs.map { "- \($0)\n" }.joined()
        card += "base_model_relation: merge\ntags:\n- merge\n- mgit\n---\n\n"
        card += "# \(title)\n\n"
        card += "This model is a merge of \(inputs.count) models made with mgit \(mgitVersion) by the "
            + "\(method.mergekitName ?? method.rawValue) method"
            + (base.map { " from the base `\($0)`" } ?? "") + ".\n\n"
        card += "- computed in \(computeDType.rawValue)" + (outputDType.map { ", stored as \($0.rawValue)" } ?? "") + "\n"
        if method.isRandom { card += "- random drops from seed \(seed)\n" }
        if report.threeWay {
            card += "- three-way merge: \(report.unchanged) tensors unchanged, \(report.takenFromOneSide.count) taken from "
                + "the one input that changed them, \(report.merged.count) merged\n"
        }
        card += checked ? "" : "- not evaluated before it was committed (merged with --no-check)\n"
        card += "\n## Configuration\n\nThe mergekit configuration that reproduces it (`mgit merge --config`):\n\n"
        card += "```yaml\n" + config + "```\n"
        return card
    }
}
