import ArgumentParser
import ModelRepo

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an empty mgit repository.",
        discussion: """
            Makes a git repository (default branch 'main') and '.mgit/' beside '.git/': the config, the lineage
            database and the hooks folder. An existing git or mgit repository is left untouched.

            Example:
              mgit init models
            """)

    @Argument(help: "The folder to create the repository in (default: the current folder).")
    var directory: String = "."

    @OptionGroup var output: OutputOptions

    func run() throws {
        let repo = try Repository.create(at: directory)
        if output.json {
            try Terminal.json(["path": repo.root, "branch": Repository.defaultBranch])
        } else {
            print("Initialized empty mgit repository in \(repo.root)")
        }
    }
}
