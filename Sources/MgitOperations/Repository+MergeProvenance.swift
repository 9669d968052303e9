import Foundation
import MgitInterop
import MgitStore
import MgitMerge

extension Repository {
    /// The provenance of the method merge at `revision` (from its `operation.json`), or nil for any other commit.
    public func mergeProvenance(at revision: String) throws -> MergeProvenance? {
        guard let bytes = try rootFile("operation.json", at: revision) else { return nil }
        struct Record: Decodable {
            struct Details: Decodable { var provenance: MergeProvenance? }
            var operation: String
            var details: Details?
        }
        guard let record = try? JSONDecoder().decode(Record.self, from: Data(bytes)), record.operation == "merge" else {
            return nil
        }
        return record.details?.provenance
    }

    /// The mergekit config that reproduces the method merge at `revision` (`mgit show REV --config`).
    ///
    /// - Throws: `.invalidInput` when the commit is not a method merge.
    public func mergeConfig(at revision: String) throws -> String {
        guard let provenance = try mergeProvenance(at: revision) else {
            throw MgitError(.invalidInput, "'\(revision)' is not a method merge (mgit merge --method or --config), so no "
                            + "config reproduces it; 'mgit show \(revision)' says what made it")
        }
        return provenance.config
    }

    /// Exports `revision` into `folder` as `model.safetensors`; for a method merge also `README.md` (a model card
    /// with Hugging Face front matter) and `mergekit_config.yml`.
    ///
    /// - Returns: The export, and the extra files written.
    public func export(_ revision: String, intoFolder folder: String) throws -> (ExportResult, [String]) {
        let result = try export(revision, to: folder + "/model.safetensors")
        guard let provenance = try mergeProvenance(at: revision) else { return (result, []) }
        let card = folder + "/README.md", config = folder + "/mergekit_config.yml"
        do {
            try provenance.modelCard(title: "merge \(String(result.commit.prefix(10)))").write(toFile: card, atomically: true, encoding: .utf8)
            try provenance.config.write(toFile: config, atomically: true, encoding: .utf8)
        } catch {
            throw MgitError(.io, "cannot write the model card into '\(folder)': \(error.localizedDescription)")
        }
        return (result, [card, config])
    }
}
