import Dispatch
import KeyscopeSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why loading could not even start.
public enum PolicyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    case rootNotFound(String)
    case rootUnreadable(String, reason: String)
    /// A compiled table inside the policy root: a root is policy sources only, so that no file an
    /// author adds can make a command read the tree as something else.
    case tableInPolicyRoot(String)

    public var description: String {
        switch self {
        case .tableInPolicyRoot(let path):
            "policy root holds a compiled table, \(Quote.quoted(path)): tables and publish directories belong outside the policy root"
        case .rootNotFound(let path): "policy root \(Quote.quoted(path)) does not exist"
        case .rootUnreadable(let path, let reason): "cannot read policy root \(Quote.quoted(path)): \(reason)"
        }
    }
}

/// Finds the policy files under a root and reads them.
///
/// The walk is deterministic (names sorted bytewise), skips hidden entries,
/// and follows a symbolic link only when its target lies inside the root;
/// directories are remembered by device and inode, so link loops end.
public struct PolicyLoader: Sendable {
    public static let extensions = [".yaml", ".yml", ".json"]
    public var limits: ReaderLimits

    public init(limits: ReaderLimits = .default) {
        self.limits = limits
    }

    /// The policy files under `root` (or `root` itself when it is a file), as display paths.
    public func findFiles(root: String) throws(PolicyLoadError) -> [String] {
        try walk(root: root).files
    }

    /// The policy files under `root`, and the symbolic links below it that were not followed
    /// (leading outside the root, dangling, or into a loop), each with the reason.
    func walk(root: String) throws(PolicyLoadError) -> (files: [String], skippedLinks: [(path: String, reason: String)])
    {
        var skipped: [(path: String, reason: String)] = []
        let root = PolicyLoader.normalise(root)
        var info = stat()
        guard stat(root, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .rootNotFound(root) }
            throw .rootUnreadable(root, reason: String(cString: strerror(errno)))
        }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            return ([root], [])
        }
        guard let realRoot = PolicyLoader.realPath(root) else {
            throw .rootUnreadable(root, reason: "cannot resolve path")
        }
        var files: [String] = []
        var visited: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
        var pending: [String] = [root]
        while let directory = pending.popLast() {
            guard let dir = opendir(directory) else {
                if directory == root { throw .rootUnreadable(root, reason: String(cString: strerror(errno))) }
                continue
            }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
                }
                if name.hasPrefix(".") { continue }
                names.append(name)
            }
            closedir(dir)
            var subdirectories: [String] = []
            for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let path = directory == "." ? name : directory + "/" + name
                var entryInfo = stat()
                guard lstat(path, &entryInfo) == 0 else { continue }
                var isLink = false
                if (entryInfo.st_mode & S_IFMT) == S_IFLNK {
                    // Follow a link only when it stays inside the root; say so when it does not,
                    // so that a file its author believes is policy is never silently unread.
                    isLink = true
                    guard let target = PolicyLoader.realPath(path), stat(path, &entryInfo) == 0 else {
                        skipped.append((path, "a symbolic link that leads nowhere (dangling, or a loop)"))
                        continue
                    }
                    guard target == realRoot || target.hasPrefix(realRoot + "/") else {
                        skipped.append((path, "a symbolic link to a path outside the policy root"))
                        continue
                    }
                }
                switch entryInfo.st_mode & S_IFMT {
                case S_IFDIR:
                    if visited.insert([UInt64(entryInfo.st_dev), UInt64(entryInfo.st_ino)]).inserted {
                        subdirectories.append(path)
                    } else if isLink {
                        skipped.append((path, "a symbolic link to a directory already read (a loop)"))
                    }
                case S_IFREG:
                    if name.hasSuffix(".kst") { throw .tableInPolicyRoot(path) }
                    if PolicyLoader.extensions.contains(where: { name.hasSuffix($0) }) { files.append(path) }
                default:
                    continue
                }
            }
            // Depth-first in sorted order: push in reverse so the first name is visited first.
            pending.append(contentsOf: subdirectories.reversed())
        }
        return (files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, skipped)
    }

    /// Reads a file, refusing one over the size limit before reading it.
    public func readFile(_ path: String) -> Result<SourceFile, YAMLProblem> {
        do {
            return .success(SourceFile(path: path, bytes: try BoundedRead.bytes(path, limit: limits.maxFileBytes)))
        } catch {
            switch error {
            case .tooLarge(let size, let limit):
                return .failure(
                    YAMLProblem(
                        .fileTooLarge, "file is \(size) bytes, more than the limit of \(limit)", at: .startOf(path),
                        help: "split the policy into several files"))
            case .missing, .notRegularFile, .failed:
                return .failure(YAMLProblem(.syntax, "cannot read file: \(error)", at: .startOf(path)))
            }
        }
    }

    /// Reads and decodes every policy file under `root`, on all cores.
    public func load(root: String) throws(PolicyLoadError) -> LoadedPolicy {
        let (paths, links) = try walk(root: root)
        // Names below the root come from whoever wrote the pull request, and go on into
        // CODEOWNERS lines, annotations and comments: only a plain set is read at all.
        let base = PolicyLoader.normalise(root)
        var safe: [String] = []
        var refused: [Diagnostic] = []
        for path in paths {
            let relative =
                path == base
                ? String(path.split(separator: "/").last ?? "")
                : base == "." ? path : String(path.dropFirst(base.count + 1))
            if PolicyLoader.isSafeName(relative) {
                safe.append(path)
            } else {
                refused.append(
                    Diagnostic(
                        .error, UnsafeFileName.id,
                        "file name \(Quote.quoted(relative)) has characters outside [A-Za-z0-9._/-]; the file is not read",
                        at: .startOf(Quote.sanitized(path)),
                        help: "rename the file: policy file names reach CODEOWNERS, annotations and review comments"
                    ))
            }
        }
        let refusedFiles = refused.count
        for link in links {
            refused.append(
                Diagnostic(
                    .error, UnsafeFileName.id, "\(Quote.quoted(link.path)) is \(link.reason); it is not read",
                    at: .startOf(Quote.sanitized(link.path)),
                    help: "replace the link with the file itself: policy is what the repository holds"
                ))
        }
        var loaded = load(paths: safe)
        loaded.diagnostics = refused + loaded.diagnostics
        loaded.policy.fileCount += refusedFiles
        return loaded
    }

    /// Whether a path below the policy root uses only `[A-Za-z0-9._/-]`, with no empty, `.` or
    /// `..` segment and no segment starting with `-` or `.`.
    public static func isSafeName(_ relative: String) -> Bool {
        guard !relative.isEmpty,
            relative.utf8.allSatisfy({ byte in
                PolicySchema.isAlnum(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "-")
            })
        else { return false }
        return relative.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
            !segment.isEmpty && !segment.hasPrefix(".") && !segment.hasPrefix("-")
        }
    }

    /// Reads and decodes the given files, on all cores; results keep the order of `paths`.
    public func load(paths: [String]) -> LoadedPolicy {
        let decoder = PolicyDecoder(reader: StrictYAMLReader(limits: limits))
        let results = WorkerSlots<(SourceFile?, DecodedFile)?>(count: paths.count, repeating: nil)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            switch readFile(paths[index]) {
            case .success(let file):
                results.set(index, (file, decoder.decode(file)))
            case .failure(let problem):
                var decoded = DecodedFile()
                decoded.diagnostics.append(
                    Diagnostic(.error, YAMLSyntax.id, problem.message, at: problem.location, help: problem.help))
                results.set(index, (nil, decoded))
            }
        }
        return LoadedPolicy.merge(results.array().map { $0! }, fileCount: paths.count)
    }

    /// Decodes in-memory files (tests, `git:` states).
    public func load(files: [SourceFile]) -> LoadedPolicy {
        let decoder = PolicyDecoder(reader: StrictYAMLReader(limits: limits))
        let results = WorkerSlots<(SourceFile?, DecodedFile)?>(count: files.count, repeating: nil)
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            results.set(index, (files[index], decoder.decode(files[index])))
        }
        return LoadedPolicy.merge(results.array().map { $0! }, fileCount: files.count)
    }

    static func normalise(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") && path.count > 2 { path.removeFirst(2) }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path.isEmpty ? "." : path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// The decoded policy and the source files it came from.
public struct LoadedPolicy: Sendable {
    public var policy: PolicySet
    /// Files by display path, for source excerpts in diagnostics.
    public var files: [String: SourceFile]
    /// Findings from reading and decoding (yaml-syntax, schema), unsorted.
    public var diagnostics: [Diagnostic]

    static func merge(_ results: [(SourceFile?, DecodedFile)], fileCount: Int) -> LoadedPolicy {
        var policy = PolicySet()
        var files: [String: SourceFile] = [:]
        var diagnostics: [Diagnostic] = []
        var settings: [Settings] = []
        for (file, decoded) in results {
            if let file { files[file.path] = file }
            policy.products += decoded.products
            policy.teams += decoded.teams
            policy.keySets += decoded.keySets
            settings += decoded.settings
            policy.documentCount += decoded.documentCount
            diagnostics += decoded.diagnostics
        }
        policy.fileCount = fileCount
        if let first = settings.first {
            policy.settings = first
            for extra in settings.dropFirst() {
                diagnostics.append(
                    Diagnostic(
                        .error, SchemaMismatch.id, "more than one Settings document",
                        at: extra.location ?? .startOf("?"),
                        notes: first.location.map { [DiagnosticNote("first Settings document here", at: $0)] } ?? []
                    ))
            }
        }
        return LoadedPolicy(policy: policy, files: files, diagnostics: diagnostics)
    }
}
