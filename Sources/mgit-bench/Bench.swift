import ArgumentParser
import ModelRepo

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgit-bench",
        abstract: "mgit's benchmarks: each prints its figures beside the alternative's (docs/PERFORMANCE.md).",
        subcommands: [CommitBench.self, FolderBench.self, LapBench.self, MatchBench.self, MergeBench.self,
                      MergeQualityBench.self, NetworksBench.self, PackBench.self, PushBench.self, ServeBench.self,
                      TransformerBench.self]
    )
}
