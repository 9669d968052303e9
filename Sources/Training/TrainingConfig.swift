import MgitInterop
import MgitNetworks

/// How to train an MLP classifier: its hidden widths, the optimiser and schedule, the seed and the data.
///
/// The same config, data and `OPENBLAS_NUM_THREADS` give a bit-identical checkpoint.
public struct TrainingConfig: Sendable, Codable, Equatable {
    /// The hidden layer widths, e.g. `[512, 512, 512]`; input and output widths come from the data.
    public var hidden: [Int]
    /// Passes over the training subset.
    public var epochs: Int
    /// Samples per optimiser step (the last step of an epoch takes the remainder).
    public var batch: Int
    /// The optimiser's step size.
    public var learningRate: Double
    /// SGD with momentum or Adam.
    public var optimizer: Optimizer
    /// Seeds the He initialisation and the per-epoch shuffles.
    public var seed: UInt64
    /// Which training samples to use.
    public var subset: DatasetSubset
    /// How the learning rate changes over the run.
    public var schedule: LearningRateSchedule = .constant

    /// The demo's defaults: a 512-512-512 MLP, one epoch of Adam (lr 1e-3) in batches of 128.
    public init(hidden: [Int] = [512, 512, 512], epochs: Int = 1, batch: Int = 128, learningRate: Double = 1e-3,
                optimizer: Optimizer = .adam(), seed: UInt64 = 0, subset: DatasetSubset = .all) {
        self.hidden = hidden
        self.epochs = epochs
        self.batch = batch
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.seed = seed
        self.subset = subset
    }

    /// The most weights `mgit train` builds (1 GiB of Float32, before optimiser state).
    public static let maximumParameters = 1 << 28

    /// Fails with a message naming the bad setting.
    public func validate() throws {
        guard hidden.allSatisfy({ $0 > 0 }) else {
            throw MgitError(.invalidInput, "hidden widths must be positive, got \(hidden)")
        }
        guard epochs >= 1, batch >= 1 else {
            throw MgitError(.invalidInput, "epochs and batch must be at least 1, got \(epochs) and \(batch)")
        }
        guard epochs <= 100_000, batch <= 1 << 24 else {
            throw MgitError(.invalidInput, "epochs must be at most 100000 and batch at most \(1 << 24), got \(epochs) and \(batch)")
        }
        // Weights between consecutive layers, with room for inputs and outputs of up to 4096 features, counted
        // with checked arithmetic: a width like 4000000000 is refused here rather than trapping in an allocation.
        var parameters = 0
        for (a, b) in zip([4096] + hidden, hidden + [4096]) {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            let (sum, overflowSum) = parameters.addingReportingOverflow(product)
            guard !overflow, !overflowSum, sum <= Self.maximumParameters else {
                throw MgitError(.invalidInput, "hidden widths \(hidden) make a network too large to train here "
                                + "(more than \(Self.maximumParameters) weights)")
            }
            parameters = sum
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw MgitError(.invalidInput, "the learning rate must be positive, got \(learningRate)")
        }
    }
}

/// A first-order optimiser, with PyTorch's update rules.
public enum Optimizer: Sendable, Codable, Equatable {
    /// SGD with heavy-ball momentum: `v ← μ·v + g`, `θ ← θ − lr·v` (`torch.optim.SGD`).
    case sgd(momentum: Double = 0.9)
    /// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction (`torch.optim.Adam`).
    case adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
}

extension Optimizer {
    /// Parses `adam`, `sgd` (momentum 0.9) or `sgd:MOMENTUM`, as the command line spells them.
    public static func parse(_ text: String) throws -> Optimizer {
        switch text {
        case "adam": return .adam()
        case "sgd": return .sgd()
        default:
            if text.hasPrefix("sgd:"), let momentum = Double(text.dropFirst(4)), momentum >= 0, momentum < 1 {
                return .sgd(momentum: momentum)
            }
            throw MgitError(.invalidInput, "unknown optimizer '\(text)'; use adam, sgd or sgd:MOMENTUM (e.g. sgd:0.9)")
        }
    }
}

/// How the learning rate moves over training.
public enum LearningRateSchedule: String, Sendable, Codable, Equatable, CaseIterable {
    /// The same rate throughout.
    case constant
    /// Cosine decay from the rate to zero over all steps (Loshchilov & Hutter 2017, without restarts): models
    /// settle at the bottom of their basin, which lowers the loss barrier after alignment.
    case cosine

    /// The multiplier of the base rate at `step` of `total` (0-based).
    public func factor(step: Int, total: Int) -> Double {
        switch self {
        case .constant: 1
        case .cosine: 0.5 * (1 + cos(Double.pi * Double(step) / Double(max(total, 1))))
        }
    }
}

import Foundation
