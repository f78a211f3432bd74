import Foundation

/// Why a git operation failed. The revision and paths are the caller's, possibly hostile
/// text: the caller words the message (and sanitises them) in its own terms.
public enum GitError: Error, Sendable, Equatable {
    case notARepository(directory: String)
    case unknownRevision(String)
    case archiveFailed(revision: String, path: String)
    case unpackFailed(revision: String, reason: String)
    case missingPath(revision: String, path: String)
    case temporaryDirectory(reason: String)
}

/// The git calls keyscope makes, through the `git` binary itself. Nothing here touches the
/// working tree or the index.
public enum Git {
    /// `git rev-parse HEAD` in `directory`, or nil when it is not in a git repository.
    public static func headRevision(of directory: String) -> String? {
        guard
            let revision = try? git(
                ["-C", directory, "rev-parse", "HEAD"], else: .notARepository(directory: directory)), !revision.isEmpty
        else { return nil }
        return revision
    }

    /// Whether `directory` has uncommitted changes (tracked or untracked) below it; nil outside a repository.
    public static func isDirty(_ directory: String) -> Bool? {
        let output = Subprocess.run(["git", "-C", directory, "status", "--porcelain", "--", "."])
        guard output.status == 0 else { return nil }
        return !output.stdout.isEmpty
    }

    /// The directory's path inside its repository (`git rev-parse --show-prefix`), or nil outside one.
    public static func prefix(of directory: String) -> String? {
        try? git(["-C", directory, "rev-parse", "--show-prefix"], else: .notARepository(directory: directory))
    }

    /// A tree exported from a revision into a temporary directory, removed by `remove()`.
    public struct ExportedTree: Sendable {
        /// The exported directory (the requested path inside the repository).
        public var root: String
        /// The temporary directory holding it.
        var temporary: URL

        public func remove() { try? FileManager.default.removeItem(at: temporary) }
    }

    /// Exports `directory` (a path in a working copy) as it is at `revision`, with
    /// `git archive | tar -x`, into a new temporary directory.
    public static func export(_ directory: String, at revision: String) throws(GitError) -> ExportedTree {
        let directory = directory.isEmpty ? "." : directory
        let top = try git(
            ["-C", directory, "rev-parse", "--show-toplevel"], else: .notARepository(directory: directory))
        let prefix = try git(
            ["-C", directory, "rev-parse", "--show-prefix"], else: .notARepository(directory: directory))
        _ = try git(
            ["-C", directory, "rev-parse", "--verify", "--quiet", "\(revision)^{commit}"],
            else: .unknownRevision(revision))
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "keyscope-git-\(UUID().uuidString)")
        let tree = temporary.appendingPathComponent("tree")
        do {
            try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        } catch {
            throw .temporaryDirectory(reason: (error as NSError).localizedDescription)
        }
        let exported = ExportedTree(root: tree.path, temporary: temporary)
        let archive = temporary.appendingPathComponent("policy.tar")
        let pathInRepo = prefix.isEmpty ? "." : String(prefix.dropLast(prefix.hasSuffix("/") ? 1 : 0))
        let archived = Subprocess.run([
            "git", "-C", top, "archive", "--format=tar", "-o", archive.path, revision, "--", pathInRepo,
        ])
        guard archived.status == 0 else {
            exported.remove()
            throw .archiveFailed(revision: revision, path: pathInRepo)
        }
        let tar = Subprocess.run(["tar", "-x", "-f", archive.path, "-C", tree.path])
        guard tar.status == 0 else {
            exported.remove()
            throw .unpackFailed(revision: revision, reason: tar.errorText)
        }
        let root = pathInRepo == "." ? tree.path : tree.appendingPathComponent(pathInRepo).path
        guard FileManager.default.fileExists(atPath: root) else {
            exported.remove()
            throw .missingPath(revision: revision, path: pathInRepo)
        }
        return ExportedTree(root: root, temporary: temporary)
    }

    /// Runs git; its standard output, trimmed, or `failure` when it exits non-zero.
    static func git(_ arguments: [String], else failure: GitError) throws(GitError) -> String {
        let output = Subprocess.run(["git"] + arguments)
        guard output.status == 0 else { throw failure }
        return String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
