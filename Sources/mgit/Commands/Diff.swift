import ArgumentParser
import ModelRepo
import Foundation

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two checkpoints tensor by tensor.",
        discussion: """
            Each tensor is added, removed, unchanged (the same blob) or changed. For a changed floating tensor
            of equal shape it prints the relative L2 change ‖b−a‖/‖a‖, the cosine similarity and the largest
            absolute difference.

            Example:
              mgit diff teamA teamB
              mgit diff HEAD~1 HEAD --json
            """)

    @Argument(help: "The first revision.")
    var a: String

    @Argument(help: "The second revision.")
    var b: String

    @Flag(name: .long, help: "List unchanged tensors too.")
    var all = false

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let d = try repository.open().diff(a, b)
        if output.json { return try Terminal.json(d) }
        let width = min(48, d.changes.map(\.name.count).max() ?? 0)
        for c in d.changes where all || c.kind != .unchanged {
            let name = c.name.padding(toLength: max(width, c.name.count), withPad: " ", startingAt: 0)
            var line = "\(c.kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(name)"
            switch c.kind {
            case .added: line += "  \(c.dtype) \(Terminal.shape(c.shapeB))"
            case .removed: line += "  \(c.dtype) \(Terminal.shape(c.shapeA))"
            case .unchanged: break
            case .changed:
                if c.shapeA != c.shapeB { line += "  shape \(Terminal.shape(c.shapeA)) → \(Terminal.shape(c.shapeB))" }
                if let r = c.relativeL2, let cos = c.cosine, let m = c.maxAbsDiff {
                    line += "  rel L2 \(Terminal.format(r))  cos \(Terminal.format(cos))  max |Δ| \(Terminal.format(m))"
                }
            }
            print(line)
        }
        print("\(d.changed) changed, \(d.added) added, \(d.removed) removed, \(d.unchanged) unchanged; "
              + "\(Terminal.bytes(d.bytesChanged)) of \(Terminal.bytes(d.bytesTotal)) differ")
    }
}
