import ArgumentParser
import Foundation
import KeyscopeAccess
import KeyscopeIO
import KeyscopePolicy
import KeyscopeReview

enum DiffFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

extension Rank: ExpressibleByArgument {}

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the effective access change between two states, ranked by risk, with approvers.",
        discussion: """
            A STATE is a policy directory, git:REV (the policy directory at a git revision), a table file (.kst), \
            published:DIR (a publish directory: DIR/<product>/current.kst), or an http(s):// URL of a table. A directory \
            without a prefix is always a policy directory; table: and policy: force the kind. Tables are verified \
            against --trusted-key. A policy with rule errors is still diffed (the counts are shown); one with YAML or \
            schema errors is refused.

            Exit codes: 0 (no error); with --fail-on RANK, 3 when a change of that rank or more severe is present \
            (checked first); else with --exit-code, 2 when there are any changes; 1 on errors; 64 on usage errors.
            """
    )

    @Option(help: ArgumentHelp("The state before the change.", valueName: "state"))
    var from: String

    @Option(
        help: ArgumentHelp(
            "The state after the change (default: the policy directory in the working tree).", valueName: "state"))
    var to: String?

    @Option(help: "The policy directory, for git: states and the default --to.")
    var root: String = "policies"

    @Option(help: "Output format: text, markdown (a PR comment) or json.")
    var format: DiffFormat = .text

    @Option(
        help: ArgumentHelp(
            "Only this product's changes (repository-wide changes to teams and settings are left out too).",
            valueName: "id"))
    var product: String?

    @Option(help: "Colour (text): auto, always or never.")
    var color: ColorMode = .auto

    @Flag(help: "Exit 2 when there are changes.")
    var exitCode = false

    @Option(
        help: "Exit 3 when a change of this rank or more severe is present: critical, high, medium or low (any change)."
    )
    var failOn: Rank?

    @Option(help: "Timeout for http(s) states, in seconds.")
    var timeout: Double = 10

    @OptionGroup var checkDate: CheckDateOption
    @OptionGroup var trust: TrustOptions

    @Flag(help: "Read tables without checking their signatures (never in CI).")
    var insecureSkipVerify = false

    @Option(
        help: ArgumentHelp(
            "Also write the reviewed plan (keyscope.plan/v1) to this file, for `publish --plan`.", valueName: "file"))
    var out: String?

    func run() throws {
        let root = Environment.displayPath(self.root)
        let toSource = StateSource.parse(to ?? root, policyRoot: root)
        // A git: state is the policy root in use at another revision: --to when it is a policy
        // directory, else --root.
        let policyRoot = if case .policy(let path) = toSource { path } else { root }
        let fromSource = StateSource.parse(from, policyRoot: policyRoot)
        for (flag, text, source) in [("--to", to ?? root, toSource), ("--from", from, fromSource)] {
            if let problem = Self.missing(source, defaultTo: flag == "--to" && to == nil) {
                throw CommandFailure("\(flag) \(Quote.quoted(text)): \(problem)")
            }
        }
        let needsKeys = [fromSource, toSource].contains {
            if case .policy = $0 { false } else if case .git = $0 { false } else { true }
        }
        let keys = needsKeys && !insecureSkipVerify ? try trust.load() : []
        if insecureSkipVerify {
            Environment.printError("warning: --insecure-skip-verify: table signatures are NOT checked")
        }
        let loader = StateLoader(
            trustedKeys: keys, skipVerification: insecureSkipVerify, checkDate: try checkDate.checkDate(),
            timeout: timeout)
        // The states stay alive until the process exits: freeing 200,000 keys costs more than diffing them.
        let states: (AccessState, AccessState)
        do {
            // A plan digests whole states: the pair with alike keys left out would not do.
            states =
                out == nil
                ? try loader.loadPair(fromSource, toSource) : (try loader.load(fromSource), try loader.load(toSource))
        } catch {
            throw CommandFailure(error.description)
        }
        var diff = AccessDiff(from: states.0, to: states.1)
        if let product {
            guard states.0.products[product] != nil || states.1.products[product] != nil else {
                throw CommandFailure("no product \(Quote.quoted(product)) in either state")
            }
            diff.narrow(toProduct: product)
        }
        if let out {
            let plan = ReviewPlan(from: states.0, to: states.1, product: product)
            try FileOutput.writeAllAtomically([(out, Array(plan.rendered(diff: diff).utf8))])
        }
        switch format {
        case .text: print(DiffRenderer.text(diff, color: Environment.colorStdout(color)), terminator: "")
        case .markdown: print(DiffRenderer.markdown(diff), terminator: "")
        case .json: print(DiffRenderer.json(diff), terminator: "")
        }
        if let failOn, diff.has(atLeast: failOn) { Environment.exitNow(KeyscopeExit.severityThreshold) }
        if exitCode, !diff.isEmpty { Environment.exitNow(KeyscopeExit.changesPresent) }
        withExtendedLifetime(states) { Environment.exitNow(KeyscopeExit.success) }
    }
}

extension Diff {
    /// What is missing for a state to be read, in the terms of the state's kind; nil when the
    /// paths it needs exist. Checked before anything else, so that a typo is not reported as
    /// a missing trusted key or a git failure.
    static func missing(_ source: StateSource, defaultTo: Bool) -> String? {
        func exists(_ path: String, directory: Bool) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                && isDirectory.boolValue == directory
        }
        switch source {
        case .policy(let path) where !exists(path, directory: true):
            return defaultTo
                ? "no policy directory here; run from the directory that holds it, or pass --root or --to"
                : "no such policy directory (a state is a policy directory, git:REV, a .kst table, published:DIR or an http(s) URL)"
        case .table(let path) where !FileManager.default.fileExists(atPath: path):
            return "no such table file"
        case .published(let path) where !exists(path, directory: true):
            return "no such publish directory"
        case .git(_, let policyRoot) where !exists(policyRoot.isEmpty ? "." : policyRoot, directory: true):
            return
                "a git: state is the policy directory at a revision, and the policy directory \(Quote.quoted(policyRoot)) does not exist here; pass --root (or --to) naming it"
        default:
            return nil
        }
    }
}

struct CodeOwnersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codeowners",
        abstract: "Print a CODEOWNERS file that makes GitHub require the owning teams' review for each policy file.",
        discussion: "With --check FILE, exit 1 when FILE differs from what would be generated."
    )

    @Argument(help: "The policy root directory.")
    var root: String = "policies"

    @Option(help: "Compare with this committed CODEOWNERS file instead of printing.")
    var check: String?

    /// A loaded file's path relative to the policy root it was found under.
    static func path(of file: String, below root: String) -> String {
        if root == "." { return file.hasPrefix("./") ? String(file.dropFirst(2)) : file }
        let base = root.hasSuffix("/") ? root : root + "/"
        return file.hasPrefix(base) ? String(file.dropFirst(base.count)) : file
    }

    func run() throws {
        let rootPath = Environment.displayPath(root)
        let loaded: LoadedPolicy
        do {
            loaded = try PolicyLoader().load(root: rootPath)
        } catch {
            throw CommandFailure(error.description)
        }
        if loaded.diagnostics.hasErrors {
            throw CommandFailure("the policy has errors; run `keyscope validate \(rootPath)` first")
        }
        // CODEOWNERS paths are relative to the repository root, written with a leading slash: the
        // policy root's place in its repository, then each file's path below the root, whatever
        // the directory the command runs from.
        let rootInRepository = Git.prefix(of: rootPath) ?? ""
        let text = CodeOwners.render(loaded, pathPrefix: "/") { file in
            rootInRepository + Self.path(of: file, below: rootPath)
        }
        guard let check else {
            print(text, terminator: "")
            return
        }
        let committed = String(decoding: try FileOutput.readFile(check), as: UTF8.self)
        if committed != text {
            Environment.printError(
                "\(check) is stale: run `keyscope codeowners \(root) > \(check)` and commit the result")
            throw KeyscopeExit.failure
        }
        print("\(check) is up to date")
    }
}
