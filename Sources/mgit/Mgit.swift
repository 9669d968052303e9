import ArgumentParser
import Foundation
import ModelRepo

@main
struct Mgit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgit",
        abstract: "Version control for neural-network weights, built on git.",
        discussion: """
            mgit stores safetensors checkpoints in a git repository, one blob per tensor, and aligns and merges
            models trained apart (Git Re-Basin). Plain git keeps working on an mgit repository.

            Start with:
              mgit init models && cd models
              mgit commit model.safetensors -m "first checkpoint"
              mgit log
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Commit.self, Export.self, Log.self, Show.self, Diff.self,
            Branch.self, Switch.self, Tag.self,
            Metrics.self, Lineage.self, Reindex.self, Config.self,
            Remote.self, Clone.self, Fetch.self, Push.self, Pull.self,
            Train.self, Eval.self, Rebase.self, Spec.self, Barrier.self, Merge.self, MergeBase.self, Operations.self,
            Hooks.self,
        ]
    )

    /// Runs the command; an ``MgitError`` becomes one `error:` line on stderr and an exit status, never a trace.
    static func main() async {
        do {
            var arguments = Array(CommandLine.arguments.dropFirst())
            // `mgit -C PATH COMMAND ...`, as git takes it: run as if started in PATH.
            while arguments.count >= 2 && arguments[0] == "-C" {
                guard FileManager.default.changeCurrentDirectoryPath(arguments[1]) else {
                    throw MgitError(.notFound, "cannot change to '\(arguments[1])': no such folder")
                }
                arguments.removeFirst(2)
            }
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as MgitError {
            let flag = error.parameter.flatMap(Terminal.flag(for:))
            Terminal.error(error.description + (flag.map { " (\($0))" } ?? ""))
            Foundation.exit(ExitStatus.of(error))
        } catch {
            if let message = Suggestion.unknownCommand(in: Array(CommandLine.arguments.dropFirst())) {
                Terminal.error(message)
                Foundation.exit(64)
            }
            exit(withError: error)
        }
    }
}
