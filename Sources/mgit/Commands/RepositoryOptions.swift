import ArgumentParser
import ModelRepo

/// `-C PATH`: run as if started in PATH, like git.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if mgit was started in <path>.", valueName: "path"))
    var directory: String?

    func open() throws -> Repository { try Repository.open(at: directory) }
}
