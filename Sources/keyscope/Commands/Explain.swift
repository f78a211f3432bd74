import ArgumentParser
import KeyscopePolicy
import KeyscopeReview
import KeyscopeTable
import KeyscopeTableTools

/// Where `explain` and `who-can` read access from: a policy directory or a table file.
struct AccessSource: ParsableArguments {
    @Argument(help: "A policy directory (default: policies) or a table file (.kst).")
    var source: String = "policies"

    @Option(help: "Only this product.")
    var product: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Decide at this time: Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (default: now).",
            valueName: "time"))
    var at: Instant?

    @OptionGroup var trust: TrustOptions

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    /// The views to answer from, and the table when the source is one (for its own decisions).
    func load() throws -> (views: [AccessView], table: ScopeTable?) {
        let now = at?.unixSeconds ?? Environment.now()
        if source.hasSuffix(".kst") {
            let table: ScopeTable
            do {
                // Opened without an expiry check, so that the answer can say `table-expired`.
                table = try ScopeTable(
                    path: source,
                    options: TableOpenOptions(
                        trustedKeys: try trust.load(developmentKeyNear: [source, "."]), expectedProduct: product,
                        now: nil))
            } catch let error as ScopeTableError {
                throw TableInput.failure(error, path: source)
            }
            return ([AccessView.view(of: table.contents(), source: Environment.displayPath(source))], table)
        }
        let root = Environment.displayPath(source)
        let result = try Validate.validate(root: root, checkDate: CalendarDate(unixSeconds: now), quiet: true)
        if result.diagnostics.hasErrors {
            throw CommandFailure(
                "\(root) has \(result.diagnostics.errorCount) error(s); run `keyscope validate \(root)` and fix them first"
            )
        }
        var views = AccessView.views(of: result, source: root)
        if let product {
            views = views.filter { $0.product == product }
            if views.isEmpty { throw CommandFailure("no product \(Quote.quoted(product)) in \(root)") }
        }
        return (views, nil)
    }
}

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say why a key can or cannot call a capability.",
        discussion: """
            Answers from a policy directory (naming the file, line and column of the scope entry, \
            `tag:` selector or `unscoped: true` that grants the call, or the entries that do not) or \
            from a table file (the table's own decision, as a gateway would make it). \
            Exit 0 when the call is allowed, 1 when it is denied.
            """
    )

    @Option(help: "The key name.")
    var key: String

    @Option(help: "The capability id.")
    var capability: String

    @OptionGroup var input: AccessSource

    func run() throws {
        let (views, table) = try input.load()
        let now = input.at?.unixSeconds ?? Environment.now()
        // A key lives in one product's key sets; without --product, explain where it is declared.
        var candidates = views.filter { view in view.keys.contains { $0.name == key } }
        if candidates.isEmpty { candidates = views }
        let answers = candidates.map { view in
            if let table {
                AccessExplanation.explain(key: key, capability: capability, table: table, view: view, now: now)
            } else {
                AccessExplanation.explain(
                    key: key, capability: capability, in: view, on: CalendarDate(unixSeconds: now))
            }
        }
        switch input.format {
        case .text: print(answers.map(ExplanationRenderer.text).joined(separator: "\n"), terminator: "")
        case .json:
            print(ExplanationRenderer.json(answers).rendered())
        }
        if answers.isEmpty || answers.contains(where: { !$0.allowed }) { throw KeyscopeExit.failure }
    }
}

struct WhoCan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "who-can",
        abstract: "List every key that reaches a capability, and how.",
        discussion: """
            For each key: its audience, the grant that reaches the capability (`unscoped`, the id, or a \
            `tag:` selector) and, from a policy directory, where it is written. Expired keys are listed \
            and marked: the gateway denies them. Exit 1 when no product has the capability.
            """
    )

    @Argument(help: "The capability id.")
    var capability: String

    @OptionGroup var input: AccessSource

    func run() throws {
        let (views, _) = try input.load()
        let date = CalendarDate(unixSeconds: input.at?.unixSeconds ?? Environment.now())
        let found = views.compactMap { CapabilityHolders.find(capability, in: $0, on: date) }
        guard !found.isEmpty else {
            throw CommandFailure("no capability \(Quote.quoted(capability)) in \(Quote.sanitized(input.source))")
        }
        switch input.format {
        case .text: print(ExplanationRenderer.text(found), terminator: "")
        case .json: print(ExplanationRenderer.json(found).rendered())
        }
    }
}
