import Foundation
import MgitInterop
import MgitHooks

extension Repository {
    /// What the hooks of this repository are told of it: its root, hooks folder and `hooks.timeout`.
    public func hookContext() throws -> HookContext {
        HookContext(root: root, hooksDirectory: hooksDirectory,
                    timeout: try HookRunner.timeout(configValue("hooks.timeout"), key: "hooks.timeout",
                                                    default: HookRunner.defaultTimeout))
    }

    /// The external evaluator `command` names (else `eval.command`), with `eval.timeout`; nil when none is set.
    public func externalEvaluator(command: String? = nil) throws -> ExternalEvaluator? {
        try ExternalEvaluator.configured(command: command) { configValue($0) }
    }

    /// The folder `mgit init` copies the sample hooks into.
    public var hookSamplesDirectory: String { hooksDirectory + "/samples" }

    /// Writes every built-in sample into `samples/` in the hooks folder (mode 0755), replacing older copies.
    public func installHookSamples() throws {
        let fm = FileManager.default
        let folder = hookSamplesDirectory
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for sample in HookSample.builtIn {
                let path = folder + "/" + sample.name
                try Data(sample.text.utf8).write(to: URL(fileURLWithPath: path))
                try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
        } catch {
            throw MgitError(.io, "cannot install the sample hooks into '\(folder)'",
                            underlying: error.localizedDescription)
        }
    }

    /// The samples (installed in `samples/`, or built in) and every hook program, samples first, each by name.
    public func hookEntries() -> [HookEntry] {
        let fm = FileManager.default
        var samples: [String: HookEntry] = [:]
        for sample in HookSample.builtIn {
            samples[sample.name] = HookEntry(name: sample.name, kind: .sample, hook: sample.hook, enabled: false, path: nil)
        }
        for name in (try? fm.contentsOfDirectory(atPath: hookSamplesDirectory)) ?? [] where !name.hasPrefix(".") {
            let path = hookSamplesDirectory + "/" + name
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            samples[name] = HookEntry(name: name, kind: .sample, hook: HookSample.declaredHook(in: text),
                                      enabled: false, path: path)
        }
        var hooks: [HookEntry] = []
        for hook in hookNamesPresent() {
            for path in HookRunner.programs(named: hook, in: hooksDirectory) {
                let name = URL(fileURLWithPath: path).lastPathComponent
                hooks.append(HookEntry(name: name, kind: .hook, hook: hook, enabled: FileAccess.isExecutable(path), path: path))
                if path.hasSuffix(".d/" + name), samples[name]?.hook == hook { samples[name]?.enabled = true }
            }
        }
        return samples.values.sorted { $0.name < $1.name } + hooks
    }

    /// The known hooks plus any other `<name>` or `<name>.d` in the hooks folder (so a typo still shows up).
    private func hookNamesPresent() -> [String] {
        var names = HookRunner.knownHooks
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: hooksDirectory)) ?? [] {
            let name = entry.hasSuffix(".d") ? String(entry.dropLast(2)) : entry
            if name != "samples", !name.hasPrefix("."), HookRunner.isHookFileName(name), !names.contains(name) {
                names.append(name)
            }
        }
        return names.sorted()
    }

    /// Copies sample `name` into `<hook>.d/<name>` (mode 0755) so it runs for that hook.
    ///
    /// - Parameter hook: The hook to run it for; nil takes the sample's `# mgit-hook:` line.
    /// - Returns: The enabled hook's entry.
    /// - Throws: `.notFound` for an unknown sample, `.invalidInput` without a hook name, `.alreadyExists` when a
    ///   hook of that name is already there.
    @discardableResult
    public func enableHookSample(_ name: String, as hook: String? = nil) throws -> HookEntry {
        let sample: HookSample
        let installed = hookSamplesDirectory + "/" + name
        if !name.contains("/"), let text = try? String(contentsOfFile: installed, encoding: .utf8) {
            sample = HookSample(name: name, text: text)
        } else if let builtIn = HookSample.builtIn.first(where: { $0.name == name }) {
            sample = builtIn
        } else {
            let known = Set(HookSample.builtIn.map(\.name) + hookEntries().filter { $0.kind == .sample }.map(\.name))
            throw MgitError(.notFound, "there is no sample hook '\(name)'; the samples are "
                            + known.sorted().joined(separator: ", ") + " (mgit hooks list)")
        }
        guard let target = hook ?? sample.hook else {
            throw MgitError(.invalidInput, "sample '\(name)' has no '# mgit-hook: NAME' line; say which hook it is "
                            + "for (\(HookRunner.knownHooks.joined(separator: ", ")))", parameter: "hook")
        }
        guard HookRunner.knownHooks.contains(target) else {
            throw MgitError(.invalidInput, "'\(target)' is not a hook mgit runs; use one of "
                            + HookRunner.knownHooks.joined(separator: ", "))
        }
        let folder = hooksDirectory + "/" + target + ".d"
        let path = folder + "/" + name
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            throw MgitError(.alreadyExists, "'\(name)' is already enabled as a \(target) hook ('\(path)'); "
                            + "run 'mgit hooks disable \(name)' first to replace it")
        }
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(sample.text.utf8).write(to: URL(fileURLWithPath: path))
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        } catch {
            throw MgitError(.io, "cannot write the hook '\(path)'", underlying: error.localizedDescription)
        }
        return HookEntry(name: name, kind: .hook, hook: target, enabled: true, path: path)
    }

    /// Removes the hook `name` from every `<hook>.d/` folder (or only `hook`'s) and returns what was removed.
    ///
    /// - Throws: `.notFound` when no `.d/` folder holds it (the message lists the enabled hooks).
    @discardableResult
    public func disableHook(_ name: String, hook: String? = nil) throws -> [HookEntry] {
        let fm = FileManager.default
        let candidates = hookEntries().filter {
            $0.kind == .hook && $0.name == name && (hook == nil || $0.hook == hook) && $0.path?.hasSuffix(".d/" + name) == true
        }
        guard !candidates.isEmpty, !name.contains("/") else {
            let enabled = hookEntries().filter { $0.kind == .hook }.map { "\($0.hook ?? "?")/\($0.name)" }
            var message = "no hook named '\(name)' is enabled"
            if HookRunner.knownHooks.contains(name), fm.fileExists(atPath: hooksDirectory + "/" + name) {
                message += "; '\(hooksDirectory)/\(name)' is a hook file of its own: remove it to stop it running"
            } else {
                message += enabled.isEmpty ? " (none is)" : "; enabled: " + enabled.joined(separator: ", ")
            }
            throw MgitError(.notFound, message)
        }
        for entry in candidates {
            do { try fm.removeItem(atPath: entry.path!) } catch {
                throw MgitError(.io, "cannot remove the hook '\(entry.path!)'", underlying: error.localizedDescription)
            }
        }
        return candidates
    }
}
