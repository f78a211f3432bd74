/// Why a table was refused. A gateway branches on these, so the cases are
/// exhaustive and carry what is needed to act (log, alert, keep the old table).
public enum ScopeTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is larger than the configured maximum; refused before reading it.
    case tooLarge(size: Int, limit: Int)
    /// The bytes do not form a valid table; `offset` is where the problem was found.
    case malformed(offset: Int, reason: MalformedReason)
    /// A format version this reader does not know.
    case unsupportedVersion(UInt16)
    /// Signed by a key that is not trusted.
    case untrustedSigner(keyID: String)
    /// The signature does not verify: the bytes were changed after signing.
    case badSignature(keyID: String)
    /// The table is for another product.
    case wrongProduct(expected: String, found: String)
    /// The table's expires-at has passed.
    case expired(expiresAt: Int64, now: Int64)
    /// The serial is below the minimum (a rollback to an older table).
    case serialBelowMinimum(serial: UInt64, minimum: UInt64)
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// No trusted key was given: there is no unsigned mode.
    case noTrustedKeys

    /// One line, as `verify` prints it.
    public var description: String {
        switch self {
        case .tooLarge(let size, let limit): "table is \(size) bytes, more than the limit of \(limit)"
        case .malformed(let offset, let reason): "malformed table at byte \(offset): \(reason.description)"
        case .unsupportedVersion(let version): "unsupported table format version \(version)"
        case .untrustedSigner(let keyID): "table is signed by key \(keyID), which is not trusted"
        case .badSignature(let keyID): "signature by key \(keyID) does not verify: the table was modified after signing"
        case .wrongProduct(let expected, let found): "table is for product `\(found)`, expected `\(expected)`"
        case .expired(let expiresAt, let now):
            "table expired at \(Timestamp.iso8601(expiresAt)) (now \(Timestamp.iso8601(now)))"
        case .serialBelowMinimum(let serial, let minimum): "table serial \(serial) is below the minimum \(minimum)"
        case .unreadable(let path, let reason): "cannot read table \(path): \(reason)"
        case .noTrustedKeys: "no trusted keys given; tables are only accepted when a trusted key signed them"
        }
    }
}

/// What exactly is wrong with malformed bytes.
public enum MalformedReason: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case truncated
    case badMagic
    case badHeader
    case sizeMismatch
    case badSignatureBlock
    case badSection
    case badString
    case badList
    case badScopeSet
    case badTeam
    case badCapability
    case badKey
    case badIndex
    case badFingerprint
    case badRoute

    /// The reason in words.
    public var description: String {
        switch self {
        case .truncated: "file is shorter than a header and signature block"
        case .badMagic: "not a keyscope table (bad magic)"
        case .badHeader: "invalid header field"
        case .sizeMismatch: "file size does not match the header"
        case .badSignatureBlock: "invalid signature block"
        case .badSection: "section out of bounds, misaligned or overlapping"
        case .badString: "string reference out of bounds or not UTF-8"
        case .badList: "list reference out of bounds"
        case .badScopeSet: "scope set out of bounds, unsorted or naming an unknown capability"
        case .badTeam: "invalid team record"
        case .badCapability: "invalid capability record"
        case .badKey: "invalid key record"
        case .badIndex: "hash index inconsistent with the records"
        case .badFingerprint: "fingerprint records unsorted, repeated or naming no key"
        case .badRoute: "route tree out of bounds, unsorted, too deep or naming an unknown capability"
        }
    }
}

/// Formatting of Unix times without Foundation.
public enum Timestamp {
    /// `2026-11-27T10:00:00Z`.
    public static func iso8601(_ seconds: Int64) -> String {
        // Years 0001 to 9999: beyond that the date arithmetic would overflow, and no table lives there.
        let seconds = min(max(seconds, -62_135_596_800), 253_402_300_799)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        return date(day: Int(days)) + "T\(pad(rest / 3600)):\(pad(rest % 3600 / 60)):\(pad(rest % 60))Z"
    }

    /// `YYYY-MM-DD` of a day number (years 0 to 9999).
    public static func date(day: Int) -> String {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = min(9999, max(0, yoe + era * 400 + (m <= 2 ? 1 : 0)))
        let digits: [UInt8] = [
            UInt8(48 + y / 1000), UInt8(48 + y / 100 % 10), UInt8(48 + y / 10 % 10), UInt8(48 + y % 10), 45,
            UInt8(48 + m / 10), UInt8(48 + m % 10), 45, UInt8(48 + d / 10), UInt8(48 + d % 10),
        ]
        return String(decoding: digits, as: UTF8.self)
    }
}
