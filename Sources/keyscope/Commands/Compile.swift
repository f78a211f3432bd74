import ArgumentParser
import Foundation
import KeyscopeCompiler
import KeyscopeIO
import KeyscopePolicy
import KeyscopeTable
import KeyscopeTableTools

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate the policy and write one signed scope table per product.",
        discussion: """
            Writes OUT/<product>.kst. Nothing is written when validation finds an error. \
            Output is byte-reproducible: the same sources, serial and issue time give the same bytes \
            (set the issue time with SOURCE_DATE_EPOCH or --issued-at).
            """
    )

    @Argument(help: "The policy root directory.")
    var root: String = "policies"

    @Option(help: "Directory to write the tables to.")
    var out: String = "out"

    @Option(help: "Compile only this product.")
    var product: String?

    @Option(
        parsing: .unconditional,
        help: "Table serial (default: the issue time in seconds). Must increase between publishes.")
    var serial: UInt64?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Issue time: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: $SOURCE_DATE_EPOCH, else now).",
            valueName: "time"))
    var issuedAt: Instant?

    @Option(help: "How long the table is valid: e.g. 30d, 12h, 3600s.")
    var validFor: String = "30d"

    @Option(help: "Source revision recorded in the header (default: git rev-parse HEAD of the policy root).")
    var revision: String?

    @OptionGroup var checkDate: CheckDateOption
    @OptionGroup var signing: SigningOptions

    @Option(help: "Diagnostics format when validation fails: text, json, github or sarif.")
    var format: DiagnosticFormat = .text

    @Option(help: "Colour of the diagnostics on stderr: auto, always or never.")
    var color: ColorMode = .auto

    @Flag(help: "Print only errors and the development-key warning: no summary, no progress, no table lines.")
    var quiet = false

    func run() throws {
        guard let validity = Duration.seconds(parsing: validFor), validity > 0 else {
            throw ValidationError(
                "--valid-for expects a duration such as 30d, 12h or 3600s, got \(Quote.quoted(validFor))")
        }
        let issued: Int64
        if let issuedAt {
            issued = issuedAt.unixSeconds
        } else if let epoch = Environment.variable("SOURCE_DATE_EPOCH") {
            guard let value = Int64(epoch) else {
                throw ValidationError("SOURCE_DATE_EPOCH must be Unix seconds, got \(Quote.quoted(epoch))")
            }
            issued = value
        } else {
            issued = Environment.now()
        }
        if issued.addingReportingOverflow(validity).overflow {
            throw ValidationError("issue time plus --valid-for is out of range")
        }
        let rootPath = Environment.displayPath(root)
        let result = try Validate.validate(root: rootPath, checkDate: try checkDate.checkDate(), quiet: quiet)
        if result.diagnostics.hasErrors {
            let rendered = Validate.render(
                result, format: format, color: Environment.colorStderr(color), quiet: quiet)
            var stderr = StandardError()
            print(rendered, terminator: "", to: &stderr)
            throw CommandFailure("validation failed; no table written")
        }
        if let product, !result.resolved.products.contains(where: { $0.id == product }) {
            throw CommandFailure("no product \(Quote.quoted(product)) in \(rootPath)")
        }
        if !quiet { print(ValidationSummary(result).line) }
        let (key, _) = try signing.load(policyRoot: rootPath)
        // A table built from uncommitted files is not the commit it would otherwise name.
        var recorded = revision
        if recorded == nil, let head = Git.headRevision(of: rootPath) {
            recorded = head
            if Git.isDirty(rootPath) == true {
                recorded = head + "-dirty"
                Environment.printError(
                    "warning: \(rootPath) has uncommitted changes; the table records revision \(head)-dirty")
            }
        }
        let options = CompileOptions(
            serial: serial ?? UInt64(max(0, issued)), issuedAt: issued, validFor: validity, revision: recorded)
        let expiresAt = issued + validity
        // Serials only go up: a table near the top leaves no room for the tables after it.
        if options.serial > UInt64.max - (1 << 32) {
            Environment.printError(
                "warning: serial \(options.serial) is within 2^32 of the largest serial (\(UInt64.max)); every later table of this product must be higher"
            )
        }
        if expiresAt <= Int64(time(nil)) {
            Environment.printError(
                """
                warning: this table has already expired (expires-at \(Timestamp.iso8601(expiresAt)), before now): every gateway will refuse it.
                warning: check SOURCE_DATE_EPOCH / --issued-at and --valid-for.
                """)
        }
        let tables = try ScopeTableCompiler.compile(result.resolved, options: options, signer: key, productID: product)
        // All tables are written to temporary files first, then renamed: a failure leaves nothing partial.
        try FileOutput.writeAllAtomically(tables.map { (out + "/" + $0.productID + ".kst", $0.bytes) })
        for table in tables where !quiet {
            let header = table.contents.metadata
            print(
                "compiled \(out)/\(table.productID).kst: serial \(header.serial), \(table.contents.keys.count) keys, \(table.contents.capabilities.count) capabilities, \(table.bytes.count) bytes, signed by \(key.publicKey.id), expires \(Timestamp.iso8601(header.expiresAt))"
            )
        }
        if !result.diagnostics.isEmpty && !quiet {
            Environment.printError("\(result.diagnostics.warningCount) warning(s); run `keyscope validate` to see them")
        }
        Environment.exitNow(KeyscopeExit.success)
    }
}

enum Duration {
    /// `30d`, `12h`, `15m`, `3600s` or plain seconds.
    static func seconds(parsing text: String) -> Int64? {
        guard let last = text.last else { return nil }
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        if let unit = units[last] {
            guard let value = Int64(text.dropLast()), value >= 0 else { return nil }
            return value.multipliedReportingOverflow(by: unit).overflow ? nil : value * unit
        }
        return Int64(text)
    }
}
