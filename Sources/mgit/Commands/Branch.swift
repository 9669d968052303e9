import ArgumentParser
import ModelRepo

struct Branch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, create or delete branches.",
        discussion: """
            Examples:
              mgit branch                  list branches (* marks the current one)
              mgit branch teamB main       create teamB at main
              mgit branch -d teamB         delete teamB
            """)

    @Argument(help: "The branch to create or delete.")
    var name: String?

    @Argument(help: "Where the new branch starts (default: HEAD).")
    var start: String?

    @Flag(name: [.customShort("d"), .customLong("delete")], help: "Delete the branch.")
    var delete = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if delete && name == nil { throw ValidationError("'-d' needs the name of the branch to delete") }
        if delete && start != nil { throw ValidationError("'-d' takes one branch name") }
    }

    func run() throws {
        let repo = try repository.open()
        if let name {
            let info = delete ? try repo.deleteBranch(name) : try repo.createBranch(name, at: start)
            if output.json { return try Terminal.json(info) }
            print(delete ? "Deleted branch \(name) (was \(Terminal.short(info.commit ?? "")))."
                         : "Created branch \(name) at \(Terminal.short(info.commit ?? "")).")
            return
        }
        let branches = try repo.branches()
        if output.json { return try Terminal.json(branches) }
        for b in branches {
            print("\(b.current ? "*" : " ") \(b.name)\(b.commit.map { "  " + Terminal.short($0) } ?? "  (no commits yet)")")
        }
    }
}
