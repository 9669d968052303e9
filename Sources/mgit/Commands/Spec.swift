import ArgumentParser
import ModelRepo

struct Spec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the permutation spec mgit would use for a checkpoint.",
        discussion: """
            The spec says which permutation acts on which axis of which tensor (docs/PERMUTATION-SPECS.md).
            Save it, edit it, and pass it back with 'mgit rebase --spec FILE'.

            Example:
              mgit spec teamA > spec.json
            """)

    @Argument(help: "The revision (default: HEAD).")
    var revision = "HEAD"

    @Option(help: ArgumentHelp("Check this spec file against the checkpoint instead of the built-in one.", valueName: "file"))
    var spec: String?

    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        print(try repository.open().permutationSpec(at: revision, specPath: spec).jsonString())
    }
}
