import MgitTensor
import MgitNetworks

/// A network whose parameters live in one flat `Float` buffer and which computes its own loss gradient,
/// so one training loop and one optimiser serve every architecture.
package protocol TrainableParameters: Sendable {
    /// Every parameter, in the network's own layout.
    var values: [Float] { get set }
    /// The architecture, for `makeNetwork` and `arch.json`.
    var spec: ArchitectureSpec { get }
    /// The mean cross-entropy of a batch `[n, features]` and its gradient, laid out like `values`.
    func lossAndGradient(_ x: FloatMatrix, labels: ArraySlice<Int>) -> (loss: Double, gradient: [Float])
    /// The parameters as an F32 checkpoint with PyTorch names.
    func checkpoint(metadata: [String: String]) -> Checkpoint
}

extension MLPParameters: TrainableParameters {
    /// An MLP named `fc1`, `fc2`, … as `checkpoint(metadata:)` writes it.
    public var spec: ArchitectureSpec { .mlp(layers: (1...layerCount).map { "fc\($0)" }) }
}

extension VGGParameters: TrainableParameters {}
