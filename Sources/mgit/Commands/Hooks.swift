import ArgumentParser
import Foundation
import ModelRepo

struct Hooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, enable, disable and try out hooks.",
        discussion: """
            A hook is a program that accepts or rejects an operation: the file
            .mgit/hooks/pre-merge, and every program in .mgit/hooks/pre-merge.d/,
            run in name order (config hooks.path moves the folder). mgit init
            installs samples into .mgit/hooks/samples/. See docs/HOOKS.md.

            Examples:
              mgit hooks list
              mgit hooks enable max-loss-barrier     copy it into pre-merge.d/
              mgit config hooks.maxLossBarrier 0.1
              mgit hooks run pre-merge --env MGIT_LOSS_BARRIER=0.3
              mgit hooks disable max-loss-barrier
            """,
        subcommands: [List.self, Enable.self, Disable.self, Run.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the samples and the hooks that run.")

        @OptionGroup var repository: RepositoryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try repository.open()
            let entries = repo.hookEntries()
            if output.json { return try Terminal.json(entries) }
            let rows = entries.map { entry -> [String] in
                let state = entry.kind == .sample ? (entry.enabled ? "enabled" : "-")
                                                  : (entry.enabled ? "runs" : "not executable")
                return [entry.name, entry.kind.rawValue, entry.hook ?? "-", state,
                        entry.path.map { Hooks.relative($0, to: repo.root) } ?? "(built in)"]
            }
            let header = ["NAME", "KIND", "HOOK", "STATE", "PATH"]
            let widths = (0..<header.count).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
            for row in [header] + rows {
                let cells = row.enumerated().map { $0.offset == row.count - 1 ? $0.element
                    : $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                print(cells.joined(separator: "  "))
            }
            if !entries.contains(where: { $0.kind == .hook }) {
                print("\nNo hook runs yet; 'mgit hooks enable NAME' turns a sample on.")
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a sample into <hook>.d/ so it runs.",
            discussion: "The hook comes from the sample's '# mgit-hook: NAME' line unless --as names one.")

        @Argument(help: "The sample's name (mgit hooks list).")
        var name: String

        @Option(name: .customLong("as"), help: ArgumentHelp("The hook to run it for (pre-merge, pre-rebase, post-commit).", valueName: "hook"))
        var hook: String?

        @OptionGroup var repository: RepositoryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try repository.open()
            let entry = try repo.enableHookSample(name, as: hook)
            if output.json { return try Terminal.json(entry) }
            print("Enabled \(name) as a \(entry.hook ?? "") hook (\(Hooks.relative(entry.path ?? "", to: repo.root))).")
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an enabled hook from <hook>.d/.")

        @Argument(help: "The hook's name (mgit hooks list).")
        var name: String

        @Option(name: .customLong("from"), help: ArgumentHelp("Only from this hook's folder.", valueName: "hook"))
        var hook: String?

        @OptionGroup var repository: RepositoryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let repo = try repository.open()
            let removed = try repo.disableHook(name, hook: hook)
            if output.json { return try Terminal.json(removed) }
            for entry in removed {
                print("Disabled \(name) (removed \(Hooks.relative(entry.path ?? "", to: repo.root))).")
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a hook's programs now, to try them out.",
            discussion: """
                Runs them as mgit merge would, with the payload on stdin and the variables given by --env.
                Exits with status 3 when one rejects.
                """)

        @Argument(help: "The hook (pre-merge, pre-rebase, post-commit).")
        var hook: String

        @Option(name: .customLong("env"), help: ArgumentHelp("A variable for the hooks, NAME=VALUE (repeatable).", valueName: "name=value"))
        var variables: [String] = []

        @Option(name: .long, help: ArgumentHelp("A JSON file to send on stdin (default: {}).", valueName: "file"))
        var payload: String?

        @OptionGroup var repository: RepositoryOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            var environment: [String: String] = [:]
            for variable in variables {
                guard let equals = variable.firstIndex(of: "="), equals != variable.startIndex else {
                    throw MgitError(.invalidInput, "--env '\(variable)' is not NAME=VALUE")
                }
                environment[String(variable[..<equals])] = String(variable[variable.index(after: equals)...])
            }
            var json = Data("{}".utf8)
            if let payload {
                guard let data = FileManager.default.contents(atPath: payload) else {
                    throw MgitError(.notFound, "cannot read the payload file '\(payload)'")
                }
                guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
                    throw MgitError(.invalidInput, "the payload file '\(payload)' is not JSON")
                }
                json = data
            }
            let repo = try repository.open()
            let outcomes = try HookRunner.run(hook, in: try repo.hookContext(), payloadJSON: json, environment: environment)
            if output.json {
                try Terminal.json(outcomes)
            } else if outcomes.isEmpty {
                print("No \(hook) hook in \(Hooks.relative(repo.hooksDirectory, to: repo.root)).")
            } else {
                for outcome in outcomes {
                    print("\(outcome.accepted ? "accepted" : "rejected")  \(outcome.displayName)  \(outcome.reason)")
                    for line in outcome.stdout.split(separator: "\n") { print("    \(line)") }
                    for line in outcome.stderr.split(separator: "\n") { print("    \(line)") }
                }
            }
            if let rejection = HookRunner.rejection(outcomes) {
                throw MgitError(rejection.code, output.json ? "\(hook) hook rejected" : "\(hook) hook rejected; "
                                + "see above")
            }
        }
    }

    /// `path` relative to the repository root when inside it.
    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }
}
