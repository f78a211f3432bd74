import KeyscopeIO
import KeyscopeTable
import KeyscopeTableTools

#if canImport(Glibc)
import Glibc
#endif

/// What one publish did.
public struct PublishResult: Sendable {
    public var productID: String
    /// The serial that was current before, if any.
    public var previousSerial: UInt64?
    public var serial: UInt64
    /// `DIR/<product>/current.kst`.
    public var currentPath: String
    /// `DIR/<product>/<serial>.kst`.
    public var historyPath: String
    /// History files removed by `keep`.
    public var pruned: [String]
    /// The table was already current, byte for byte: nothing was written (a retried deploy).
    public var alreadyCurrent: Bool = false
    /// The contents that were current before (for the change summary).
    public var previous: TableContents?
    public var contents: TableContents
}

/// Publishes verified tables into a directory that gateways read (SPEC §7):
///
///     DIR/<product>/<serial>.kst   every published version (the last `keep`)
///     DIR/<product>/current.kst    replaced atomically; what gateways load
///     DIR/<product>/current.json   metadata for pollers, replaced atomically after current.kst
///     DIR/<product>/.lock          flock(2) held for the whole publish
///
/// Each step is crash-safe: at any instant `current.kst` is the old table or
/// the new one. Leftover temporary files of a crashed publisher are removed by
/// the next publish, under the lock.
public struct Publisher: Sendable {
    public var directory: String
    public var trustedKeys: [TrustedKey]
    /// History files to keep per product (the current one is never removed).
    public var keep: Int
    public var lockTimeoutSeconds: Double
    /// Called at each step with its name; tests use it to crash the process at every point.
    public var faultHook: @Sendable (String) -> Void

    public static let maximumTableSize = 256 << 20

    public init(
        directory: String, trustedKeys: [TrustedKey], keep: Int = 20, lockTimeoutSeconds: Double = 30,
        faultHook: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.directory = directory
        self.trustedKeys = trustedKeys
        self.keep = keep
        self.lockTimeoutSeconds = lockTimeoutSeconds
        self.faultHook = faultHook
    }

    /// Verifies a table as a gateway would at `now` (signature, structure, expiry).
    public func verify(_ bytes: [UInt8], now: Int64, label: String) throws(PublishError) -> ScopeTable {
        do {
            return try ScopeTable(
                bytes: bytes,
                options: TableOpenOptions(trustedKeys: trustedKeys, now: now, maximumSize: Publisher.maximumTableSize))
        } catch {
            throw PublishError(.rejectedTable, "\(label): \(error); not published")
        }
    }

    /// The currently published table of a product, read without trusting the signer (its serial is the rollback floor).
    public func current(productID: String) throws(PublishError) -> TableContents? {
        try currentTable(productID: productID)?.contents
    }

    /// The bytes and contents of a product's `current.kst`, read once.
    func currentTable(productID: String) throws(PublishError) -> (bytes: [UInt8], contents: TableContents)? {
        guard Publisher.isSlug(productID) else {
            throw PublishError(
                .rejectedTable,
                "product id \(productID.debugDescription) is not a slug; refusing to use it as a directory name")
        }
        let path = "\(directory)/\(productID)/current.kst"
        guard let bytes = try file({ try AtomicFile.read(path, limit: Publisher.maximumTableSize) }) else { return nil }
        do {
            return (bytes, try ScopeTable.openUnverified(bytes: bytes).contents())
        } catch {
            throw PublishError(
                .corruptState,
                "\(path) is not a readable table (\(error)); repair the publish directory before publishing")
        }
    }

    /// Publishes one table (already verified by `verify`).
    public func publish(_ table: ScopeTable, bytes: [UInt8]) throws(PublishError) -> PublishResult {
        try publish([(table, bytes)])[0]
    }

    /// Publishes several tables (already verified), all or nothing as far as the checks go:
    /// every product is locked and its serial checked before any file is written.
    ///
    /// `precondition` sees each product's current contents under its lock, before anything is
    /// written (not for a table that is already current): `publish --plan` refuses there when
    /// the deployed table is no longer the one the change was reviewed against.
    public func publish(
        _ items: [(table: ScopeTable, bytes: [UInt8])],
        precondition: (_ product: String, _ current: TableContents?) throws(PublishError) -> Void = { _, _ in }
    ) throws(PublishError) -> [PublishResult] {
        struct Plan {
            var index: Int
            var productDirectory: String
            var previous: TableContents?
            var alreadyCurrent = false
        }
        for item in items where !Publisher.isSlug(item.table.header.productID) {
            throw PublishError(
                .rejectedTable,
                "product id \(item.table.header.productID.debugDescription) is not a slug; refusing to use it as a directory name"
            )
        }
        let order = items.indices.sorted { items[$0].table.header.productID < items[$1].table.header.productID }
        var locks: [ProductLock] = []
        var plans: [Plan] = []
        // Locks are taken in product order, so two multi-product publishes cannot deadlock.
        for index in order {
            let table = items[index].table
            let product = table.header.productID
            let productDirectory = "\(directory)/\(product)"
            try file { try AtomicFile.makeDirectories(productDirectory) }
            locks.append(try ProductLock(directory: productDirectory, timeoutSeconds: lockTimeoutSeconds))
            try removeLeftovers(in: productDirectory)
            // The floor is the highest serial ever published here: current.kst or any history file.
            let currentTable = try currentTable(productID: product)
            let previous = currentTable?.contents
            let history = try historySerials(in: productDirectory)
            let floor = max(previous?.metadata.serial ?? 0, history.last ?? 0)
            let serial = table.header.serial
            // The very table already current (a retried deploy job): succeed without writing.
            if previous?.metadata.serial == serial, currentTable?.bytes == items[index].bytes {
                plans.append(
                    Plan(index: index, productDirectory: productDirectory, previous: previous, alreadyCurrent: true))
                continue
            }
            if previous != nil || !history.isEmpty, serial <= floor {
                // A publish of this very table that crashed after writing its history file and before
                // replacing current.kst may be run again: it finishes the job instead of being refused.
                let historyPath = "\(productDirectory)/\(serial).kst"
                let written = try file { try AtomicFile.read(historyPath, limit: Publisher.maximumTableSize) }
                let resumable =
                    serial == history.last && (previous?.metadata.serial ?? 0) < serial && written == items[index].bytes
                if !resumable {
                    throw PublishError(
                        .serialNotIncreasing,
                        "refusing to publish \(product) serial \(serial): serial \(floor) is already published (serials must increase; this would be a rollback)"
                    )
                }
            }
            try precondition(product, previous)
            plans.append(Plan(index: index, productDirectory: productDirectory, previous: previous))
        }
        faultHook("locked")
        var results: [Int: PublishResult] = [:]
        for plan in plans {
            let (table, bytes) = items[plan.index]
            let serial = table.header.serial
            let historyPath = "\(plan.productDirectory)/\(serial).kst"
            if plan.alreadyCurrent {
                var result = PublishResult(
                    productID: table.header.productID, previousSerial: serial, serial: serial,
                    currentPath: "\(plan.productDirectory)/current.kst",
                    historyPath: historyPath, pruned: [], previous: plan.previous, contents: table.contents()
                )
                result.alreadyCurrent = true
                results[plan.index] = result
                continue
            }
            try file { try AtomicFile.write(bytes, to: historyPath, fault: faultHook) }
            let currentPath = "\(plan.productDirectory)/current.kst"
            try file { try AtomicFile.write(bytes, to: currentPath, fault: faultHook) }
            try file {
                try AtomicFile.write(
                    Array(metadata(table, bytes: bytes).utf8), to: "\(plan.productDirectory)/current.json",
                    fault: faultHook)
            }
            let pruned = try prune(plan.productDirectory, keepingAlso: serial)
            results[plan.index] = PublishResult(
                productID: table.header.productID, previousSerial: plan.previous?.metadata.serial, serial: serial,
                currentPath: currentPath,
                historyPath: historyPath, pruned: pruned, previous: plan.previous, contents: table.contents()
            )
        }
        faultHook("done")
        withExtendedLifetime(locks) {}
        return items.indices.map { results[$0]! }
    }

    /// Product ids become directory names: only `[a-z0-9][a-z0-9-]{0,62}` is accepted.
    static func isSlug(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        func ok(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        return ok(first) && bytes.allSatisfy { ok($0) || $0 == 45 }
    }

    /// `current.json`: what pollers need without downloading the table.
    func metadata(_ table: ScopeTable, bytes: [UInt8]) -> String {
        let digest = Hex.sha256(bytes)
        let h = table.header
        return """
            {
              "product": "\(h.productID)",
              "serial": "\(h.serial)",
              "issuedAt": "\(Timestamp.iso8601(h.issuedAt))",
              "expiresAt": "\(Timestamp.iso8601(h.expiresAt))",
              "sha256": "\(digest)",
              "signer": "\(table.signer)",
              "bytes": \(bytes.count),
              "revision": \(h.revision.map { "\"\(JSONText.escaped($0))\"" } ?? "null")
            }

            """
    }

    /// Serials of `<serial>.kst` files, ascending.
    func historySerials(in productDirectory: String) throws(PublishError) -> [UInt64] {
        try file { try AtomicFile.list(productDirectory) }.compactMap { name -> UInt64? in
            guard name.hasSuffix(".kst"), name != "current.kst" else { return nil }
            return UInt64(name.dropLast(4))
        }.sorted()
    }

    /// Removes temporary files left by a publisher that crashed (we hold the lock, so none is in use).
    func removeLeftovers(in productDirectory: String) throws(PublishError) {
        for name in try file({ try AtomicFile.list(productDirectory) }) where name.hasPrefix(AtomicFile.temporaryPrefix)
        {
            unlink("\(productDirectory)/\(name)")
        }
    }

    /// Keeps the newest `keep` history files (and always `current`'s serial).
    func prune(_ productDirectory: String, keepingAlso current: UInt64) throws(PublishError) -> [String] {
        let serials = try historySerials(in: productDirectory)
        guard serials.count > keep else { return [] }
        var removed: [String] = []
        for serial in serials.dropLast(max(keep, 1)) where serial != current {
            let path = "\(productDirectory)/\(serial).kst"
            if unlink(path) == 0 { removed.append(path) }
        }
        faultHook("pruned")
        return removed
    }
}

/// Runs a file operation, its failure reported in publishing's terms.
private func file<T>(_ body: () throws -> T) throws(PublishError) -> T {
    do {
        return try body()
    } catch let error as FileError {
        throw PublishError(error)
    } catch {
        throw PublishError(.io, "\(error)")
    }
}
