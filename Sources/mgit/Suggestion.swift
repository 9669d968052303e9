import ArgumentParser
/// "did you mean ...?" for a misspelt command.
enum Suggestion {
    /// A message when the first word is not a command, or nil when it is (or is an option).
    static func unknownCommand(in arguments: [String]) -> String? {
        var words = arguments
        while words.count >= 2 && words[0] == "-C" { words.removeFirst(2) }
        guard let word = words.first, !word.hasPrefix("-") else { return nil }
        let names = Mgit.configuration.subcommands.compactMap { $0.configuration.commandName ?? defaultName($0) } + ["help"]
        guard !names.contains(word) else { return nil }
        let ranked = names.map { ($0, distance($0, word)) }.sorted { $0.1 < $1.1 }
        var message = "'\(word)' is not an mgit command"
        if let best = ranked.first, best.1 <= max(2, word.count / 3) {
            message += "; did you mean '\(best.0)'?"
        }
        return message + " (see 'mgit --help')"
    }

    private static func defaultName(_ type: Any.Type) -> String {
        // ArgumentParser's default: the type name, lower-cased with dashes.
        String(describing: type).lowercased()
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        var previous = Array(0...y.count)
        for i in 1...max(1, x.count) where !x.isEmpty {
            var current = [i] + Array(repeating: 0, count: y.count)
            for j in 1...max(1, y.count) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
