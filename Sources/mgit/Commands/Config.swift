import ArgumentParser
import ModelRepo

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read or change settings in .mgit/config.",
        discussion: """
            Keys are section.name, as in git (merge.maxBarrier, hooks.maxLossBarrier, eval.command).

            Examples:
              mgit config                              list every setting
              mgit config merge.maxBarrier             print one
              mgit config merge.maxBarrier 0.2         set one
              mgit config --unset merge.maxBarrier     remove one
            """)

    @Argument(help: "The key.")
    var key: String?

    @Argument(help: "The new value.")
    var value: String?

    @Flag(name: .long, help: "Remove the key.")
    var unset = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let repo = try repository.open()
        guard let key else {
            let entries = try repo.configEntries()
            if output.json { return try Terminal.json(Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })) }
            for e in entries { print("\(e.key)=\(e.value)") }
            return
        }
        if unset { return try repo.removeConfigValue(key) }
        if let value { return try repo.setConfigValue(key, value) }
        guard let current = repo.configValue(key) else {
            throw MgitError(.notFound, "'\(key)' is not set in .mgit/config")
        }
        if output.json { return try Terminal.json([key: current]) }
        print(current)
    }
}
