import Foundation
import MgitInterop

extension CheckpointStore {
    /// How old a temporary file must be before mgit takes it for the leftover of a killed writer.
    ///
    /// A live writer keeps its temporary pack for as long as it writes (seconds for a gigabyte), so an hour
    /// leaves a wide margin; git's own `gc` waits two weeks, but mgit's packs are large enough to matter sooner.
    package static let staleTemporaryAge: TimeInterval = 3600

    /// Removes temporary files that killed writers left in the object store: ``PackWriter``'s `tmp_pack_*` and
    /// `tmp_idx_*`, and libgit2's `tmp_object_git2_*` (in `objects/` or a fan-out folder). Git ignores them (`git fsck` only warns, "garbage found"),
    /// but a crashed multi-gigabyte push or commit would otherwise keep its disk space forever. Best effort:
    /// a file that cannot be removed is left for the next time. Also registers this process as a writer
    /// (``WriterRegistry``), which clears lock files that killed mgit writers left.
    package func sweepStaleTemporaryFiles(in gitDirectory: String? = nil, now: Date = Date()) {
        WriterRegistry.register(gitDirectory: gitDirectory ?? git.gitDirectory)
        let objects = (gitDirectory ?? git.gitDirectory) + "objects"
        let fm = FileManager.default
        // libgit2 writes a loose object's temporary file in `objects/` itself, or in its fan-out folder.
        var folders = [objects, objects + "/pack"]
        folders += ((try? fm.contentsOfDirectory(atPath: objects)) ?? []).filter { $0.count == 2 }.map { objects + "/" + $0 }
        for folder in folders {
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? []
            where name.hasPrefix("tmp_pack_") || name.hasPrefix("tmp_idx_") || name.hasPrefix("tmp_object_git2_") {
                let path = folder + "/" + name
                guard let modified = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                      now.timeIntervalSince(modified) > Self.staleTemporaryAge else { continue }
                try? fm.removeItem(atPath: path)
            }
        }
    }
}
