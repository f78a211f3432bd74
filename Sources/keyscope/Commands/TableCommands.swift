import ArgumentParser
import Foundation
import KeyscopePolicy
import KeyscopeReview
import KeyscopeRuntime
import KeyscopeTable
import KeyscopeTableTools

/// Opening a table file from the command line, with the trust options every reader takes.
struct TableInput: ParsableArguments {
    @Argument(help: "The table file (.kst).")
    var table: String

    @OptionGroup var trust: TrustOptions

    @Flag(help: "Read the table without checking its signature (inspection only; never for deployment).")
    var insecureSkipVerify = false

    func open(now: Int64? = nil, product: String? = nil, minimumSerial: UInt64 = 0) throws -> ScopeTable {
        do {
            if insecureSkipVerify {
                Environment.printError("warning: --insecure-skip-verify: the signature of \(table) was NOT checked")
                return try ScopeTable.openUnverified(bytes: try FileOutput.readFile(table))
            }
            let options = TableOpenOptions(
                trustedKeys: try trust.load(developmentKeyNear: [table, "."]), expectedProduct: product, now: now,
                minimumSerial: minimumSerial)
            return try ScopeTable(path: table, options: options)
        } catch let error as ScopeTableError {
            throw Self.failure(error, path: table)
        }
    }

    /// A table that would not open, in one line naming its path once: `unreadable` names the
    /// path itself; every other reason is about the bytes of this file.
    static func failure(_ error: ScopeTableError, path: String) -> CommandFailure {
        if case .unreadable = error { return CommandFailure("\(error)") }
        return CommandFailure("\(path): \(error)")
    }
}

/// Output formats for table-reading commands.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a table's header, counts, keys and scopes.")

    @OptionGroup var input: TableInput

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    func run() throws {
        let table = try input.open()
        let contents = table.contents()
        switch format {
        case .text: print(TableReport.text(table: table, contents: contents), terminator: "")
        case .json: print(TableReport.json(table: table, contents: contents).rendered() + "\n", terminator: "")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a table's signature and structure as a gateway would.",
        discussion: "Exit 0 when the table would be accepted, 1 with the reason when not."
    )

    @OptionGroup var input: TableInput

    @Option(help: "Require this product id.")
    var product: String?

    @Option(parsing: .unconditional, help: "Require a serial at least this high.")
    var minSerial: UInt64 = 0

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Check expiry at this time: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now).",
            valueName: "time"))
    var at: Instant?

    func run() throws {
        let table = try input.open(
            now: at?.unixSeconds ?? Environment.now(), product: product, minimumSerial: minSerial)
        let header = table.header
        print(
            "ok: \(input.table): product \(Quote.sanitized(header.productID)), serial \(header.serial), signed by \(table.signer), expires \(Timestamp.iso8601(header.expiresAt))"
        )
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide one call against a table, as the gateway would.",
        discussion:
            "Prints allow, or deny with the reason: not-in-scope (with the 403 body), unknown-key, unknown-capability, key-expired or table-expired. Exit 0 on allow, 1 on deny."
    )

    @OptionGroup var input: TableInput

    @Option(help: "The key name.")
    var key: String

    @Option(help: "The capability id.")
    var capability: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Decide at this time: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now).",
            valueName: "time"))
    var at: Instant?

    func run() throws {
        let now = at?.unixSeconds ?? Environment.now()
        // Expired tables are opened so that the decision can say `table-expired`.
        let table = try input.open(now: nil)
        switch table.decide(key: key, capability: capability, now: now) {
        case .allow:
            print("allow")
        case .deny(let reason):
            print("deny: \(reason.words) (\(reason.explanation))")
            if reason == .notInScope {
                print("HTTP \(ForbiddenResponse.status) \(ForbiddenResponse.body(capabilityID: capability))")
            }
            throw KeyscopeExit.failure
        }
    }
}

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an Ed25519 signing key pair.",
        discussion:
            "Writes NAME.pem (PKCS#8, mode 0600) and NAME.pub.pem (SubjectPublicKeyInfo); both are readable by OpenSSL. Never overwrites. Writes a .gitignore beside them (unless one exists) so that git ignores private keys."
    )

    @Option(help: "Directory to write the keys to.")
    var out: String = "."

    @Option(help: "File name stem.")
    var name: String = "signing-key"

    func run() throws {
        let key = SigningKey()
        let directory = Environment.directoryArgument(out)
        try FileOutput.makeDirectories(directory, mode: 0o700)
        let privatePath = directory == "/" ? "/\(name).pem" : "\(directory)/\(name).pem"
        let publicPath = directory == "/" ? "/\(name).pub.pem" : "\(directory)/\(name).pub.pem"
        try KeyFiles.writePair(key, privatePath: privatePath, publicPath: publicPath)
        print("wrote \(privatePath) (private, mode 0600) and \(publicPath) (public); key id \(key.publicKey.id)")
        // Private keys stay out of git by default: a `.gitignore` beside them, unless one is there.
        let ignore = directory == "/" ? "/.gitignore" : "\(directory)/.gitignore"
        if access(ignore, F_OK) != 0 {
            try FileOutput.writeNew(
                Array(
                    "# Written by `keyscope keygen`: private keys stay out of git; public keys may be committed.\n*.pem\n!*.pub.pem\n"
                        .utf8),
                to: ignore, mode: 0o644)
            print("wrote \(ignore): git ignores the private keys in \(directory)")
        }
    }
}
