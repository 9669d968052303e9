import Foundation
import ModelRepo

extension Terminal {
    /// `restarts: 2 runs side by side, objectives 723.4 … 743.7, kept run 2 (seed 1, random start)`.
    static func restartsLine(_ runs: [WeightMatching.Run]) -> String {
        let objectives = runs.map(\.objective)
        guard let best = runs.indices.max(by: { runs[$0].objective < runs[$1].objective }),
              let low = objectives.min(), let high = objectives.max() else { return "restarts: none" }
        return "restarts: \(runs.count) runs, objectives \(format(low)) … \(format(high)) (spread \(format(high - low))), "
            + "kept run \(best + 1) (seed \(runs[best].seed), \(runs[best].start) start); sweeps "
            + runs.map { "\($0.sweeps)" }.joined(separator: ", ")
    }

    /// `REPAIR: 2 layers, 1024 units rescaled to interpolated statistics of 5000 samples of fashion-mnist:train …`.
    static func repairLine(_ s: Repair.Summary) -> String {
        "REPAIR: \(s.units) hidden units in \(s.layers) layers rescaled to the endpoints' interpolated statistics on "
            + "\(s.data) (--no-repair to compare)"
    }
}
