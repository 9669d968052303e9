import ArgumentParser
import ModelRepo

struct Tag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List tags, or name a commit with a tag.",
        discussion: """
            Examples:
              mgit tag                 list tags
              mgit tag v1 teamA~2      tag a commit
            """)

    @Argument(help: "The tag to create.")
    var name: String?

    @Argument(help: "The commit to tag (default: HEAD).")
    var revision: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let repo = try repository.open()
        if let name {
            let tag = try repo.createTag(name, at: revision)
            if output.json { return try Terminal.json(tag) }
            return print("Tagged \(Terminal.short(tag.commit)) as \(name).")
        }
        let tags = try repo.tags()
        if output.json { return try Terminal.json(tags) }
        for t in tags { print("\(t.name)  \(Terminal.short(t.commit))") }
    }
}
