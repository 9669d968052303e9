import ArgumentParser
import ModelRepo

struct MergeBase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-base",
        abstract: "Print the commit that revisions were all developed from (their best common ancestor).",
        discussion: """
            As 'git merge-base --octopus': for two revisions the base of a three-way merge, for more the ancestor
            all of them share. mgit merge uses it as the base of task arithmetic, TIES, DARE and Model Stock
            when --base is not given. Revisions that share no history have none (exit status 1).

            Examples:
              mgit merge-base teamA teamB
              mgit merge-base math code chat --json
            """)

    @Argument(help: "Two or more revisions (branch, tag, commit).")
    var revisions: [String]

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        guard let base = try repository.open().mergeBase(of: revisions) else {
            throw MgitError(.notFound, "\(revisions.joined(separator: ", ")) share no history, so they have no merge base; "
                            + "name a base explicitly (mgit merge --base REV)")
        }
        if output.json { return try Terminal.json(["mergeBase": base]) }
        print(base)
    }
}
