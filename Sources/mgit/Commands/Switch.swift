import ArgumentParser
import ModelRepo

struct Switch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make another branch the current one.",
        discussion: """
            New commits go to the current branch unless --branch says otherwise.

            Example:
              mgit switch teamB
            """)

    @Argument(help: "The branch to switch to.")
    var name: String

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let info = try repository.open().switchBranch(name)
        if output.json { return try Terminal.json(info) }
        print("Switched to branch '\(name)'")
    }
}
