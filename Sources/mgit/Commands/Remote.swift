import ArgumentParser
import ModelRepo

struct Remote: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List or add remotes.",
        discussion: """
            A remote is another repository: a path or file:// URL on this machine, git:// (git daemon), ssh or
            https. Remotes live in git's config, so plain git sees them too.

            Examples:
              mgit remote -v
              mgit remote add origin git://127.0.0.1/models.git
              mgit remote add shared /srv/models.git
            """,
        subcommands: [ListRemotes.self, AddRemote.self],
        defaultSubcommand: ListRemotes.self)
}

struct ListRemotes: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List remotes (-v: with URLs).")

    @Flag(name: .shortAndLong, help: "Show the URLs.")
    var verbose = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let remotes = try repository.open().remotes()
        if output.json { return try Terminal.json(remotes) }
        for r in remotes {
            if verbose {
                print("\(r.name)\t\(r.url) (fetch)")
                print("\(r.name)\t\(r.pushURL) (push)")
            } else {
                print(r.name)
            }
        }
    }
}

struct AddRemote: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a remote.")

    @Argument(help: "The remote's name (origin, teamB, ...).")
    var name: String

    @Argument(help: "Where it is: a path, file://, git://, ssh:// or https:// URL.")
    var url: String

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let info = try repository.open().addRemote(name, url: url)
        if output.json { return try Terminal.json(info) }
        print("Added remote \(info.name) (\(info.url)).")
    }
}
