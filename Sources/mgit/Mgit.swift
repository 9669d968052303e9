import ArgumentParser
import ModelRepo

@main
struct Mgit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mgit",
        abstract: "Version control for neural-network weights, built on git.",
        version: "0.1.0",
        subcommands: []
    )
}
