import Crypto
import KeyscopeTable
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

    public init(directory: String, trustedKeys: [TrustedKey], keep: Int = 20, lockTimeoutSeconds: Double = 30, faultHook: @escaping @Sendable (String) -> Void = { _ in }) {
        self.directory = directory
        self.trustedKeys = trustedKeys
        self.keep = keep
        self.lockTimeoutSeconds = lockTimeoutSeconds
        self.faultHook = faultHook
    }

    /// Verifies a table as a gateway would at `now` (signature, structure, expiry).
    public func verify(_ bytes: [UInt8], now: Int64, label: String) throws(PublishError) -> ScopeTable {
        do {
            return try ScopeTable(bytes: bytes, options: TableOpenOptions(trustedKeys: trustedKeys, now: now, maximumSize: Publisher.maximumTableSize))
        } catch {
            throw PublishError(.rejectedTable, "\(label): \(error); not published")
        }
    }

    /// The currently published table of a product, read without trusting the signer (its serial is the rollback floor).
    public func current(productID: String) throws(PublishError) -> TableContents? {
        let path = "\(directory)/\(productID)/current.kst"
        guard let bytes = try AtomicFile.read(path, limit: Publisher.maximumTableSize) else { return nil }
        do {
            return try ScopeTable.openUnverified(bytes: bytes).contents()
        } catch {
            throw PublishError(.corruptState, "\(path) is not a readable table (\(error)); repair the publish directory before publishing")
        }
    }

    /// Publishes one table (already verified by `verify`).
    public func publish(_ table: ScopeTable, bytes: [UInt8]) throws(PublishError) -> PublishResult {
        let product = table.header.productID
        let productDirectory = "\(directory)/\(product)"
        try AtomicFile.makeDirectories(productDirectory)
        let lock = try ProductLock(directory: productDirectory, timeoutSeconds: lockTimeoutSeconds)
        defer { withExtendedLifetime(lock) {} }
        faultHook("locked")
        try removeLeftovers(in: productDirectory)

        // The floor is the highest serial ever published here: current.kst or any history file.
        let previous = try current(productID: product)
        let history = try historySerials(in: productDirectory)
        let floor = max(previous?.metadata.serial ?? 0, history.last ?? 0)
        let serial = table.header.serial
        if previous != nil || !history.isEmpty, serial <= floor {
            throw PublishError(.serialNotIncreasing, "refusing to publish \(product) serial \(serial): serial \(floor) is already published (serials must increase; this would be a rollback)")
        }

        let historyPath = "\(productDirectory)/\(serial).kst"
        try AtomicFile.write(bytes, to: historyPath, fault: faultHook)
        let currentPath = "\(productDirectory)/current.kst"
        try AtomicFile.write(bytes, to: currentPath, fault: faultHook)
        try AtomicFile.write(Array(metadata(table, bytes: bytes).utf8), to: "\(productDirectory)/current.json", fault: faultHook)
        let pruned = try prune(productDirectory, keepingAlso: serial)
        faultHook("done")
        return PublishResult(
            productID: product, previousSerial: previous?.metadata.serial, serial: serial, currentPath: currentPath, historyPath: historyPath,
            pruned: pruned, previous: previous, contents: table.contents()
        )
    }

    /// `current.json`: what pollers need without downloading the table.
    func metadata(_ table: ScopeTable, bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let h = table.header
        return """
            {
              "product": "\(h.productID)",
              "serial": \(h.serial),
              "issuedAt": "\(Timestamp.iso8601(h.issuedAt))",
              "expiresAt": "\(Timestamp.iso8601(h.expiresAt))",
              "sha256": "\(digest)",
              "signer": "\(table.signer)",
              "bytes": \(bytes.count),
              "revision": \(h.revision.map { "\"\(jsonEscape($0))\"" } ?? "null")
            }

            """
    }

    func jsonEscape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// Serials of `<serial>.kst` files, ascending.
    func historySerials(in productDirectory: String) throws(PublishError) -> [UInt64] {
        try AtomicFile.list(productDirectory).compactMap { name -> UInt64? in
            guard name.hasSuffix(".kst"), name != "current.kst" else { return nil }
            return UInt64(name.dropLast(4))
        }.sorted()
    }

    /// Removes temporary files left by a publisher that crashed (we hold the lock, so none is in use).
    func removeLeftovers(in productDirectory: String) throws(PublishError) {
        for name in try AtomicFile.list(productDirectory) where name.hasPrefix(AtomicFile.temporaryPrefix) {
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
