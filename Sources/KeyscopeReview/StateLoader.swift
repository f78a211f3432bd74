import Foundation
import KeyscopeAccess
import KeyscopeIO
import KeyscopePolicy
import KeyscopeSupport
import KeyscopeTable
import KeyscopeTableTools

/// Why a state could not be read. One line each, naming the source.
public struct StateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where an access state comes from (SPEC §6).
public enum StateSource: Sendable, Equatable, CustomStringConvertible {
    /// A policy directory, compiled in memory.
    case policy(String)
    /// The policy directory at a git revision: `git:REV` (read with `git archive`, never touching the working tree or
    /// index).
    case git(revision: String, policyRoot: String)
    /// A table file.
    case table(String)
    /// A publish directory: `DIR/<product>/current.kst` for each product.
    case published(String)
    /// An `http(s)://` URL of a table.
    case url(String)

    /// Parses `git:REV`, `http(s)://…`, an explicit `policy:`/`table:`/`published:` prefix, or a path.
    ///
    /// A directory given as a bare path is always a policy tree, never guessed from what it
    /// holds: in CI the pull request's author controls what the tree holds, and a table dropped
    /// into it must not turn the review into a comparison of tables. A publish directory is
    /// named as `published:DIR`. A bare path that is not a directory is a table file.
    public static func parse(_ text: String, policyRoot: String) -> StateSource {
        if text.hasPrefix("git:") { return .git(revision: String(text.dropFirst(4)), policyRoot: policyRoot) }
        if text.hasPrefix("http://") || text.hasPrefix("https://") { return .url(text) }
        if text.hasPrefix("policy:") { return .policy(String(text.dropFirst(7))) }
        if text.hasPrefix("table:") { return .table(String(text.dropFirst(6))) }
        if text.hasPrefix("published:") { return .published(String(text.dropFirst(10))) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? .policy(text) : .table(text)
        }
        // Missing: say so in the terms the name suggests.
        return text.hasSuffix(".kst") ? .table(text) : .policy(text)
    }

    /// A state read from tables (a file, a publish directory or a URL), not from policy sources.
    var isTable: Bool {
        switch self {
        case .table, .published, .url: true
        case .policy, .git: false
        }
    }

    public var description: String {
        switch self {
        case .policy(let path): path
        case .git(let revision, let root): "git:\(revision) (\(root))"
        case .table(let path): path
        case .published(let path): path
        case .url(let url): url
        }
    }
}

/// Reads access states from every kind of source.
public struct StateLoader: Sendable {
    public var trustedKeys: [TrustedKey]
    /// Read tables without checking signatures (explicit `--insecure-skip-verify` only).
    public var skipVerification: Bool
    public var checkDate: CalendarDate
    /// HTTP timeout in seconds.
    public var timeout: Double

    public init(
        trustedKeys: [TrustedKey], skipVerification: Bool = false, checkDate: CalendarDate, timeout: Double = 10
    ) {
        self.trustedKeys = trustedKeys
        self.skipVerification = skipVerification
        self.checkDate = checkDate
        self.timeout = timeout
    }

    public func load(_ source: StateSource) throws(StateError) -> AccessState {
        switch source {
        case .policy, .git:
            let (label, validation) = try validatedPolicy(source)
            return AccessState(source: label, validation: validation)
        case .table, .published, .url:
            let (label, tables) = try openTables(source)
            return AccessState(source: label, tables: tables.map { $0.contents(keysSortedByName: false) })
        }
    }

    /// Loads two states side by side (each on its own core when it is a table; policy trees use both cores anyway).
    ///
    /// The states are for diffing. When both are tables, or both are policy sources, keys held
    /// alike by both (see `ScopeTable.identicalKeys` and `ResolvedProduct.alikeKeys`) are left
    /// out of both states, since they cannot change the diff: a 1% change of 100,000 keys then
    /// builds 2,000 keys instead of 200,000. Keys that a catalog change can still reach are kept:
    /// unscoped keys when capabilities were added, customer and partner keys when a capability
    /// became `internal`.
    public func loadPair(_ first: StateSource, _ second: StateSource) throws(StateError) -> (AccessState, AccessState) {
        if first.isTable && second.isTable { return try loadTablePair(first, second) }
        if !first.isTable && !second.isTable { return try loadPolicyPair(first, second) }
        let results = WorkerSlots<Result<AccessState, StateError>?>(count: 2, repeating: nil)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.set(index, Result { () throws(StateError) -> AccessState in try load(index == 0 ? first : second) })
        }
        return (try results[0]!.get(), try results[1]!.get())
    }

    func loadTablePair(_ first: StateSource, _ second: StateSource) throws(StateError) -> (AccessState, AccessState) {
        let results = WorkerSlots<Result<(String, [ScopeTable]), StateError>?>(count: 2, repeating: nil)
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            results.set(
                index,
                Result { () throws(StateError) -> (String, [ScopeTable]) in try openTables(index == 0 ? first : second)
                })
        }
        return Self.statePair(try results[0]!.get(), try results[1]!.get())
    }

    /// Two table states for diffing, keys held alike by both left out (see `loadPair`).
    public static func statePair(
        _ first: (label: String, tables: [ScopeTable]), _ second: (label: String, tables: [ScopeTable])
    ) -> (AccessState, AccessState) {
        let (firstLabel, firstTables) = first
        let (secondLabel, secondTables) = second
        var firstOmitted = [[Bool]?](repeating: nil, count: firstTables.count)
        var secondOmitted = [[Bool]?](repeating: nil, count: secondTables.count)
        for (i, old) in firstTables.enumerated() {
            guard let j = secondTables.firstIndex(where: { $0.header.productID == old.header.productID }) else {
                continue
            }
            let new = secondTables[j]
            let delta = CatalogDelta(old: Self.catalog(of: old), new: Self.catalog(of: new))
            // A route that changes capability is ranked by every key reaching either: keep them all.
            let routesChanged = Self.routes(of: old) != Self.routes(of: new)
            let alike = old.identicalKeys(in: new) { audience, unscoped in
                !routesChanged
                    && !delta.mayChangeAccess(
                        unscoped: unscoped, external: AccessVocabulary.isExternal(audience: audience.name))
            }
            firstOmitted[i] = alike.first
            secondOmitted[j] = alike.second
        }
        return (
            AccessState(
                source: firstLabel,
                tables: zip(firstTables, firstOmitted).map { $0.contents(keysSortedByName: false, omitting: $1) }),
            AccessState(
                source: secondLabel,
                tables: zip(secondTables, secondOmitted).map { $0.contents(keysSortedByName: false, omitting: $1) })
        )
    }

    /// The capability of each route template: what a route diff compares (a capability added or
    /// removed without routes changes nothing here).
    static func routes(of capabilities: [(id: String, routes: [String])]) -> [String: String] {
        var result: [String: String] = [:]
        for capability in capabilities {
            for route in capability.routes { result[route] = capability.id }
        }
        return result
    }

    /// The same for a table's capabilities.
    static func routes(of table: ScopeTable) -> [String: String] {
        routes(of: table.decodedCapabilities().map { ($0.id, $0.routes) })
    }

    func loadPolicyPair(_ first: StateSource, _ second: StateSource) throws(StateError) -> (AccessState, AccessState) {
        // One after the other: each validation already keeps every core busy.
        let old = try validatedPolicy(first)
        let new = try validatedPolicy(second)
        return Self.statePair(old, new)
    }

    /// Two policy states for diffing, keys held alike by both left out (see `loadPair`).
    public static func statePair(
        _ first: (label: String, validation: ValidationResult), _ second: (label: String, validation: ValidationResult)
    ) -> (AccessState, AccessState) {
        let (firstLabel, old) = first
        let (secondLabel, new) = second
        var firstOmitted: [String: [Bool]] = [:]
        var secondOmitted: [String: [Bool]] = [:]
        for oldProduct in old.resolved.products {
            guard let newProduct = new.resolved.products.first(where: { $0.id == oldProduct.id }) else { continue }
            let delta = CatalogDelta(old: oldProduct.catalog, new: newProduct.catalog)
            // A route that changes capability is ranked by every key reaching either: keep them all.
            let routesChanged =
                Self.routes(of: oldProduct.capabilities.map { ($0.id, $0.routes) })
                != Self.routes(of: newProduct.capabilities.map { ($0.id, $0.routes) })
            let alike = oldProduct.alikeKeys(in: newProduct) { key in
                !routesChanged && !delta.mayChangeAccess(unscoped: key.unscoped, external: key.audience.isExternal)
            }
            firstOmitted[oldProduct.id] = alike.first
            secondOmitted[newProduct.id] = alike.second
        }
        return (
            AccessState(source: firstLabel, validation: old, omitting: firstOmitted),
            AccessState(source: secondLabel, validation: new, omitting: secondOmitted)
        )
    }

    /// The validated policy of a policy-directory or git state, and its label; a policy with errors is refused.
    func validatedPolicy(_ source: StateSource) throws(StateError) -> (String, ValidationResult) {
        switch source {
        case .policy(let path):
            return (path, try validatedPolicy(root: path, label: path))
        case .git(let revision, let root):
            return ("git:\(revision)", try gitPolicy(revision: revision, policyRoot: root))
        case .table, .published, .url:
            throw StateError("\(source) is not a policy")
        }
    }

    /// The verified tables of a table, publish-directory or URL state, and its label.
    func openTables(_ source: StateSource) throws(StateError) -> (String, [ScopeTable]) {
        switch source {
        case .table(let path):
            return (path, [try openFile(path)])
        case .published(let directory):
            let products = Self.publishedProducts(in: directory)
            guard !products.isEmpty else {
                throw StateError("\(directory) is not a publish directory: no \(directory)/<product>/current.kst")
            }
            var tables: [ScopeTable] = []
            for product in products {
                let path = "\(directory)/\(product)/current.kst"
                // A publish directory holds regular files: a FIFO there would hang the diff.
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                    throw StateError("\(path) is not a regular file; a publish directory holds table files only")
                }
                let table = try openFile(path)
                // A publish directory is named by product: a table filed under another product's
                // name would make the state ambiguous (two tables for one product) or mislabelled.
                guard table.header.productID == product else {
                    throw StateError(
                        "\(path) holds a table for product `\(Quote.sanitized(table.header.productID))`, not `\(product)`"
                    )
                }
                tables.append(table)
            }
            return (directory, tables)
        case .url(let url):
            let bytes = try fetch(url)
            return (
                url,
                [
                    try open(label: url) { options throws(ScopeTableError) in
                        skipVerification
                            ? try ScopeTable.openUnverified(bytes: bytes)
                            : try ScopeTable(bytes: bytes, options: options)
                    }
                ]
            )
        case .policy, .git:
            throw StateError("\(source) is not a table")
        }
    }

    /// Opens one table, verified unless `skipVerification`. Expiry is not checked: an expired
    /// deployed table is still the state being replaced.
    func open(label: String, _ opening: (TableOpenOptions) throws(ScopeTableError) -> ScopeTable) throws(StateError)
        -> ScopeTable
    {
        do {
            return try opening(TableOpenOptions(trustedKeys: trustedKeys, now: nil))
        } catch .unreadable(let path, let reason) {
            throw StateError(ScopeTableError.unreadable(path: path, reason: reason).description)
        } catch {
            throw StateError("\(label): \(error)")
        }
    }

    /// Opens a table file: a regular file is read straight into the table's memory; anything
    /// else (a pipe, `/dev/stdin`, `<(…)` in a shell) is read to its end first, within the size limit.
    func openFile(_ path: String) throws(StateError) -> ScopeTable {
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            let bytes = try readStream(path, limit: TableOpenOptions(trustedKeys: [], now: nil).maximumSize)
            return try open(label: path) { options throws(ScopeTableError) in
                skipVerification
                    ? try ScopeTable.openUnverified(bytes: bytes) : try ScopeTable(bytes: bytes, options: options)
            }
        }
        return try open(label: path) { options throws(ScopeTableError) in
            skipVerification
                ? try ScopeTable.openUnverified(path: path, maximumSize: options.maximumSize)
                : try ScopeTable(path: path, options: options)
        }
    }

    /// Reads a non-regular file to its end, refusing more than `limit` bytes.
    func readStream(_ path: String, limit: Int) throws(StateError) -> [UInt8] {
        do {
            return try BoundedRead.stream(path, limit: limit)
        } catch {
            switch error {
            case .tooLarge(let size, let limit):
                throw StateError("\(path): \(ScopeTableError.tooLarge(size: size, limit: limit))")
            case .missing, .notRegularFile, .failed: throw StateError("cannot read table \(path): \(error)")
            }
        }
    }

    func validatedPolicy(root: String, label: String) throws(StateError) -> ValidationResult {
        let result: ValidationResult
        do {
            result = try PolicyValidator.validate(root: root, checkDate: checkDate)
        } catch {
            throw StateError(error.description)
        }
        // Rule errors do not hide a state from review: a pull request that breaks a rule is
        // exactly the one a reviewer must see. Files that do not read as policy do.
        let unreadable = result.diagnostics.filter { $0.severity == .error && $0.rule.isReadingFailure }
        guard unreadable.isEmpty else {
            throw StateError(
                "policy \(label) has \(unreadable.count) YAML or schema error(s), first \(unreadable[0].location): run `keyscope validate \(root)` to see them"
            )
        }
        return result
    }

    /// The policy directory as it is at `revision`, exported by the git adapter (never touching
    /// the working tree or the index) and validated there.
    func gitPolicy(revision: String, policyRoot: String) throws(StateError) -> ValidationResult {
        let tree: Git.ExportedTree
        do {
            tree = try Git.export(policyRoot, at: revision)
        } catch {
            throw StateError(Self.describe(error, revision: revision))
        }
        defer { tree.remove() }
        return try validatedPolicy(root: tree.root, label: "git:\(revision)")
    }

    /// A git failure in the words of a diff; the revision and paths come from the command line
    /// or CI, so they are shown sanitised.
    static func describe(_ error: GitError, revision: String) -> String {
        let shown = Quote.sanitized(revision)
        return switch error {
        case .notARepository(let directory): "\(Quote.sanitized(directory)) is not in a git repository"
        case .unknownRevision: "unknown git revision `\(shown)`"
        case .archiveFailed(_, let path):
            "`git archive \(shown)` failed (does \(Quote.sanitized(path)) exist at that revision?)"
        case .unpackFailed(_, let reason): "cannot unpack the archive of \(shown): \(Quote.sanitized(reason))"
        case .missingPath(_, let path): "\(Quote.sanitized(path)) does not exist at git revision \(shown)"
        case .temporaryDirectory(let reason): "cannot create a temporary directory: \(reason)"
        }
    }

    /// GET within the table size limit and the timeout; any failure is one clear line.
    func fetch(_ url: String) throws(StateError) -> [UInt8] {
        let limit = TableOpenOptions(trustedKeys: [], now: nil).maximumSize
        do {
            return try HTTPFetch.get(url, limit: limit, timeout: timeout)
        } catch {
            switch error {
            case .invalidURL: throw StateError("invalid URL \(url)")
            case .tooLarge(let received, let limit):
                throw StateError("GET \(url): \(ScopeTableError.tooLarge(size: received, limit: limit))")
            default: throw StateError("GET \(url): \(error)")
            }
        }
    }

    /// A table's capabilities as the access model sees them (owners are not needed to compare catalogs).
    static func catalog(of table: ScopeTable) -> AccessCatalog {
        AccessCatalog(table.decodedCapabilities().map { AccessCatalog.Entry(id: $0.id, owner: "", tags: $0.tags) })
    }

    /// Product directories holding a `current.kst`, sorted.
    public static func publishedProducts(in directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter {
            !$0.hasPrefix(".") && FileManager.default.fileExists(atPath: "\(directory)/\($0)/current.kst")
        }.sorted()
    }
}
