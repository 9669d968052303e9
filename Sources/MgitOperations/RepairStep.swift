import Foundation
import MgitInterop
import MgitTensor
import MgitNetworks
import MgitMerge

/// REPAIR for a merge or a barrier (Jordan et al. 2022): the one place that decides whether it applies and where
/// its statistics come from. It applies when the models are measured by the built-in evaluator (so their
/// architecture is known) and the architecture is an MLP or a VGG; a ResNet with BatchNorm has its statistics
/// reset by the evaluator instead, and an external evaluator's network is unknown to mgit.
package struct RepairStep {
    /// Training samples the statistics are measured on.
    package var samples = 5000

    package init(samples: Int = 5000) { self.samples = samples }

    /// The endpoints' statistics, or nil when REPAIR does not apply.
    ///
    /// - Parameters:
    ///   - alignedB: B already moved into A's basin (REPAIR compares unit by unit).
    ///   - data: The evaluation data; the statistics come from its training counterpart (``Repair/inputs(forEvaluationData:count:seed:)``).
    package func prepare(a: Checkpoint, alignedB: Checkpoint, evaluator: any CheckpointEvaluator,
                         data: String) throws -> (repair: Repair, summary: Repair.Summary)? {
        guard let builtin = evaluator as? BuiltinEvaluator, Repair.supports(builtin.spec) else { return nil }
        let (inputs, description) = try Repair.inputs(forEvaluationData: data, count: samples)
        let repair = try Repair(a: a, b: alignedB, spec: builtin.spec, data: inputs)
        return (repair, repair.summary(data: description))
    }
}
